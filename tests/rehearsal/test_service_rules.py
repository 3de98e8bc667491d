"""The AWS service rules the emulator enforces (rehearsal/service_rules.py): each bad request refused with
AWS's error code and message shape, each correct one passing unchanged; then the recently fixed product
defects reverted one at a time on the applied envs, each refused as AWS refuses it."""

from __future__ import annotations

import io
import json
import re
import time

import pytest
from botocore.exceptions import ClientError

from conftest import grant_artifacts, training_request
from rehearsal import service_rules
from rehearsal.trainer import run_training_job

SERVERLESS = {"MemorySizeInMB": 2048, "MaxConcurrency": 1}
INSTANCE = {"InstanceType": "ml.m5.large", "InitialInstanceCount": 1, "InitialVariantWeight": 1.0}
CANARY = {
    "BlueGreenUpdatePolicy": {
        "TrafficRoutingConfiguration": {
            "Type": "CANARY",
            "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 10},
            "WaitIntervalInSeconds": 0,
        }
    }
}


def refused(call, code: str = "ValidationException") -> str:
    """The message of the refusal of `call`, after checking its code and HTTP status 400."""
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response
    assert error["Error"]["Code"] == code, error
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    return error["Error"]["Message"]


def test_every_rule_cites_its_aws_page():
    for rule in service_rules.RULES:
        assert "https://docs.aws.amazon.com/" in rule.source, rule.id


# --------------------------------------------------------------------------- SageMaker hosting (R1, R2, R3)
@pytest.fixture(scope="module")
def sm(aws):
    return aws.client("sagemaker", "production")


@pytest.fixture(scope="module")
def model_role(aws, artifacts):
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
            }
        ],
    }
    iam = aws.client("iam", "production")
    arn = iam.create_role(RoleName="rules-model-execution", AssumeRolePolicyDocument=json.dumps(trust))[
        "Role"
    ]["Arn"]
    grant_artifacts(aws, "production", "rules-model-execution", artifacts)  # the endpoint reads A's model
    return arn


@pytest.fixture(scope="module")
def model_data_url(aws, artifacts):
    """A real model.tar.gz, so that endpoints pass P10's health check and can be updated."""
    s3 = aws.client("s3", session=aws.session_for_role(artifacts["sagemaker_role_arn"], "SageMaker"))
    return run_training_job(training_request(artifacts, "rules-train-for-hosting"), s3).model_data_url


def create_model(sm, role: str, url: str, name: str, **extra) -> str:
    sm.create_model(
        ModelName=name,
        ExecutionRoleArn=role,
        PrimaryContainer={"Image": "xgboost", "ModelDataUrl": url},
        **extra,
    )
    return name


def variant(model: str, kind: dict, name: str = "AllTraffic") -> dict:
    fields = {"ServerlessConfig": kind} if "MemorySizeInMB" in kind else kind
    return {"VariantName": name, "ModelName": model, **fields}


def in_service(sm, endpoint: str, config: str) -> None:
    sm.create_endpoint(EndpointName=endpoint, EndpointConfigName=config)
    deadline = time.monotonic() + 60
    while sm.describe_endpoint(EndpointName=endpoint)["EndpointStatus"] == "Creating":
        assert time.monotonic() < deadline, "endpoint never left Creating"
        time.sleep(0.2)
    assert sm.describe_endpoint(EndpointName=endpoint)["EndpointStatus"] == "InService"


