"""Deployments end to end through ``handle``: SageMaker, STS, S3 and KMS are moto; CodePipeline is a recorder.

Each test asserts the exact answer sent to the pipeline. Stubs (see conftest.py): UpdateEndpoint (moto has
none) and endpoint status transitions (moto makes endpoints InService at once) are played on moto's own
records.
"""

from __future__ import annotations

import json

import boto3
import pytest
from deployer_testkit import (
    ACCOUNT_A,
    CALLBACK_ROLE,
    CONFIG,
    ENDPOINT,
    EXAMPLE_OUTPUT,
    EXECUTION_ID,
    INSTANCE,
    ISOLATED_MODEL,
    JOB_ID,
    MODEL,
    MODEL_ROLE,
    World,
    continuation,
    failure,
    make_env,
    names_for,
    package_arn,
    success,
    trained,
    wait_token,
)


def test_names_are_stable(world: World) -> None:
    assert names_for(EXAMPLE_OUTPUT, json.loads(world.env["ENDPOINT_CONFIG"])) == (MODEL, CONFIG)


def test_first_deployment_serverless(world: World) -> None:
    world.put_artifact(EXAMPLE_OUTPUT)
    result = world.run()

    assert world.recorder.only() == success(MODEL, CONFIG)
    assert result["status"] == "success"
    # The answer went through A's callback role, really assumed in moto.
    (creds,) = world.clients.callback_credentials
    who = boto3.client(
        "sts",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    ).get_caller_identity()
    assert who["Account"] == ACCOUNT_A
    assert who["Arn"] == f"arn:aws:sts::{ACCOUNT_A}:assumed-role/mlops-pipeline-callback/deployer-{JOB_ID}"

    (create_model,) = world.sim.called("CreateModel")
    tags = [
        {"Key": "managed-by", "Value": "prod-deployer"},
        {"Key": "pipeline-execution-id", "Value": EXECUTION_ID},
        {"Key": "project", "Value": "mlops"},
        {"Key": "training-job-name", "Value": EXAMPLE_OUTPUT["training_job_name"]},
    ]
    assert create_model == {
        "ModelName": MODEL,
        "ExecutionRoleArn": MODEL_ROLE,
        # From the release's package version, which points at C's verified copy (test_provenance.py).
        "PrimaryContainer": {"ModelPackageName": package_arn(1)},
        # SageMaker Serverless Inference does not support network isolation (feature exclusions).
        "EnableNetworkIsolation": False,
        "Tags": tags,
    }
    config = world.sm.describe_endpoint_config(EndpointConfigName=CONFIG)
    assert config["ProductionVariants"][0]["ModelName"] == MODEL
    assert config["ProductionVariants"][0]["ServerlessConfig"] == {
        "MemorySizeInMB": 2048,
        "MaxConcurrency": 5,
    }
    assert world.sm.describe_endpoint(EndpointName=ENDPOINT)["EndpointConfigName"] == CONFIG
    assert world.sim.mutating_calls() == [
        "CreateModelPackage",
        "CreateModel",
        "CreateEndpointConfig",
        "CreateEndpoint",
    ]


def test_first_deployment_instance(world: World) -> None:
    world.env = make_env(INSTANCE)
    world.put_artifact(EXAMPLE_OUTPUT)
    world.run()

    model, config = names_for(EXAMPLE_OUTPUT, INSTANCE)
    assert model == ISOLATED_MODEL and config != CONFIG
    assert world.recorder.only() == success(model, config)
    (create_model,) = world.sim.called("CreateModel")
    assert create_model["ModelName"] == ISOLATED_MODEL
    assert create_model["EnableNetworkIsolation"] is True
    (create_config,) = world.sim.called("CreateEndpointConfig")
    assert create_config["ProductionVariants"] == [
        {
            "VariantName": "AllTraffic",
            "ModelName": model,
            "InstanceType": "ml.m5.large",
            "InitialInstanceCount": 2,
            "InitialVariantWeight": 1.0,
        }
    ]
    assert create_config["DataCaptureConfig"] == {
        "EnableCapture": True,
        "InitialSamplingPercentage": 100,
        "DestinationS3Uri": "s3://mlops-capture-333333333333/endpoint/",
        "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
    }
    assert world.sim.called("CreateEndpoint") == [
        {"EndpointName": ENDPOINT, "EndpointConfigName": config, "Tags": create_config["Tags"]}
    ]


