"""The people who run the pipeline, on the plans: what each persona may do, through which service, and what
the key administrators may not do (issue "Correct on real AWS", items 2 and 3).

Policies are compared as decoded JSON documents. The persona module is planned with a fixed key ARN, so its
documents are fully known; the env is planned with the personas of README's example, where the key policy is
known at plan time.
"""

import json
from functools import cache

import pytest

import tfplan
from inventory import collect

pytestmark = pytest.mark.plan

KEY_ARN = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
BUCKET_ARN = "arn:aws:s3:::mlops-artifacts-111111111111-eu-west-1"
PIPELINE_ARN = "arn:aws:codepipeline:eu-west-1:111111111111:mlops-pipeline"
S3_ONLY = {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}
PIPELINE_READ = {
    "Sid": "ReadPipeline",
    "Effect": "Allow",
    "Action": sorted(
        [
            "codepipeline:GetPipeline",
            "codepipeline:GetPipelineExecution",
            "codepipeline:GetPipelineState",
            "codepipeline:ListActionExecutions",
            "codepipeline:ListPipelineExecutions",
        ]
    ),
    "Resource": PIPELINE_ARN,
}


@cache
def planned(case_id: str) -> dict:
    (case,) = [c for c in collect() if c.id == case_id]
    return {address: r.get("values", {}) for address, r in tfplan.all_resources(case.plan()).items()}


def document(values: dict) -> list[dict]:
    """Statements of a policy with list values sorted, so that order does not matter."""
    statements = json.loads(values["policy"])["Statement"]
    for st in statements:
        for k in ("Action", "Resource"):
            if isinstance(st.get(k), list):
                st[k] = sorted(st[k])
    return sorted(statements, key=lambda s: s["Sid"])


def persona_policy(case: str, name: str) -> list[dict]:
    return document(planned(f"module:personas:{case}")[f'aws_iam_policy.this["{name}"]'])


def test_data_writer_puts_and_lists_data_and_uses_the_key_only_through_s3():
    assert persona_policy("s3-source", "data-writer") == [
        {
            "Sid": "ArtifactKeyThroughS3",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": KEY_ARN,
            "Condition": S3_ONLY,
        },
        {
            "Sid": "ListTrainingData",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": BUCKET_ARN,
            "Condition": {"StringLike": {"s3:prefix": "data/*"}},
        },
        {
            "Sid": "PutTrainingData",
            "Effect": "Allow",
            "Action": ["s3:AbortMultipartUpload", "s3:PutObject"],
            "Resource": f"{BUCKET_ARN}/data/*",
        },
    ]


def test_s3_source_writer_puts_exactly_the_source_object():
    assert persona_policy("s3-source", "source-writer") == [
        {
            "Sid": "ArtifactKeyThroughS3",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": KEY_ARN,
            "Condition": S3_ONLY,
        },
        {
            "Sid": "PutSourceObject",
            "Effect": "Allow",
            "Action": ["s3:AbortMultipartUpload", "s3:PutObject"],
            "Resource": f"{BUCKET_ARN}/source/training.zip",
        },
    ]


def test_codecommit_source_writer_pushes_and_needs_no_key():
    assert persona_policy("codecommit-source", "source-writer") == [
        {
            "Sid": "PushToRepository",
            "Effect": "Allow",
            "Action": [
                "codecommit:GetBranch",
                "codecommit:GetCommit",
                "codecommit:GetRepository",
                "codecommit:GitPull",
                "codecommit:GitPush",
                "codecommit:ListBranches",
            ],
            "Resource": "arn:aws:codecommit:eu-west-1:111111111111:mlops-training",
        }
    ]


def test_approver_answers_only_the_approve_action_and_reads_the_pipeline():
    assert persona_policy("s3-source", "approver") == [
        {
            "Sid": "AnswerTheApproval",
            "Effect": "Allow",
            "Action": "codepipeline:PutApprovalResult",
            "Resource": f"{PIPELINE_ARN}/Approve/Approve",
        },
        PIPELINE_READ,
    ]