@pytest.mark.parametrize(
    ("case", "model_extra", "config_extra", "variants", "feature"),
    [
        ("isolation", {"EnableNetworkIsolation": True}, {}, 1, "network isolation"),
        (
            "vpc",
            {"VpcConfig": {"SecurityGroupIds": ["sg-12345678"], "Subnets": ["subnet-12345678"]}},
            {},
            1,
            "VPC configuration",
        ),
        (
            "capture",
            {},
            {
                "DataCaptureConfig": {
                    "InitialSamplingPercentage": 100,
                    "DestinationS3Uri": "s3://capture/x",
                    "CaptureOptions": [{"CaptureMode": "Input"}],
                }
            },
            1,
            "data capture",
        ),
        ("variants", {}, {}, 2, "multiple production variants (2)"),
    ],
)
def test_serverless_config_refuses_excluded_features(
    sm, model_role, case, model_extra, config_extra, variants, feature
):
    model = create_model(sm, model_role, "s3://b/model.tar.gz", f"rules-excl-{case}", **model_extra)
    message = refused(
        lambda: sm.create_endpoint_config(
            EndpointConfigName=f"rules-excl-{case}",
            ProductionVariants=[variant(model, SERVERLESS, f"v{i}") for i in range(variants)],
            **config_extra,
        )
    )
    assert "Serverless Inference does not support" in message and feature in message, message


def test_allowed_configs_pass(sm, model_role):
    # An isolated model on an instance endpoint, and a plain model on a serverless one, are what AWS accepts.
    isolated = create_model(
        sm, model_role, "s3://b/m.tar.gz", "rules-ok-isolated", EnableNetworkIsolation=True
    )
    plain = create_model(sm, model_role, "s3://b/m.tar.gz", "rules-ok-plain")
    sm.create_endpoint_config(
        EndpointConfigName="rules-ok-instance", ProductionVariants=[variant(isolated, INSTANCE)]
    )
    sm.create_endpoint_config(
        EndpointConfigName="rules-ok-serverless", ProductionVariants=[variant(plain, SERVERLESS)]
    )


@pytest.fixture(scope="module")
def hosting(sm, model_role, model_data_url):
    """Configs over one real model: instance (AllTraffic), instance (another variant name), serverless."""
    model = create_model(sm, model_role, model_data_url, "rules-hosted")
    configs = {
        "instance": [variant(model, INSTANCE)],
        "instance-renamed": [variant(model, INSTANCE, "Blue")],
        "serverless": [variant(model, SERVERLESS)],
        "serverless-2": [variant(model, {**SERVERLESS, "MaxConcurrency": 2})],
    }
    for name, production_variants in configs.items():
        sm.create_endpoint_config(EndpointConfigName=f"rules-{name}", ProductionVariants=production_variants)
    in_service(sm, "rules-instance-endpoint", "rules-instance")
    in_service(sm, "rules-serverless-endpoint", "rules-serverless")
    return {"instance": "rules-instance-endpoint", "serverless": "rules-serverless-endpoint"}


def test_instance_endpoint_cannot_become_serverless(sm, hosting):
    message = refused(
        lambda: sm.update_endpoint(EndpointName=hosting["instance"], EndpointConfigName="rules-serverless")
    )
    assert "instance-based endpoint" in message and "cannot be updated to the serverless" in message


@pytest.mark.parametrize(
    ("endpoint", "config", "deployment", "expected"),
    [
        ("serverless", "rules-serverless-2", CANARY, "applies to real-time (instance) endpoints only"),
        ("instance", "rules-instance-renamed", CANARY, "same variant names"),
    ],
)
def test_deployment_guardrails(sm, hosting, endpoint, config, deployment, expected):
    message = refused(
        lambda: sm.update_endpoint(
            EndpointName=hosting[endpoint], EndpointConfigName=config, DeploymentConfig=deployment
        )
    )
    assert expected in message, message


def test_allowed_updates_pass(sm, hosting):
    # Canary on an instance endpoint with the same variant name: what the deployer sends (P10 then runs it).
    sm.update_endpoint(
        EndpointName=hosting["instance"], EndpointConfigName="rules-instance", DeploymentConfig=CANARY
    )
    # Serverless -> instance is allowed ("You can convert a serverless endpoint to real-time").
    sm.update_endpoint(EndpointName=hosting["serverless"], EndpointConfigName="rules-instance")


