"""moto's ASL interpreter, extended by the compat layer, runs train (.sync) -> quality gate on a toy ASL."""

from __future__ import annotations

import base64
import hashlib
import json
import time

import pytest
from botocore.exceptions import ClientError

import tfplan
from conftest import ROOT, TRAINING_ROLE, training_request
from inventory import case_dir

SFN_ROLE = "p-training-sfn"
MODULE_SFN_ROLE = "p-training-module-sfn"


def toy_definition(artifacts: dict) -> str:
    request = training_request(artifacts, "unused")
    parameters = {k: v for k, v in request.items() if k not in ("TrainingJobName", "HyperParameters")}
    parameters["TrainingJobName.$"] = "States.Format('p-train-{}', $$.Execution.Name)"
    parameters["HyperParameters.$"] = "$.hyperparameters"
    return json.dumps(
        {
            "StartAt": "Train",
            "States": {
                "Train": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sagemaker:createTrainingJob.sync",
                    "Parameters": parameters,
                    "ResultSelector": {
                        "model_data_url.$": "$.ModelArtifacts.S3ModelArtifacts",
                        "training_job_name.$": "$.TrainingJobName",
                        "metrics.$": "$.FinalMetricDataList",
                        "auc.$": "States.ArrayGetItem("
                        "$.FinalMetricDataList[?(@.MetricName == 'validation:auc')]"
                        ".Value, 0)",
                    },
                    "ResultPath": "$.training",
                    "Catch": [
                        {
                            "ErrorEquals": ["States.TaskFailed"],
                            "ResultPath": "$.error",
                            "Next": "TrainingFailed",
                        }
                    ],
                    "Next": "QualityGate",
                },
                "QualityGate": {
                    "Type": "Choice",
                    "Choices": [
                        {
                            "Variable": "$.training.auc",
                            "NumericGreaterThanEqualsPath": "$.threshold",
                            "Next": "Passed",
                        }
                    ],
                    "Default": "GateFailed",
                },
                "Passed": {
                    "Type": "Pass",
                    "Parameters": {
                        "model_data_url.$": "$.training.model_data_url",
                        "training_job_name.$": "$.training.training_job_name",
                        "metrics.$": "$.training.metrics",
                        "quality_gate": {
                            "metric": "validation:auc",
                            "value.$": "$.training.auc",
                            "threshold.$": "$.threshold",
                        },
                    },
                    "End": True,
                },
                "GateFailed": {
                    "Type": "Fail",
                    "Error": "QualityGateFailed",
                    "Cause": "validation:auc < threshold",
                },
                "TrainingFailed": {
                    "Type": "Fail",
                    "Error": "TrainingFailed",
                    "Cause": "the training job failed",
                },
            },
        }
    )


@pytest.fixture(scope="module")
def state_machine(aws, artifacts):
    iam = aws.client("iam", "training")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "states.amazonaws.com"}}
        ],
    }
    role_arn = iam.create_role(RoleName=SFN_ROLE, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    # What the state machine's tasks call, as the execution role (the emulator authorizes them as AWS does).
    jobs = f"arn:aws:sagemaker:{aws.region}:{aws.accounts['training']}:training-job/*"
    tasks = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "sagemaker:CreateTrainingJob",
                    "sagemaker:DescribeTrainingJob",
                    "sagemaker:StopTrainingJob",
                    "sagemaker:AddTags",
                ],
                "Resource": jobs,
            },
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": artifacts["sagemaker_role_arn"],
                "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            },
        ],
    }
    iam.put_role_policy(RoleName=SFN_ROLE, PolicyName="tasks", PolicyDocument=json.dumps(tasks))
    sfn = aws.client("stepfunctions", "training")
    assert sfn.validate_state_machine_definition(definition=toy_definition(artifacts))["result"] == "OK"
    arn = sfn.create_state_machine(name="p-training", definition=toy_definition(artifacts), roleArn=role_arn)[
        "stateMachineArn"
    ]
    return sfn, arn


