"""The declared access matrix, evaluated on the plans: every cell must match. Plus the evaluator's own
behaviour on plan JSON (unknown values, name drift, regressions it must catch)."""

import copy
import json

import pytest
import yaml

from .matrix import DEFAULT_MATRIX, ENVS, Matrix, MatrixError, load, plan_paths_from_env
from .plans import build_inventory, load_resources, read_json
from .report import main as report_main

SPEC = yaml.safe_load(DEFAULT_MATRIX.read_text())


@pytest.fixture(scope="module")
def cells():
    return load().cells()


def test_every_cell_matches(cells):
    bad = [
        f"{c.row} / {c.principal}: got {c.actual}, want {c.expected} ({c.reason})" for c in cells if not c.ok
    ]
    assert not bad, "\n".join(bad)


def test_matrix_is_complete(cells):
    rows = {c.row for c in cells}
    assert len(cells) == len(rows) * len(SPEC["principals"])
    assert {c.resource for c in cells} == set(SPEC["resources"]), "a declared resource has no row"
    assert sum(not c.expected for c in cells) > len(cells) / 2  # mostly denials: least privilege


def _plans():
    """The recorded applied states, in the shape of a plan (what the edits below work on)."""
    paths = plan_paths_from_env(DEFAULT_MATRIX, SPEC)
    docs = {env: read_json(paths[env]) for env in ENVS}
    return {
        env: {"planned_values": doc.get("planned_values") or doc["values"], "resource_changes": []}
        for env, doc in docs.items()
    }


def _matrix_with(plans: dict, tmp_path) -> Matrix:
    paths = {}
    for env, doc in plans.items():
        paths[env] = tmp_path / f"{env}.json"
        paths[env].write_text(json.dumps(doc))
    return Matrix(SPEC, paths)


def _edit_policy(plans, env, address, attribute, edit):
    for res in _walk(plans[env]["planned_values"]["root_module"]):
        if res["address"] == address:
            doc = json.loads(res["values"][attribute])
            edit(doc)
            res["values"][attribute] = json.dumps(doc)
            return
    raise KeyError(address)


def _walk(module):
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from _walk(child)


def _mismatches(matrix):
    return {(c.row, c.principal) for c in matrix.cells() if not c.ok}


def test_catches_ifexists_deny_that_blocks_plain_uploads(tmp_path):
    plans = copy.deepcopy(_plans())

    def to_ifexists(doc):
        for st in doc["Statement"]:
            if st.get("Sid") == "DenyOtherKmsKeys":
                key = "s3:x-amz-server-side-encryption-aws-kms-key-id"
                st["Condition"] = {"StringNotEqualsIfExists": {key: st["Condition"]["StringNotEquals"][key]}}

    _edit_policy(plans, "shared", "module.artifacts.aws_s3_bucket_policy.this", "policy", to_ifexists)
    bad = _mismatches(_matrix_with(plans, tmp_path))
    assert ("pipeline_artifact s3:PutObject", "b_action") in bad
    assert ("pipeline_artifact s3:PutObject [sse_kms_right_key]", "b_action") not in bad


def test_catches_trust_without_principal_arn(tmp_path):
    plans = copy.deepcopy(_plans())

    def drop_condition(doc):
        for st in doc["Statement"]:
            st.pop("Condition", None)

    _edit_policy(
        plans, "training", "module.action_role.aws_iam_role.this", "assume_role_policy", drop_condition
    )
    bad = _mismatches(_matrix_with(plans, tmp_path))
    # any role of A allowed sts:AssumeRole could now assume B's action role (the callback role is not)
    assert bad == {("b_action_role sts:AssumeRole", "a_other")}


def test_role_missing_from_plans_is_an_error(tmp_path):
    plans = copy.deepcopy(_plans())
    for module in plans["production"]["planned_values"]["root_module"]["child_modules"]:
        module["resources"] = [r for r in module["resources"] if "aws_iam_role.model" not in r["address"]]
    with pytest.raises((MatrixError, KeyError), match="model-execution"):
        _matrix_with(plans, tmp_path).cells()


