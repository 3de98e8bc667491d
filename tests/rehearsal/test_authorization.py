"""The emulator authorizes every request as AWS would (rehearsal.authz): coverage, AWS's denial shapes, and
people refused on the three envs as applied.

Every test here uses the session's emulator and the applied envs (fixtures `aws`, `applied`): xdist_group
"emulator", one apply per worker.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from rehearsal import authz
from rehearsal.apply import SOURCE_OBJECT_KEY, outputs, persona_role_arn

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("emulator")]


def test_every_operation_served_was_authorized_or_is_listed_with_its_reason(aws, applied):
    record = aws.authorizer.record
    assert record.authorized, "the apply went through the authorizer"
    unlisted = sorted(op for op in record.not_covered if op not in authz.NOT_COVERED)
    assert not unlisted, f"served without authorization and not in authz.NOT_COVERED: {unlisted}"
    assert all(reason.strip() for reason in authz.NOT_COVERED.values())
    assert ("?", "unparsed") not in record.denied, "every request named its operation"
    print(record.summary())


def test_applying_the_three_envs_needed_no_denied_call(aws, applied):
    # Terraform runs as each account's admin role (Action "*"): AWS refuses it nothing the envs do.
    admin = [d for d in aws.authorizer.record.denials if "OrganizationAccountAccessRole" in d]
    assert not admin, "\n".join(admin)


def test_a_json_service_answers_access_denied_exception_as_aws_does(aws, applied):
    observer = aws.session_for_role(persona_role_arn(aws, "observers"), "observer")
    with pytest.raises(ClientError) as denied:
        aws.client("kms", session=observer).create_key(Description="not the observer's job")
    error = denied.value.response["Error"]
    assert error["Code"] == "AccessDeniedException"
    assert error["Message"].startswith(
        f"User: arn:aws:sts::{aws.accounts['shared']}:assumed-role/ml-observer/observer is not authorized "
        "to perform: kms:CreateKey on resource: * because no identity-based policy allows"
    )


def test_sts_answers_access_denied_for_a_role_that_does_not_trust_the_caller(aws, applied):
    observer = aws.session_for_role(persona_role_arn(aws, "observers"), "observer")
    approver = persona_role_arn(aws, "approvers")  # trusts A's admin role only
    with pytest.raises(ClientError) as denied:
        aws.client("sts", session=observer).assume_role(RoleArn=approver, RoleSessionName="x-approver")
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert f"sts:AssumeRole on resource: {approver}" in denied.value.response["Error"]["Message"]


def _model_key(aws, applied) -> tuple[str, str]:
    """A model object the training job wrote (SSE-KMS with the CMK), written here as B's SageMaker role."""
    bucket = outputs(applied["states"]["shared"])["artifact_bucket_name"]
    trainer = aws.session_for_role(outputs(applied["states"]["training"])["sagemaker_role_arn"], "SageMaker")
    key = "models/authorization-test/output/model.tar.gz"
    aws.client("s3", session=trainer).put_object(Bucket=bucket, Key=key, Body=b"model bytes")
    return bucket, key


def test_without_enforcement_the_key_administrator_reads_a_model(aws, applied):
    """The gap the authorizer closes: moto alone serves a model object to A's admin role, the CMK's key
    administrator, whom the key policy gives no use of the key."""
    bucket, key = _model_key(aws, applied)
    aws.authorizer.enforce = False
    try:
        body = aws.client("s3", "shared").get_object(Bucket=bucket, Key=key)["Body"].read()
    finally:
        aws.authorizer.enforce = True
    assert body == b"model bytes"
    assert any(
        "kms:Decrypt" in d and "OrganizationAccountAccessRole" in d for d in aws.authorizer.record.denials
    )


# ---------------------------------------------------------------------------------------- people refused
def _as(aws, role_arn: str, name: str, service: str, source=None):
    return aws.client(service, session=aws.session_for_role(role_arn, name, source=source))


def _refused(call, action: str) -> str:
    with pytest.raises(ClientError) as denied:
        call()
    error = denied.value.response["Error"]
    assert error["Code"] in ("AccessDenied", "AccessDeniedException"), error
    assert f"perform: {action} on resource" in error["Message"], error["Message"]
    return error["Message"]


@pytest.fixture(scope="module")
def data_object(aws, applied):
    """A training-data object, put by the data writer as a plain upload (its job)."""
    bucket = outputs(applied["states"]["shared"])["artifact_bucket_name"]
    key = "data/train/authorization-test.csv"
    writer = _as(aws, persona_role_arn(aws, "data_writers"), "data-writer", "s3")
    writer.put_object(Bucket=bucket, Key=key, Body=b"1,0.5,0.25\n")
    return bucket, key


def test_the_key_administrator_cannot_read_a_model(aws, applied):
    # A's admin role administers the CMK (tfvars key_administrators) and may do anything in A by identity
    # policy, but the key policy gives key administrators no kms:Decrypt: S3 asks KMS as the requester and
    # KMS refuses, so S3 answers AccessDenied.
    bucket, key = _model_key(aws, applied)
    message = _refused(lambda: aws.client("s3", "shared").get_object(Bucket=bucket, Key=key), "kms:Decrypt")
    assert "OrganizationAccountAccessRole" in message and "because no key policy allows" in message