# -------------------------------------------------------------------------------------- Lambda (R4)
def test_any_reservation_fails_in_a_new_account(aws):
    iam = aws.client("iam", "production")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}
        ],
    }
    role = iam.create_role(RoleName="rules-function", AssumeRolePolicyDocument=json.dumps(trust))["Role"][
        "Arn"
    ]
    awslambda = aws.client("lambda", "production")
    awslambda.create_function(
        FunctionName="rules-function",
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": _zip_of("def handler(event, context):\n    return event\n")},
    )
    message = refused(
        lambda: awslambda.put_function_concurrency(
            FunctionName="rules-function", ReservedConcurrentExecutions=1
        ),
        "InvalidParameterValueException",
    )
    assert message == (
        "Specified ReservedConcurrentExecutions for function decreases account's "
        "UnreservedConcurrentExecution below its minimum value of [10]."
    )
    assert "Concurrency" not in awslambda.get_function(FunctionName="rules-function")


def _zip_of(source: str) -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", source)
    return buffer.getvalue()


# --------------------------------------------------------------------------------- spot training (R5)
@pytest.mark.parametrize(
    ("spot", "stopping", "expected"),
    [
        (True, {"MaxRuntimeInSeconds": 600, "MaxWaitTimeInSeconds": 300}, "greater than or equal to"),
        (True, {"MaxRuntimeInSeconds": 600}, "It must be present"),
        (
            False,
            {"MaxRuntimeInSeconds": 600, "MaxWaitTimeInSeconds": 1200},
            "It is only supported when EnableManagedSpotTraining is set to true",
        ),
    ],
)
def test_spot_stopping_condition(aws, artifacts, spot, stopping, expected):
    request = dict(
        training_request(artifacts, f"rules-spot-{spot}-{len(stopping)}"), StoppingCondition=stopping
    )
    if spot:
        request["EnableManagedSpotTraining"] = True
    message = refused(lambda: aws.client("sagemaker", "training").create_training_job(**request))
    assert message.startswith("Invalid MaxWaitTimeInSeconds.") and expected in message, message


def test_spot_job_with_max_wait_and_checkpoints_passes(aws, artifacts):
    request = dict(
        training_request(artifacts, "rules-spot-ok"),
        EnableManagedSpotTraining=True,
        StoppingCondition={"MaxRuntimeInSeconds": 600, "MaxWaitTimeInSeconds": 1200},
        CheckpointConfig={"S3Uri": f"s3://{artifacts['bucket']}/checkpoints/rules-spot-ok/"},
    )
    sm = aws.client("sagemaker", "training")
    sm.create_training_job(**request)
    assert sm.describe_training_job(TrainingJobName="rules-spot-ok")["TrainingJobStatus"] in (
        "InProgress",
        "Completed",
    )


# ---------------------------------------------------------------------------------------- names (R6)
def _create(sm, operation: str, name: str) -> None:
    calls = {
        "CreateEndpoint": lambda: sm.create_endpoint(EndpointName=name, EndpointConfigName="rules-none"),
        "CreateEndpointConfig": lambda: sm.create_endpoint_config(
            EndpointConfigName=name, ProductionVariants=[variant("rules-none", INSTANCE)]
        ),
        "CreateModel": lambda: sm.create_model(
            ModelName=name,
            ExecutionRoleArn="arn:aws:iam::333333333333:role/x",
            PrimaryContainer={"Image": "x"},
        ),
        "CreateModelPackageGroup": lambda: sm.create_model_package_group(ModelPackageGroupName=name),
        "CreateTrainingJob": lambda: sm.create_training_job(
            TrainingJobName=name,
            RoleArn="arn:aws:iam::333333333333:role/x",
            AlgorithmSpecification={"TrainingImage": "x", "TrainingInputMode": "File"},
            OutputDataConfig={"S3OutputPath": "s3://b/o"},
            ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
            StoppingCondition={"MaxRuntimeInSeconds": 60},
        ),
    }
    calls[operation]()