def run(sfn, arn: str, name: str, payload: dict) -> dict:
    execution = sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps(payload))["executionArn"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.2)
    raise AssertionError(f"execution {name} still running")


HP = {"num_round": "40", "objective": "binary:logistic", "eval_metric": "auc", "max_depth": "3", "eta": "0.2"}


def test_definition_read_back_runs_and_passes_the_gate(aws, artifacts, state_machine):
    sfn, arn = state_machine
    assert ":222222222222:" in arn
    result = run(sfn, arn, "happy", {"hyperparameters": HP, "threshold": 0.6})
    assert result["status"] == "SUCCEEDED", result
    output = json.loads(result["output"])
    assert output["training_job_name"] == "p-train-happy"
    assert output["model_data_url"] == f"s3://{artifacts['bucket']}/models/p-train-happy/output/model.tar.gz"
    assert output["quality_gate"]["value"] == output["metrics"][0]["Value"] > 0.6
    # The job is recorded in account B's SageMaker, with the real outcome.
    job = aws.client("sagemaker", "training").describe_training_job(TrainingJobName="p-train-happy")
    assert job["TrainingJobStatus"] == "Completed"
    assert job["FinalMetricDataList"][0]["MetricName"] == "validation:auc"


def test_gate_fails_below_threshold(state_machine):
    sfn, arn = state_machine
    result = run(sfn, arn, "strict", {"hyperparameters": HP, "threshold": 0.999})
    assert result["status"] == "FAILED"
    assert result["error"] == "QualityGateFailed"


def test_failing_training_is_caught(aws, state_machine):
    sfn, arn = state_machine
    result = run(sfn, arn, "broken", {"hyperparameters": {**HP, "max_depth": "deep"}, "threshold": 0.5})
    assert result["status"] == "FAILED"
    assert result["error"] == "TrainingFailed"
    job = aws.client("sagemaker", "training").describe_training_job(TrainingJobName="p-train-broken")
    assert job["TrainingJobStatus"] == "Failed"
    assert "Hyperparameter 'max_depth' is 'deep'" in job["FailureReason"]


# ------------------------------------------------------------------ the module's state machine, as planned
CONFIG = json.loads((ROOT / "pipeline" / "training-config.json").read_text())


@pytest.fixture(scope="module")
def training_machine(aws, artifacts, state_machine):
    """modules/training-sfn's definition, planned for this emulator's bucket, key and SageMaker role,
    running in account B: the definition Terraform applies, not a copy."""
    case = case_dir("module", "training-sfn") / "spot-off.tfvars"
    overrides = {
        "artifact_bucket_name": artifacts["bucket"],
        "artifact_kms_key_arn": artifacts["key_arn"],
        "sagemaker_role_name": TRAINING_ROLE,
        "state_machine_name": "p-training-module",
        "training_job_prefix": "p-train",
    }
    plan = tfplan.load_plan(tfplan.plan_file("module", "training-sfn", [case], overrides))
    definition = tfplan.planned_outputs(plan)["state_machine_definition"]
    assert f"role/{TRAINING_ROLE}" in definition and artifacts["key_arn"] in definition
    # The artifact bucket is versioned (modules/kms-bucket): the pinned model is a version.
    aws.client("s3", "shared").put_bucket_versioning(
        Bucket=artifacts["bucket"], VersioningConfiguration={"Status": "Enabled"}
    )
    # The execution role gets the module's own planned policy: the tasks succeed only if it allows them.
    policy = tfplan.all_resources(plan)["aws_iam_role_policy.sfn"]["values"]["policy"]
    iam = aws.client("iam", "training")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "states.amazonaws.com"}}
        ],
    }
    role_arn = iam.create_role(RoleName=MODULE_SFN_ROLE, AssumeRolePolicyDocument=json.dumps(trust))["Role"][
        "Arn"
    ]
    iam.put_role_policy(RoleName=MODULE_SFN_ROLE, PolicyName="training-state-machine", PolicyDocument=policy)
    # A's side of RecordData's listing, as envs/shared grants it to the SFN role (modules/kms-bucket access
    # list_versions_prefixes): cross account, the bucket policy must allow s3:ListBucketVersions too, and
    # the session's bucket policy allows B's roles s3:ListBucket only.
    s3 = aws.client("s3", "shared")
    bucket_policy = json.loads(s3.get_bucket_policy(Bucket=artifacts["bucket"])["Policy"])
    bucket_policy["Statement"].append(
        {
            "Sid": "ListDataVersionsModuleSfn",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{aws.accounts['training']}:root"},
            "Action": "s3:ListBucketVersions",
            "Resource": f"arn:aws:s3:::{artifacts['bucket']}",
            "Condition": {
                "ArnEquals": {"aws:PrincipalArn": role_arn},
                "StringEquals": {"s3:prefix": ["data/train/", "data/validation/"]},
            },
        }
    )
    s3.put_bucket_policy(Bucket=artifacts["bucket"], Policy=json.dumps(bucket_policy))
    sfn, _ = state_machine
    arn = sfn.create_state_machine(name="p-training-module", definition=definition, roleArn=role_arn)[
        "stateMachineArn"
    ]
    return sfn, arn