def test_continuation_cycle_until_in_service(world: World) -> None:
    world.sim.after("CreateEndpoint", endpoint_status="Creating")
    world.put_artifact(EXAMPLE_OUTPUT)
    world.run()
    summary = f"Creating endpoint {ENDPOINT} with {CONFIG} (model {MODEL}); status Creating"
    assert world.recorder.calls[-1] == continuation(summary, wait_token("create", MODEL, CONFIG, None, 1))

    assert world.cycle() == continuation(summary, wait_token("create", MODEL, CONFIG, None, 2))
    world.sim.set(endpoint_status="InService")
    assert world.cycle() == success(MODEL, CONFIG)
    assert len(world.recorder.calls) == 3
    # Continuations only describe: nothing was created again.
    assert world.sim.mutating_calls() == [
        "CreateModelPackage",
        "CreateModel",
        "CreateEndpointConfig",
        "CreateEndpoint",
    ]


def test_update_instance_endpoint_blue_green_canary(world: World) -> None:
    world.env = make_env(INSTANCE)
    world.sim.install_update_endpoint()
    world.put_artifact(EXAMPLE_OUTPUT)
    world.run()
    old_model, old_config = names_for(EXAMPLE_OUTPUT, INSTANCE)
    assert world.recorder.only() == success(old_model, old_config)

    new = trained(2)
    model, config = names_for(new, INSTANCE, package_version=2)
    world.put_artifact(new)
    world.run()
    assert world.sim.updates == [
        {
            "EndpointName": ENDPOINT,
            "EndpointConfigName": config,
            "DeploymentConfig": {
                "BlueGreenUpdatePolicy": {
                    "TrafficRoutingConfiguration": {
                        "Type": "CANARY",
                        "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 10},
                        "WaitIntervalInSeconds": 300,
                    }
                },
                "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "mlops-endpoint-5xx"}]},
            },
        }
    ]
    summary = f"Updating endpoint {ENDPOINT} with {config} (model {model}); status Updating"
    assert world.recorder.calls[-1] == continuation(
        summary, wait_token("update", model, config, old_config, 1)
    )
    # The old config keeps serving during the update.
    assert world.sm.describe_endpoint(EndpointName=ENDPOINT)["EndpointConfigName"] == old_config

    world.sim.finish_update()
    assert world.cycle() == success(model, config, package_version=2)


def test_update_serverless_endpoint_is_a_plain_update(world: World) -> None:
    world.sim.install_update_endpoint()
    world.put_artifact(EXAMPLE_OUTPUT)
    world.run()
    new = trained(2)
    model, config = names_for(new, json.loads(world.env["ENDPOINT_CONFIG"]), package_version=2)
    world.put_artifact(new)
    world.run()
    assert world.sim.updates == [{"EndpointName": ENDPOINT, "EndpointConfigName": config}]
    world.sim.finish_update()
    assert world.cycle() == success(model, config, package_version=2)


def test_redelivery_after_success_creates_nothing(world: World) -> None:
    world.put_artifact(EXAMPLE_OUTPUT)
    world.run()
    calls_before = world.sim.mutating_calls()
    world.run()  # the same job again (e.g. Lambda's async retry)
    assert world.recorder.calls == [success(MODEL, CONFIG), success(MODEL, CONFIG)]
    assert world.sim.mutating_calls() == calls_before


def test_redelivery_while_creating_waits_for_the_same_endpoint(world: World) -> None:
    world.sim.after("CreateEndpoint", endpoint_status="Creating")
    world.put_artifact(EXAMPLE_OUTPUT)
    world.run()
    world.run()  # re-delivered without a token: finds model, config and the endpoint being created
    summary = f"Creating endpoint {ENDPOINT} with {CONFIG} (model {MODEL}); status Creating"
    assert world.recorder.calls[-1] == continuation(summary, wait_token("create", MODEL, CONFIG, None, 1))
    assert world.sim.mutating_calls() == [
        "CreateModelPackage",
        "CreateModel",
        "CreateEndpointConfig",
        "CreateEndpoint",
    ]


def test_redelivery_during_update_does_not_update_again(world: World) -> None:
    world.sim.install_update_endpoint()
    world.put_artifact(EXAMPLE_OUTPUT)
    world.run()
    new = trained(2)
    model, config = names_for(new, json.loads(world.env["ENDPOINT_CONFIG"]), package_version=2)
    world.put_artifact(new)
    world.run()
    world.run()  # same job again while the endpoint is Updating to our config
    assert len(world.sim.updates) == 1
    summary = f"Updating endpoint {ENDPOINT} with {config} (model {model}); status Updating"
    assert world.recorder.calls[-1] == continuation(summary, wait_token("update", model, config, CONFIG, 1))
    world.sim.finish_update()
    assert world.cycle() == success(model, config, package_version=2)


