"""The compat layer's patches: S3 bucket-policy conditions, endpoint scoring, SFN validation, timestamps."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from conftest import DATA, grant_artifacts, training_request
from rehearsal.trainer import run_training_job


# ------------------------------------------------------------------------------------------ P1 S3 conditions
def test_secure_bucket_accepts_default_and_cmk_writes(aws, artifacts):
    s3 = aws.client("s3", "shared")
    bucket, key_arn = artifacts["bucket"], artifacts["key_arn"]
    s3.put_object(Bucket=bucket, Key="source/plain.txt", Body=b"x")  # plain `aws s3 cp`: default encryption
    s3.put_object(
        Bucket=bucket, Key="source/kms.txt", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId=key_arn
    )


@pytest.mark.parametrize(
    "extra",
    [
        {"ServerSideEncryption": "AES256"},
        {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "arn:aws:kms:eu-west-1:111111111111:key/other"},
    ],
)
def test_secure_bucket_denies_other_encryption(aws, artifacts, extra):
    with pytest.raises(ClientError) as denied:
        aws.client("s3", "shared").put_object(Bucket=artifacts["bucket"], Key="source/x", Body=b"x", **extra)
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_plain_http_is_denied_by_the_tls_statement(aws, artifacts):
    import requests

    url = f"http://{aws.host}:{aws.port}/{artifacts['bucket']}/source/plain.txt"
    # The emulator serves TLS only; a plain-HTTP request does not even reach S3.
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url, timeout=5)


# ----------------------------------------------------------------------------------------------- P6 scoring
def test_endpoint_serves_the_model_its_model_points_at(aws, artifacts):
    s3_role = aws.session_for_role(artifacts["sagemaker_role_arn"], "SageMaker")
    trained = run_training_job(
        training_request(artifacts, "p-train-for-scoring"), aws.client("s3", session=s3_role)
    )
    iam = aws.client("iam", "production")
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
    role = iam.create_role(RoleName="p-model-execution", AssumeRolePolicyDocument=json.dumps(trust))["Role"][
        "Arn"
    ]
    grant_artifacts(aws, "production", "p-model-execution", artifacts)  # the model's role reads A's model
    sm = aws.client("sagemaker", "production")
    sm.create_model(
        ModelName="p-model-1",
        ExecutionRoleArn=role,
        PrimaryContainer={"Image": "xgboost:1.7-1", "ModelDataUrl": trained.model_data_url},
    )
    sm.create_endpoint_config(
        EndpointConfigName="p-model-1",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "p-model-1",
                "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 1},
            }
        ],
    )
    sm.create_endpoint(EndpointName="p-endpoint", EndpointConfigName="p-model-1")
    assert sm.describe_endpoint(EndpointName="p-endpoint")["EndpointStatus"] == "Creating"  # P10
    sm.get_waiter("endpoint_in_service").wait(EndpointName="p-endpoint", WaiterConfig={"Delay": 0.2})

    rows = [line.split(",", 1) for line in (DATA / "validation.csv").read_text().splitlines()[:50]]
    runtime = aws.client("sagemaker-runtime", "production")
    answer = runtime.invoke_endpoint(
        EndpointName="p-endpoint", ContentType="text/csv", Body="\n".join(features for _, features in rows)
    )
    scores = [float(v) for v in answer["Body"].read().decode().split()]
    assert len(scores) == 50 and all(0.0 <= s <= 1.0 for s in scores)
    labels = [int(label) for label, _ in rows]
    mean_pos = sum(s for s, y in zip(scores, labels, strict=True) if y) / max(1, sum(labels))
    mean_neg = sum(s for s, y in zip(scores, labels, strict=True) if not y) / max(
        1, len(labels) - sum(labels)
    )
    assert mean_pos > mean_neg  # it is the trained model answering, not canned data

    with pytest.raises(ClientError) as bad:
        runtime.invoke_endpoint(EndpointName="p-endpoint", ContentType="text/csv", Body="1,2,3")
    assert "expects 12 features" in str(bad.value)
    with pytest.raises(ClientError, match="not found"):
        runtime.invoke_endpoint(EndpointName="nope", ContentType="text/csv", Body="1")


# -------------------------------------------------------------------------------- P2 / P7 / P8 small patches
def test_validate_state_machine_definition(aws):
    sfn = aws.client("stepfunctions", "training")
    ok = sfn.validate_state_machine_definition(definition='{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}')
    assert ok["result"] == "OK"
    bad = sfn.validate_state_machine_definition(definition='{"StartAt":"A","States":{}}')
    assert bad["result"] == "FAIL" and bad["diagnostics"]


def test_codecommit_and_codepipeline_timestamps_and_tags(aws):
    cc = aws.client("codecommit", "shared")
    created = cc.create_repository(repositoryName="p-source", tags={"team": "ml"})["repositoryMetadata"]
    assert created["creationDate"].year >= 2024  # botocore parsed a number: the Go SDK would too
    assert cc.list_tags_for_resource(resourceArn=created["Arn"])["tags"] == {"team": "ml"}
    assert cc.list_branches(repositoryName="p-source")["branches"] == []


def test_sagemaker_describe_leaves_out_unset_blocks(aws):
    sm = aws.client("sagemaker", "production")
    role = "arn:aws:iam::333333333333:role/p-model-execution"
    sm.create_model(ModelName="p-model-blocks", ExecutionRoleArn=role, PrimaryContainer={"Image": "xgboost"})
    sm.create_endpoint_config(
        EndpointConfigName="p-model-blocks",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "p-model-blocks",
                "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 1},
            }
        ],
    )
    assert "VpcConfig" not in sm.describe_model(ModelName="p-model-blocks")
    assert "DataCaptureConfig" not in sm.describe_endpoint_config(EndpointConfigName="p-model-blocks")


# ------------------------------------------------------------------------------------ P10 SageMaker hosting
def _wait_endpoint(sm, name, timeout=20):
    import time

    deadline = time.monotonic() + timeout
    while True:
        described = sm.describe_endpoint(EndpointName=name)
        if described["EndpointStatus"] not in ("Creating", "Updating") or time.monotonic() > deadline:
            return described
        time.sleep(0.1)


def test_update_endpoint_is_blue_green_and_rolls_back_a_model_that_cannot_load(aws, artifacts):
    s3_role = aws.session_for_role(artifacts["sagemaker_role_arn"], "SageMaker")
    trained = run_training_job(
        training_request(artifacts, "p-train-for-hosting"), aws.client("s3", session=s3_role)
    )
    iam = aws.client("iam", "production")
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"Service": "sagemaker.amazonaws.com"},
                }
            ],
        }
    )
    role = iam.create_role(RoleName="p-hosting-model", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    grant_artifacts(aws, "production", "p-hosting-model", artifacts)
    bucket = artifacts["bucket"]
    aws.client("s3", "shared").put_object(Bucket=bucket, Key="models/broken/model.tar.gz", Body=b"garbage")
    sm = aws.client("sagemaker", "production")
    for name, url in (
        ("p-host-good", trained.model_data_url),
        ("p-host-bad", f"s3://{bucket}/models/broken/model.tar.gz"),
    ):
        sm.create_model(
            ModelName=name, ExecutionRoleArn=role, PrimaryContainer={"Image": "x", "ModelDataUrl": url}
        )
        sm.create_endpoint_config(
            EndpointConfigName=name,
            ProductionVariants=[
                {
                    "VariantName": "AllTraffic",
                    "ModelName": name,
                    "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 1},
                }
            ],
        )
    # A model that cannot load never serves: create -> Failed with the reason.
    sm.create_endpoint(EndpointName="p-host-1", EndpointConfigName="p-host-bad")
    failed = _wait_endpoint(sm, "p-host-1")
    assert failed["EndpointStatus"] == "Failed" and "ping health check" in failed["FailureReason"]
    # Good create, then a bad update: rolled back, the old config keeps serving.
    sm.create_endpoint(EndpointName="p-host-2", EndpointConfigName="p-host-good")
    assert _wait_endpoint(sm, "p-host-2")["EndpointStatus"] == "InService"
    sm.update_endpoint(EndpointName="p-host-2", EndpointConfigName="p-host-bad")
    updating = sm.describe_endpoint(EndpointName="p-host-2")
    assert updating["EndpointStatus"] == "Updating"
    assert updating["PendingDeploymentSummary"]["EndpointConfigName"] == "p-host-bad"
    with pytest.raises(ClientError, match="Cannot update in-progress endpoint"):
        sm.update_endpoint(EndpointName="p-host-2", EndpointConfigName="p-host-good")
    rolled_back = _wait_endpoint(sm, "p-host-2")
    assert rolled_back["EndpointStatus"] == "InService" and rolled_back["EndpointConfigName"] == "p-host-good"
    assert "rolled back" in rolled_back["FailureReason"] and "PendingDeploymentSummary" not in rolled_back
    answer = aws.client("sagemaker-runtime", "production").invoke_endpoint(
        EndpointName="p-host-2",
        ContentType="text/csv",
        Body=(DATA / "validation.csv").read_text().split("\n")[0].split(",", 1)[1],
    )
    assert float(answer["Body"].read()) >= 0


# ------------------------------------------------------------------------------------ P11 CodePipeline jobs
def test_job_results_are_recorded_once_and_only_in_the_pipeline_account(aws):
    from rehearsal import compat

    a = aws.accounts["shared"]
    job_id = compat.open_job(a, {"actionConfiguration": {"configuration": {}}})
    other = aws.client("codepipeline", "production")
    with pytest.raises(ClientError, match="JobNotFoundException"):
        other.put_job_success_result(jobId=job_id)
    cp = aws.client("codepipeline", "shared")
    assert cp.get_job_details(jobId=job_id)["jobDetails"]["accountId"] == a
    cp.put_job_success_result(jobId=job_id, continuationToken="t", executionDetails={"summary": "s"})
    with pytest.raises(ClientError, match="InvalidJobStateException"):
        cp.put_job_failure_result(jobId=job_id, failureDetails={"type": "JobFailed", "message": "m"})
    answer = compat.JOBS[job_id]["answer"]
    assert answer["continuationToken"] == "t"
    assert answer["caller"] == f"arn:aws:iam::{a}:role/OrganizationAccountAccessRole"
    with pytest.raises(ClientError, match="JobNotFoundException"):
        cp.put_job_success_result(jobId="00000000-0000-0000-0000-000000000000")


def test_approval_needs_its_token_and_is_answered_once(aws):
    from rehearsal import compat

    token = compat.open_approval(aws.accounts["shared"], "p", "Approve", "Approve", "execution-1")
    cp = aws.client("codepipeline", "shared")
    where = {"pipelineName": "p", "stageName": "Approve", "actionName": "Approve"}
    with pytest.raises(ClientError, match="InvalidApprovalTokenException"):
        cp.put_approval_result(**where, result={"summary": "ok", "status": "Approved"}, token="nope")
    cp.put_approval_result(**where, result={"summary": "ok", "status": "Approved"}, token=token)
    with pytest.raises(ClientError, match="ApprovalAlreadyCompletedException"):
        cp.put_approval_result(**where, result={"summary": "ok", "status": "Rejected"}, token=token)
    assert compat.APPROVALS[token]["status"] == "Approved"
    # The action history names the approver only for a pipeline that exists (the e2e release record reads it).
    with pytest.raises(ClientError, match="PipelineNotFoundException"):
        cp.list_action_executions(pipelineName="p", filter={"pipelineExecutionId": "execution-1"})


def test_the_asl_validator_refuses_missing_targets_and_unreachable_states_in_every_scope():
    from rehearsal.compat import validate_definition

    branch = {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "Next": "Gone"}, "B2": {"Type": "Succeed"}}}
    definition = {
        "StartAt": "P",
        "States": {
            "P": {"Type": "Parallel", "Branches": [branch], "End": True},
            "Orphan": {"Type": "Succeed"},
        },
    }
    answer = validate_definition(json.dumps(definition))
    assert answer["result"] == "FAIL"
    assert {(d["code"], d["message"], d["location"]) for d in answer["diagnostics"]} == {
        ("MISSING_TRANSITION_TARGET", "Missing 'Next' target: Gone", "/States/P/Branches[0]/States/B1/Next"),
        ("MISSING_TRANSITION_TARGET", 'State "B2" is not reachable.', "/States/P/Branches[0]/States/B2"),
        ("MISSING_TRANSITION_TARGET", 'State "Orphan" is not reachable.', "/States/Orphan"),
    }
    assert validate_definition('{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}')["result"] == "OK"