def job_name(execution: str) -> str:
    # The name NameTrainingJob gives (README "Training job names"), computed independently of the ASL.
    return "p-train-" + hashlib.md5(execution.encode()).hexdigest()


def events(sfn, execution_arn: str) -> list[dict]:
    return sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]


def test_a_retry_resumes_the_job_an_earlier_attempt_created(aws, artifacts, training_machine):
    sfn, arn = training_machine
    execution, name = "resume-earlier-attempt", job_name("resume-earlier-attempt")
    sagemaker = aws.client("sagemaker", "training")
    # What an earlier attempt of this execution left: its job, under the execution's job name.
    sagemaker.create_training_job(**training_request(artifacts, name, **CONFIG["hyperparameters"]))
    deadline = time.monotonic() + 60
    while sagemaker.describe_training_job(TrainingJobName=name)["TrainingJobStatus"] == "InProgress":
        assert time.monotonic() < deadline, "the earlier attempt's job did not finish"
        time.sleep(0.2)
    job = sagemaker.describe_training_job(TrainingJobName=name)
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")

    result = run(sfn, arn, execution, CONFIG)

    assert result["status"] == "SUCCEEDED", result
    output = json.loads(result["output"])
    assert output["training_job_name"] == name
    assert output["model_data_url"] == job["ModelArtifacts"]["S3ModelArtifacts"]
    assert output["quality_gate"]["metric"] == "validation:auc"
    auc = next(m["Value"] for m in job["FinalMetricDataList"] if m["MetricName"] == "validation:auc")
    assert output["quality_gate"]["value"] == auc >= 0.75
    history = events(sfn, result["executionArn"])
    failed = [e["taskFailedEventDetails"] for e in history if e["type"] == "TaskFailed"]
    assert [f["error"] for f in failed] == ["SageMaker.ResourceInUseException"]
    assert "a training job with this name already exists" in failed[0]["cause"]
    entered = [e["stateEnteredEventDetails"]["name"] for e in history if e["type"].endswith("StateEntered")]
    assert "DescribeExistingJob" in entered and "TrainingFailed" not in entered
    # Still the one job: the execution started none of its own.
    jobs = sagemaker.list_training_jobs(NameContains=name)["TrainingJobSummaries"]
    assert [j["TrainingJobName"] for j in jobs] == [name]