def test_an_admin_of_b_outside_the_contract_cannot_read_the_training_data(aws, applied, data_object):
    # Same-account admin in B may start B's state machine on AWS; what it may not do is use A's bucket and
    # key: A's bucket policy grants B's account only for the contract's role ARNs (aws:PrincipalArn), and a
    # cross-account request needs the resource policy to allow as well as the caller's identity policy.
    import json

    iam = aws.client("iam", "training")
    admin_b = aws.admin_role_arn("training")
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": admin_b}, "Action": "sts:AssumeRole"}],
    }
    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    role = iam.create_role(RoleName="outsider-admin", AssumeRolePolicyDocument=json.dumps(trust))["Role"][
        "Arn"
    ]
    iam.put_role_policy(RoleName="outsider-admin", PolicyName="admin", PolicyDocument=json.dumps(everything))
    outsider = aws.session_for_role(role, "outsider", source=aws.session("training"))
    bucket, key = data_object
    s3 = aws.client("s3", session=outsider)
    _refused(lambda: s3.get_object(Bucket=bucket, Key=key), "s3:GetObject")
    _refused(lambda: s3.list_objects_v2(Bucket=bucket, Prefix="data/"), "s3:ListBucket")
    key_arn = outputs(applied["states"]["shared"])["artifact_kms_key_arn"]
    kms = aws.client("kms", session=outsider)
    _refused(lambda: kms.generate_data_key(KeyId=key_arn, KeySpec="AES_256"), "kms:GenerateDataKey")


def test_the_observer_cannot_read_data(aws, applied, data_object):
    bucket, key = data_object
    observer = _as(aws, persona_role_arn(aws, "observers"), "observer", "s3")
    _refused(lambda: observer.get_object(Bucket=bucket, Key=key), "s3:GetObject")


def test_the_approver_cannot_put_the_source(aws, applied):
    conf = outputs(applied["states"]["shared"])
    approver = _as(aws, persona_role_arn(aws, "approvers"), "approver", "s3")
    bucket = conf["artifact_bucket_name"]
    _refused(lambda: approver.put_object(Bucket=bucket, Key=SOURCE_OBJECT_KEY, Body=b"PK"), "s3:PutObject")


def test_the_data_writer_cannot_read_models(aws, applied):
    bucket, key = _model_key(aws, applied)
    writer = _as(aws, persona_role_arn(aws, "data_writers"), "data-writer", "s3")
    _refused(lambda: writer.get_object(Bucket=bucket, Key=key), "s3:GetObject")


def test_the_source_writer_cannot_approve(aws, applied):
    shared = outputs(applied["states"]["shared"])
    writer = _as(aws, persona_role_arn(aws, "source_writers"), "source-writer", "codepipeline")
    answer = {"summary": "looks fine", "status": "Approved"}
    _refused(
        lambda: writer.put_approval_result(
            pipelineName=shared["pipeline_name"],
            stageName="Approve",
            actionName="Approve",
            result=answer,
            token="00000000-0000-0000-0000-000000000000",
        ),
        "codepipeline:PutApprovalResult",
    )


def test_the_observer_reads_the_pipeline_state_but_cannot_start_it(aws, applied):
    name = outputs(applied["states"]["shared"])["pipeline_name"]
    observer = _as(aws, persona_role_arn(aws, "observers"), "observer", "codepipeline")
    assert observer.get_pipeline(name=name)["pipeline"]["name"] == name  # (moto has no GetPipelineState)
    _refused(lambda: observer.start_pipeline_execution(name=name), "codepipeline:StartPipelineExecution")


def test_the_training_action_role_only_starts_the_state_machine(aws, applied):
    # B's action role (assumed by A's pipeline role, as CodePipeline does) starts executions; it may not run
    # SageMaker itself: CreateTrainingJob, and passing the training role, belong to the state machine's role.
    training = outputs(applied["states"]["training"])
    pipeline = aws.session_for_role(outputs(applied["states"]["shared"])["pipeline_role_arn"], "codepipeline")
    sm = _as(aws, training["action_role_arn"], "train-action", "sagemaker", source=pipeline)
    request = {
        "TrainingJobName": "not-through-the-state-machine",
        "RoleArn": training["sagemaker_role_arn"],
        "AlgorithmSpecification": {"TrainingImage": "xgboost:1.7-1", "TrainingInputMode": "File"},
        "OutputDataConfig": {"S3OutputPath": "s3://nowhere/models"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 60},
    }
    _refused(lambda: sm.create_training_job(**request), "sagemaker:CreateTrainingJob")


def test_an_outsider_role_in_b_and_as_admin_cannot_start_the_state_machine(aws, applied):
    # Step Functions has no resource-based policy: in B only an identity policy can grant
    # states:StartExecution (an outsider role without it is refused), and no principal of another account can
    # be granted at all (A's admin, Action "*" in A, is refused; the pipeline goes through B's action role).
    # https://docs.aws.amazon.com/step-functions/latest/dg/security_iam_service-with-iam.html
    import json

    state_machine = outputs(applied["states"]["training"])["state_machine_arn"]
    iam = aws.client("iam", "training")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": aws.admin_role_arn("training")},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    reader = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
    }
    role = iam.create_role(RoleName="outsider-developer", AssumeRolePolicyDocument=json.dumps(trust))["Role"][
        "Arn"
    ]
    iam.put_role_policy(RoleName="outsider-developer", PolicyName="read", PolicyDocument=json.dumps(reader))
    outsider = _as(aws, role, "outsider", "stepfunctions", source=aws.session("training"))
    start = {"stateMachineArn": state_machine, "input": "{}"}
    _refused(lambda: outsider.start_execution(**start), "states:StartExecution")
    _refused(lambda: aws.client("stepfunctions", "shared").start_execution(**start), "states:StartExecution")