def test_observer_only_reads_the_pipeline():
    assert persona_policy("s3-source", "observer") == [PIPELINE_READ]


# --- the env: key policy and CodeCommit key ---

ENV = "env:shared:s3-personas"


def key_statements() -> dict[str, dict]:
    (key,) = [v for a, v in planned(ENV).items() if a.endswith("aws_kms_key.this")]
    return {st["Sid"]: st for st in document(key)}


def test_key_administrators_are_the_account_principal_with_a_principal_arn_condition():
    admin = key_statements()["KeyAdministrationFrom111111111111"]
    assert admin["Principal"] == {"AWS": "arn:aws:iam::111111111111:root"}
    assert admin["Condition"] == {
        "ArnLike": {
            "aws:PrincipalArn": [
                "arn:aws:iam::111111111111:role/platform-admin",
                "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_KeyAdmin_*",
            ]
        }
    }
    assert "kms:PutKeyPolicy" in admin["Action"] and "kms:ScheduleKeyDeletion" in admin["Action"]


def test_no_statement_names_a_role_as_principal():
    # A role ARN in Principal becomes the role's unique ID: a re-created role would be locked out.
    for sid, st in key_statements().items():
        principal = st["Principal"]
        assert "Service" in principal or principal["AWS"].endswith(":root"), sid


def test_key_administrators_cannot_use_the_key():
    admins = {"arn:aws:iam::111111111111:role/platform-admin"}
    crypto = {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKey*", "kms:ReEncrypt*"}
    for sid, st in key_statements().items():
        arns = set()
        for cond in st.get("Condition", {}).values():
            value = cond.get("aws:PrincipalArn", [])
            arns |= {value} if isinstance(value, str) else set(value)
        actions = {st["Action"]} if isinstance(st["Action"], str) else set(st["Action"])
        assert not (arns & admins and actions & crypto), f"{sid} lets an administrator use the key"


def test_people_use_the_key_only_through_s3_for_exactly_what_s3_needs():
    # Every key use through S3 (people, and C's deployer, which only reads the pinned model): kms:Decrypt to
    # read, kms:GenerateDataKey as well to write, always with kms:ViaService s3.
    through_s3 = {sid: st for sid, st in key_statements().items() if sid.startswith("UseS3Access")}
    by_principal = {}
    for st in through_s3.values():
        assert st["Condition"]["StringEquals"] == {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}
        principal = st["Condition"]["ArnLike"]["aws:PrincipalArn"]
        by_principal[principal] = (st["Principal"]["AWS"], st["Action"])
    writes = ["kms:Decrypt", "kms:GenerateDataKey"]
    assert by_principal == {
        "arn:aws:iam::111111111111:role/ml-data-writer": ("arn:aws:iam::111111111111:root", writes),
        "arn:aws:iam::444444444444:role/ingestion": ("arn:aws:iam::444444444444:root", writes),
        "arn:aws:iam::111111111111:role/ml-source-writer": ("arn:aws:iam::111111111111:root", writes),
        "arn:aws:iam::333333333333:role/mlops-deployer": ("arn:aws:iam::333333333333:root", "kms:Decrypt"),
    }


def test_approvers_and_observers_get_no_key_use():
    text = json.dumps(key_statements())
    assert "MLApprover" not in text and "ml-observer" not in text


def test_codecommit_repository_uses_codecommits_own_key():
    (repo,) = [
        v
        for a, v in planned("env:shared:codecommit").items()
        if a == "module.repository[0].aws_codecommit_repository.this"
    ]
    assert repo.get("kms_key_id") is None


def test_filtered_trigger_turns_off_the_connections_own_change_detection():
    (pipeline,) = [
        v for a, v in planned("env:shared:codeconnections").items() if a.endswith("aws_codepipeline.this")
    ]
    (source,) = pipeline["stage"][0]["action"]
    assert pipeline["trigger"][0]["git_configuration"][0]["push"][0]["branches"][0]["includes"] == ["main"]
    assert source["configuration"]["DetectChanges"] == "false"