def test_a_gate_metric_the_job_did_not_report_fails_the_gate(training_machine):
    sfn, arn = training_machine
    execution = "gate-metric-not-reported"
    config = {**CONFIG, "hyperparameters": {**CONFIG["hyperparameters"], "eval_metric": "logloss"}}

    result = run(sfn, arn, execution, config)

    assert result["status"] == "FAILED", result
    assert result["error"] == "QualityGateFailed"
    assert result["cause"].startswith(
        f"quality gate: metric validation:auc was not reported by training job {job_name(execution)}: "
        "the job reported no such metric"
    )


def test_a_failed_job_is_not_retried(training_machine):
    sfn, arn = training_machine
    execution = "failed-job"
    config = {**CONFIG, "hyperparameters": {**CONFIG["hyperparameters"], "num_round": "0"}}

    result = run(sfn, arn, execution, config)

    assert result["status"] == "FAILED", result
    assert result["error"] == "TrainingFailed"
    assert "num_round" in result["cause"]
    history = events(sfn, result["executionArn"])
    entered = [e["stateEnteredEventDetails"]["name"] for e in history if e["type"].endswith("StateEntered")]
    assert entered.count("Train") == 1, entered


def test_the_pinned_version_holds_the_bytes_the_sha256_names(aws, artifacts, training_machine):
    sfn, arn = training_machine
    execution = "pinned-model"

    result = run(sfn, arn, execution, CONFIG)

    assert result["status"] == "SUCCEEDED", result
    output = json.loads(result["output"])
    assert output["training_execution_arn"] == result["executionArn"]
    bucket, key = output["model_data_url"][5:].split("/", 1)
    assert key == f"models/{job_name(execution)}/output/model.tar.gz"
    s3 = aws.client("s3", "shared")
    versions = s3.list_object_versions(Bucket=bucket, Prefix=key)["Versions"]
    # SageMaker's upload, then the pinning copy (the latest); the copy holds the same bytes.
    assert len(versions) == 2
    latest = next(v for v in versions if v["IsLatest"])
    assert latest["VersionId"] == output["model_version_id"]
    pinned = s3.get_object(Bucket=bucket, Key=key, VersionId=output["model_version_id"])
    body = pinned["Body"].read()
    assert base64.b64encode(hashlib.sha256(body).digest()).decode() == output["model_sha256"]
    original = next(v for v in versions if not v["IsLatest"])
    assert s3.get_object(Bucket=bucket, Key=key, VersionId=original["VersionId"])["Body"].read() == body
    # Encrypted with the artifact key, as the bucket policy demands of every write.
    assert pinned["ServerSideEncryption"] == "aws:kms" and pinned["SSEKMSKeyId"] == artifacts["key_arn"]
    assert output["quality_gate"]["threshold"] == 0.75 and output["quality_gate"]["floor"] == 0.7


def test_the_sfn_role_cannot_upload_new_model_bytes(aws, artifacts, training_machine):
    # The pinning grant is for copies only (s3:x-amz-copy-source): a plain upload of new bytes is refused.
    role = f"arn:aws:iam::{aws.accounts['training']}:role/{MODULE_SFN_ROLE}"
    s3 = aws.client("s3", session=aws.session_for_role(role, "states"))
    key = "models/p-train-forged/output/model.tar.gz"
    with pytest.raises(ClientError) as denied:
        s3.put_object(Bucket=artifacts["bucket"], Key=key, Body=b"forged model")
    assert denied.value.response["Error"]["Code"] == "AccessDenied"


def test_a_forbidden_hyperparameter_starts_no_training_job(aws, training_machine):
    sfn, arn = training_machine
    execution = "forbidden-hyperparameter"
    config = {**CONFIG, "hyperparameters": {**CONFIG["hyperparameters"], "sagemaker_program": "evil.py"}}

    result = run(sfn, arn, execution, config)

    assert result["status"] == "FAILED", result
    assert result["error"] == "InvalidTrainingConfig"
    assert "sagemaker_program" in result["cause"]
    jobs = aws.client("sagemaker", "training").list_training_jobs(NameContains=job_name(execution))
    assert jobs["TrainingJobSummaries"] == []