def test_out_of_time_returns_a_continuation_before_any_step(world: World) -> None:
    world.put_artifact(EXAMPLE_OUTPUT)
    world.run(remaining_ms=5_000)
    assert world.recorder.only() == continuation(
        f"Deploying {CONFIG} to {ENDPOINT}: continuing in the next invocation (before create_model)",
        {"v": 1, "phase": "deploy", "reason": "out of time before create_model", "polls": 1},
    )
    # Only the release's package version exists; the next invocation finds it instead of making another.
    assert world.sim.mutating_calls() == ["CreateModelPackage"]
    assert world.cycle() == success(MODEL, CONFIG)
    assert world.sim.mutating_calls().count("CreateModelPackage") == 1


def test_endpoint_failed(world: World) -> None:
    world.sim.after("CreateEndpoint", endpoint_status="Failed", failure_reason="Model container failed ping")
    world.put_artifact(EXAMPLE_OUTPUT)
    world.run()
    assert world.recorder.only() == failure(
        "JobFailed", f"endpoint {ENDPOINT} failed: Model container failed ping"
    )


def test_endpoint_failed_during_continuation(world: World) -> None:
    world.sim.after("CreateEndpoint", endpoint_status="Creating")
    world.put_artifact(EXAMPLE_OUTPUT)
    world.run()
    world.sim.set(endpoint_status="Failed", failure_reason="Insufficient capacity")
    assert world.cycle() == failure("JobFailed", f"endpoint {ENDPOINT} failed: Insufficient capacity")


def test_failed_endpoint_from_an_earlier_run_is_recreated(world: World) -> None:
    world.put_artifact(EXAMPLE_OUTPUT)
    world.sim.after("CreateEndpoint", once=True, endpoint_status="Failed", failure_reason="old failure")
    world.run()
    world.recorder.calls.clear()

    world.run()  # a retry of the stage: the Failed endpoint is deleted first
    assert world.recorder.only() == continuation(
        f"Endpoint {ENDPOINT} was Failed (old failure); deleting it before creating it again",
        {"v": 1, "phase": "deploy", "reason": "deleting failed endpoint", "polls": 1},
    )
    assert world.cycle() == success(MODEL, CONFIG)
    assert world.sim.mutating_calls()[-2:] == ["DeleteEndpoint", "CreateEndpoint"]


def test_update_rolled_back(world: World) -> None:
    world.env = make_env(INSTANCE)
    world.sim.install_update_endpoint()
    world.put_artifact(EXAMPLE_OUTPUT)
    world.run()
    _, old_config = names_for(EXAMPLE_OUTPUT, INSTANCE)
    new = trained(2)
    _, config = names_for(new, INSTANCE, package_version=2)
    world.put_artifact(new)
    world.run()
    world.sim.roll_back("Alarm mlops-endpoint-5xx went into ALARM during canary; rolled back")
    assert world.cycle() == failure(
        "JobFailed",
        f"update of endpoint {ENDPOINT} to {config} was rolled back: Alarm mlops-endpoint-5xx went into "
        f"ALARM during canary; rolled back; the endpoint still serves {old_config}",
    )
    assert world.sm.describe_endpoint(EndpointName=ENDPOINT)["EndpointConfigName"] == old_config


def test_update_rollback_failed(world: World) -> None:
    world.sim.install_update_endpoint()
    world.put_artifact(EXAMPLE_OUTPUT)
    world.run()
    new = trained(2)
    _, config = names_for(new, json.loads(world.env["ENDPOINT_CONFIG"]), package_version=2)
    world.put_artifact(new)
    world.run()
    world.sim.set(endpoint_status="UpdateRollbackFailed", failure_reason="capacity")
    assert world.cycle() == failure(
        "JobFailed",
        f"update of endpoint {ENDPOINT} to {config} failed and its rollback failed too "
        "(UpdateRollbackFailed): capacity; the endpoint needs manual repair",
    )


def test_endpoint_busy_with_another_deployment_waits(world: World) -> None:
    world.put_artifact(EXAMPLE_OUTPUT)
    world.run()
    world.sim.set(endpoint_status="Updating")
    new = trained(2)
    _, config = names_for(new, json.loads(world.env["ENDPOINT_CONFIG"]), package_version=2)
    world.put_artifact(new)
    world.run()
    assert world.recorder.calls[-1] == continuation(
        f"Endpoint {ENDPOINT} is Updating with another deployment; waiting before updating it to {config}",
        {"v": 1, "phase": "deploy", "reason": "endpoint busy: Updating", "polls": 1},
    )