def test_unknown_policy_is_reported_not_skipped(tmp_path):
    plans = copy.deepcopy(_plans())
    for res in _walk(plans["shared"]["planned_values"]["root_module"]):
        if res["type"] == "aws_s3_bucket_policy":
            del res["values"]["policy"]
    plans["shared"]["resource_changes"].append(
        {
            "address": "module.artifacts.aws_s3_bucket_policy.this",
            "type": "aws_s3_bucket_policy",
            "change": {"after_unknown": {"policy": True}},
        }
    )
    with pytest.raises(MatrixError, match=r"aws_s3_bucket_policy\.this\.policy"):
        _matrix_with(plans, tmp_path)


def test_inventory_reads_nested_modules_attachments_and_lambda_permissions():
    doc = {
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_iam_role.r",
                        "mode": "managed",
                        "type": "aws_iam_role",
                        "values": {"name": "r", "path": "/svc/", "assume_role_policy": '{"Statement": []}'},
                    },
                ],
                "child_modules": [
                    {
                        "child_modules": [
                            {
                                "resources": [
                                    {
                                        "address": "module.a.module.b.aws_iam_policy.p",
                                        "mode": "managed",
                                        "type": "aws_iam_policy",
                                        "values": {
                                            "name": "p",
                                            "path": "/",
                                            "policy": '{"Statement": [{"Effect": "Allow"}]}',
                                        },
                                    },
                                    {
                                        "address": "module.a.module.b.aws_iam_role_policy_attachment.x",
                                        "mode": "managed",
                                        "type": "aws_iam_role_policy_attachment",
                                        "values": {
                                            "role": "r",
                                            "policy_arn": "arn:aws:iam::333333333333:policy/p",
                                        },
                                    },
                                    {
                                        "address": "module.a.module.b.aws_iam_role_policy_attachment.y",
                                        "mode": "managed",
                                        "type": "aws_iam_role_policy_attachment",
                                        "values": {
                                            "role": "r",
                                            "policy_arn": "arn:aws:iam::aws:policy/service-role/X",
                                        },
                                    },
                                    {
                                        "address": "module.a.module.b.aws_lambda_permission.p",
                                        "mode": "managed",
                                        "type": "aws_lambda_permission",
                                        "values": {
                                            "function_name": "fn",
                                            "principal": "events.amazonaws.com",
                                            "action": "lambda:InvokeFunction",
                                            "source_arn": "arn:aws:events:eu-west-1:1:rule/x",
                                        },
                                    },
                                    {
                                        "address": "module.a.module.b.data.aws_iam_policy_document.d",
                                        "mode": "data",
                                        "type": "aws_iam_policy_document",
                                        "values": {},
                                    },
                                ]
                            }
                        ]
                    }
                ],
            }
        }
    }
    assert len(load_resources(doc)) == 5  # data sources are not resources
    inv = build_inventory([("333333333333", doc)], "eu-west-1")
    role = inv.roles["arn:aws:iam::333333333333:role/svc/r"]
    assert role.policies == [{"Statement": [{"Effect": "Allow"}]}]
    assert role.managed_arns == ["arn:aws:iam::aws:policy/service-role/X"]
    assert inv.warnings  # managed policy not evaluated: said, not hidden
    st = inv.lambda_policies["arn:aws:lambda:eu-west-1:333333333333:function:fn"]["Statement"][0]
    assert st["Principal"] == {"Service": "events.amazonaws.com"}
    assert st["Condition"] == {"ArnLike": {"AWS:SourceArn": "arn:aws:events:eu-west-1:1:rule/x"}}


def test_report_prints_every_cell(capsys):
    assert report_main(["--cells"]) == 0
    out = capsys.readouterr().out
    assert "MISMATCH" not in out.replace("0 MISMATCH", "")
    assert out.count("\nOK ") + out.startswith("OK ") == len(load().cells())