def test_a_loosened_threshold_is_gated_at_the_floor(training_machine):
    sfn, arn = training_machine
    config = {**CONFIG, "quality_gate": {**CONFIG["quality_gate"], "threshold": 0.0}}

    result = run(sfn, arn, "loosened-gate", config)

    assert result["status"] == "SUCCEEDED", result
    gate = json.loads(result["output"])["quality_gate"]
    assert gate["configured_threshold"] == 0.0
    assert gate["threshold"] == gate["floor"] == 0.7 <= gate["value"]


# ------------------------------------------------------------------ the data versions in the training output
def current_versions(s3, bucket: str, prefix: str) -> list[dict]:
    """What S3 says is current under the prefix, read independently of the state machine."""
    listed = s3.list_object_versions(Bucket=bucket, Prefix=prefix).get("Versions", [])
    return [{"key": v["Key"], "version_id": v["VersionId"]} for v in listed if v["IsLatest"]]


def test_the_output_records_exactly_the_data_objects_and_their_versions(aws, artifacts, training_machine):
    sfn, arn = training_machine
    s3 = aws.client("s3", "shared")
    bucket = artifacts["bucket"]
    # A second train object, replaced once (its older version must not be recorded), and one deleted. The
    # session's own data was put before the bucket was versioned: its version id is "null", as S3 names it.
    rows = s3.get_object(Bucket=bucket, Key="data/train/train.csv")["Body"].read().splitlines(keepends=True)
    older = s3.put_object(Bucket=bucket, Key="data/train/extra.csv", Body=b"".join(rows[:5]))["VersionId"]
    current = s3.put_object(Bucket=bucket, Key="data/train/extra.csv", Body=b"".join(rows[5:10]))["VersionId"]
    s3.put_object(Bucket=bucket, Key="data/train/gone.csv", Body=rows[0])
    s3.delete_object(Bucket=bucket, Key="data/train/gone.csv")
    try:
        expected = {c: current_versions(s3, bucket, f"data/{c}/") for c in ("train", "validation")}
        assert expected["train"] == [
            {"key": "data/train/extra.csv", "version_id": current},
            {"key": "data/train/train.csv", "version_id": "null"},
        ]
        assert older != current

        result = run(sfn, arn, "data-versions", CONFIG)

        assert result["status"] == "SUCCEEDED", result
        data = json.loads(result["output"])["data"]
        assert {c: sorted(o, key=lambda x: x["key"]) for c, o in data.items()} == expected
        # Listed before the job started.
        history = events(sfn, result["executionArn"])
        entered = [
            e["stateEnteredEventDetails"]["name"] for e in history if e["type"].endswith("StateEntered")
        ]
        assert entered.index("RecordData") < entered.index("Train")
    finally:
        s3.delete_object(Bucket=bucket, Key="data/train/extra.csv")


def test_an_empty_validation_prefix_fails_with_invalid_training_data(aws, artifacts, training_machine):
    sfn, arn = training_machine
    s3 = aws.client("s3", "shared")
    bucket = artifacts["bucket"]
    key = "data/validation/validation.csv"
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    s3.delete_object(Bucket=bucket, Key=key)  # a delete marker: nothing current under the prefix
    try:
        execution = "empty-validation"
        result = run(sfn, arn, execution, CONFIG)

        assert result["status"] == "FAILED", result
        assert result["error"] == "InvalidTrainingData"
        assert result["cause"] == (
            f"invalid training data: s3://{bucket}/data/validation/ holds no object (no current object "
            "version under that prefix): upload the validation channel's CSV files there before training"
        )
        jobs = aws.client("sagemaker", "training").list_training_jobs(NameContains=job_name(execution))
        assert jobs["TrainingJobSummaries"] == []
    finally:
        s3.put_object(Bucket=bucket, Key=key, Body=body)