@pytest.mark.parametrize("operation", sorted(service_rules.NAME_PARAMETERS))
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a" * 64, "Member must have length less than or equal to 63"),
        ("bad_name", "Member must satisfy regular expression pattern: ^[a-zA-Z0-9]"),
        ("-name", "Member must satisfy regular expression pattern: ^[a-zA-Z0-9]"),
    ],
)
def test_name_limits(sm, operation, name, expected):
    # AWS's request validation lists every failed constraint: "<n> validation error(s) detected: Value ...".
    parameter = service_rules.NAME_PARAMETERS[operation]
    message = refused(lambda: _create(sm, operation, name))
    assert re.match(r"\d validation errors? detected: ", message), message
    assert (
        f"Value '{name}' at '{parameter[0].lower()}{parameter[1:]}' failed to satisfy constraint" in message
    )
    assert expected in message


def test_longest_valid_name_passes(sm):
    name = "a" + "-b" * 31  # 63 characters, hyphens inside
    sm.create_model_package_group(ModelPackageGroupName=name)
    assert service_rules.name_errors("CreateEndpoint", name) == []


# ================================================= the fixed product defects, reverted on the applied envs
@pytest.fixture(scope="module")
def production(aws, applied):
    from rehearsal.apply import outputs

    return outputs(applied["states"]["production"])


@pytest.mark.e2e
def test_reverted_serverless_model_with_isolation_is_refused(aws, production, monkeypatch):
    # The old deployer: EnableNetworkIsolation=True whatever the endpoint type. Its own functions, with the
    # applied function's settings, and only the isolation property reverted.
    from prod_deployer import config, deploy
    from prod_deployer.errors import JobFailed
    from prod_deployer.logs import JsonLogger

    function = aws.client("lambda", "production").get_function_configuration(
        FunctionName=production["deployer_function_arn"]
    )
    settings = config.load_settings(function["Environment"]["Variables"])
    assert settings.endpoint.type == "serverless"
    monkeypatch.setattr(config.EndpointSettings, "network_isolation", property(lambda _self: True))
    sm = aws.client("sagemaker", "production")
    # A release as the deployer registers it (the model is created from a model package version).
    package = sm.create_model_package(
        ModelPackageGroupName=settings.provenance.package_group,
        InferenceSpecification={
            "Containers": [{"Image": settings.provenance.image_uri, "ModelDataUrl": "s3://b/model.tar.gz"}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
        ModelApprovalStatus="Approved",
    )["ModelPackageArn"]
    log = JsonLogger(io.StringIO())
    deploy.ensure_model(sm, "rules-reverted-isolation", package, settings, [], log)
    with pytest.raises(JobFailed) as failed:
        deploy.ensure_endpoint_config(
            sm, "rules-reverted-isolation", "rules-reverted-isolation", settings.endpoint, [], log
        )
    assert "ValidationException" in str(failed.value) and "network isolation" in str(failed.value)


@pytest.mark.e2e
def test_reverted_reservation_of_one_is_refused(aws, production):
    # The old module default: reserved_concurrent_executions = 1 on the deployer (PutFunctionConcurrency).
    awslambda = aws.client("lambda", "production")
    message = refused(
        lambda: awslambda.put_function_concurrency(
            FunctionName=production["deployer_function_arn"], ReservedConcurrentExecutions=1
        ),
        "InvalidParameterValueException",
    )
    assert message.endswith("below its minimum value of [10].")


@pytest.mark.e2e
def test_reverted_spot_wait_below_runtime_is_refused(aws, applied, artifacts):
    # Spot with MaxWait < MaxRuntime (what the module's validation now refuses at plan time), as the training
    # account's CreateTrainingJob.
    request = dict(
        training_request(artifacts, "rules-reverted-spot"),
        EnableManagedSpotTraining=True,
        StoppingCondition={"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 1800},
    )
    message = refused(lambda: aws.client("sagemaker", "training").create_training_job(**request))
    assert "greater than or equal to MaxRuntimeInSeconds" in message
