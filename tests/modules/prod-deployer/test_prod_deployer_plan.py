"""Plan assertions on modules/prod-deployer comparing decoded policies (the inventories compare strings)."""

import json

import pytest

import tfplan
from inventory import collect


@pytest.mark.plan
def test_deployer_role_trusts_lambda_with_only_the_keys_lambda_sends():
    # The inventory case's own plan (the harness plans each case once per session).
    case = next(c for c in collect() if c.id == "module:prod-deployer:serverless")
    resources = tfplan.all_resources(case.plan())
    trust = json.loads(resources["aws_iam_role.deployer"]["values"]["assume_role_policy"])
    # aws:SourceAccount only: Lambda documents aws:SourceArn for the function's resource policy, not for the
    # assumption of its execution role, and a key the service does not send makes CreateFunction fail.
    assert trust == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "LambdaService",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Condition": {"StringEquals": {"aws:SourceAccount": "333333333333"}},
            }
        ],
    }


def _plan(name: str) -> dict:
    case = next(c for c in collect() if c.id == f"module:prod-deployer:{name}")
    return tfplan.all_resources(case.plan())


def _statements(resources: dict, address: str) -> dict[str, dict]:
    policy = json.loads(resources[address]["values"]["policy"])
    return {st["Sid"]: st for st in policy["Statement"]}


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


@pytest.mark.plan
@pytest.mark.parametrize(
    ("name", "test", "isolated"), [("serverless", "BoolIfExists", "false"), ("instance", "Bool", "true")]
)
def test_create_model_requires_the_network_isolation_of_the_endpoint_type(name, test, isolated):
    # Instance endpoints: only isolated models (absent means false: refused). Serverless: SageMaker does not
    # support isolation, so only true is refused; a condition wrong for one type would break its deployments.
    statements = _statements(_plan(name), "aws_iam_role_policy.deployer")
    create = statements["CreateModels"]
    assert _as_list(create["Action"]) == ["sagemaker:CreateModel"]
    assert create["Condition"] == {test: {"sagemaker:NetworkIsolation": isolated}}
    assert not any(
        "sagemaker:CreateModel" in _as_list(st["Action"])
        for sid, st in statements.items()
        if sid != "CreateModels"
    )


@pytest.mark.plan
def test_the_model_role_reads_only_the_stores_models_and_nothing_in_account_a():
    statements = _statements(_plan("serverless"), "aws_iam_role_policy.model")
    resources = {r for st in statements.values() for r in _as_list(st["Resource"])}
    assert not any("111111111111" in r or "mlops-artifacts" in r for r in resources), resources
    assert _as_list(statements["ReadStoredModels"]["Resource"]) == [
        "arn:aws:s3:::mlops-models-333333333333-eu-west-1/models/*"
    ]
    decrypt = statements["DecryptStoredModels"]
    assert decrypt["Condition"]["StringEquals"] == {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}
    assert "logs:CreateLogGroup" not in {a for st in statements.values() for a in _as_list(st["Action"])}
    # Exactly the repository of MODEL_IMAGE_URI, in the registry account the provider resolves (no "*").
    assert _as_list(statements["PullInferenceImage"]["Resource"]) == [
        "arn:aws:ecr:eu-west-1:141502667606:repository/sagemaker-xgboost"
    ]


@pytest.mark.plan
def test_the_deployer_reads_only_pinned_training_outputs_from_a():
    statements = _statements(_plan("serverless"), "aws_iam_role_policy.deployer")
    in_a = {
        sid: st
        for sid, st in statements.items()
        if any("111111111111" in r or "mlops-artifacts" in r for r in _as_list(st["Resource"]))
    }
    assert set(in_a) == {"ReadPinnedModel", "DecryptPinnedModel", "AnswerThePipeline"}
    assert sorted(_as_list(in_a["ReadPinnedModel"]["Action"])) == ["s3:GetObject", "s3:GetObjectVersion"]
    assert _as_list(in_a["ReadPinnedModel"]["Resource"]) == [
        "arn:aws:s3:::mlops-artifacts-111111111111-eu-west-1/models/mlops-train-*/output/model.tar.gz"
    ]
    assert in_a["DecryptPinnedModel"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}
    }


@pytest.mark.plan
def test_the_store_key_is_used_only_by_the_deployer_and_the_model_role_through_s3():
    resources = _plan("serverless")
    key = json.loads(resources["module.model_store.module.key.aws_kms_key.this"]["values"]["policy"])
    users = {}
    for st in key["Statement"]:
        if st["Sid"].startswith("KeyAdministration"):
            assert not any(
                a in _as_list(st["Action"]) for a in ("kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt")
            )
            continue
        assert st["Condition"]["StringEquals"] == {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}, st
        assert st["Principal"] == {"AWS": "arn:aws:iam::333333333333:root"}
        for arn in _as_list(st["Condition"]["ArnLike"]["aws:PrincipalArn"]):
            users[arn] = sorted(_as_list(st["Action"]))
    assert users == {
        "arn:aws:iam::333333333333:role/mlops-deployer": ["kms:Decrypt", "kms:GenerateDataKey"],
        "arn:aws:iam::333333333333:role/mlops-model-execution": ["kms:Decrypt"],
    }