def test_missing_rollback_alarm_is_a_configuration_error(world: World) -> None:
    cfg = json.loads(json.dumps(INSTANCE))
    cfg["instance"]["rollback_alarm_names"] = ["mlops-endpoint-5xx", "does-not-exist"]
    world.env = make_env(cfg)
    world.sim.install_update_endpoint()
    world.put_artifact(EXAMPLE_OUTPUT)
    world.run()
    world.put_artifact(trained(2))
    world.run()
    assert world.recorder.calls[-1] == failure(
        "ConfigurationError",
        "rollback alarm(s) does-not-exist do not exist in this account and region: create them or fix "
        "endpoint.instance.rollback_alarm_names",
    )
    assert world.sim.updates == []


def test_sagemaker_validation_error(world: World) -> None:
    cfg = json.loads(json.dumps(INSTANCE))
    cfg["instance"]["instance_type"] = "ml.zz9.huge"  # passes the format check; moto's SageMaker rejects it
    world.env = make_env(cfg)
    world.put_artifact(EXAMPLE_OUTPUT)
    world.run()
    kind, args = world.recorder.only()
    assert kind == "put_job_failure_result"
    assert args["failureDetails"]["type"] == "JobFailed"
    _, config = names_for(EXAMPLE_OUTPUT, cfg)
    assert args["failureDetails"]["message"].startswith(
        f"CreateEndpointConfig {config} failed: ValidationException: Value 'ml.zz9.huge' at 'instanceType' "
        "failed to satisfy constraint"
    )
    assert len(args["failureDetails"]["message"]) <= 5000


def test_sagemaker_access_denied_is_a_permission_error(world: World) -> None:
    # Stub exactly CreateModel with the error IAM would give (moto does not enforce IAM here).
    def deny(**_: object) -> tuple:
        body = {
            "Error": {"Code": "AccessDeniedException", "Message": "not authorized to perform CreateModel"}
        }
        return type("R", (), {"status_code": 400, "headers": {}})(), body

    world.sm.meta.events.register("before-call.sagemaker.CreateModel", deny)
    world.put_artifact(EXAMPLE_OUTPUT)
    world.run()
    assert world.recorder.only() == failure(
        "PermissionError",
        f"CreateModel {MODEL} failed: AccessDeniedException: not authorized to perform CreateModel",
    )


def test_unexpected_error_still_answers(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    import prod_deployer.handler as handler

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(handler, "ensure_model", boom)
    world.put_artifact(EXAMPLE_OUTPUT)
    world.run()
    assert world.recorder.only() == failure("JobFailed", "deployer error: RuntimeError: boom")


def test_cleanup_keeps_newest_versions_and_the_one_in_use(world: World) -> None:
    world.sim.install_update_endpoint()
    deployed = []
    for n in range(1, 5):
        out = trained(n)
        deployed.append(names_for(out, json.loads(world.env["ENDPOINT_CONFIG"]), package_version=n))
        world.put_artifact(out)
        world.run()
        if n > 1:
            world.sim.finish_update()
            world.cycle()
    configs = {c["EndpointConfigName"] for c in world.sm.list_endpoint_configs()["EndpointConfigs"]}
    models = {m["ModelName"] for m in world.sm.list_models()["Models"]}
    assert configs == {deployed[2][1], deployed[3][1]}  # KEEP_VERSIONS=2
    assert models == {deployed[2][0], deployed[3][0]}
    assert world.recorder.calls[-1] == success(*deployed[3], package_version=4)


def test_cleanup_never_touches_other_names(world: World) -> None:
    world.sm.create_model(
        ModelName="someone-elses-model", ExecutionRoleArn=MODEL_ROLE, PrimaryContainer={"Image": "x"}
    )
    world.env["KEEP_VERSIONS"] = "1"
    world.sim.install_update_endpoint()
    world.put_artifact(EXAMPLE_OUTPUT)
    world.run()
    world.put_artifact(trained(2))
    world.run()
    world.sim.finish_update()
    world.cycle()
    models = {m["ModelName"] for m in world.sm.list_models()["Models"]}
    assert "someone-elses-model" in models and MODEL not in models


def test_logs_are_json_lines_without_credentials(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.put_artifact(EXAMPLE_OUTPUT)
    world.run()
    out = capsys.readouterr().out
    records = [json.loads(line) for line in out.splitlines()]
    assert records and all(r["job_id"] == JOB_ID and "step" in r for r in records)
    steps = [r["step"] for r in records]
    assert steps[:3] == ["assume_callback_role", "start", "read_training_output"]
    assert "duration_ms" in records[0]
    for secret in (*world.artifact_credentials.values(), *world.clients.callback_credentials[0].values()):
        if isinstance(secret, str):
            assert secret not in out
    assert CALLBACK_ROLE in out  # role ARNs are fine to log
