"""The declared access matrix, evaluated on the plans: every cell must match. Plus the evaluator's own
behaviour on plan JSON (unknown values, name drift, regressions it must catch)."""

import copy
import functools
import json

import pytest
import yaml

from iam_eval import explain

from .matrix import DEFAULT_MATRIX, ENVS, Matrix, MatrixError, load, plan_paths_from_env
from .plans import build_inventory, load_resources, read_json
from .report import BEGIN, END, README, readme_section, replace_section
from .report import main as report_main

SPEC = yaml.safe_load(DEFAULT_MATRIX.read_text())
KEY = "module.artifacts.module.key.aws_kms_key.this"
BUCKET_POLICY = "module.artifacts.aws_s3_bucket_policy.this"
DEPLOYER_POLICY = "module.deployer.aws_iam_role_policy.deployer"
SFN_POLICY = "module.training.aws_iam_role_policy.sfn"
# One worker evaluates them all (pytest-xdist --dist loadgroup): the matrix's decisions are kept per process
# (matrix._DECISIONS), so the regression tests below re-evaluate only what their edit changes.
pytestmark = pytest.mark.xdist_group("access-matrix")


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


def _mismatches_after(tmp_path, env, address, attribute, edit):
    """The cells that no longer match once `edit` has changed one policy of the recorded states (those that
    already mismatch without the edit are test_every_cell_matches' to report, not the edit's doing)."""
    plans = copy.deepcopy(_plans())
    _edit_policy(plans, env, address, attribute, edit)
    return _mismatches(_matrix_with(plans, tmp_path)) - _unedited_mismatches()


@functools.cache
def _unedited_mismatches() -> frozenset:
    return frozenset(_mismatches(load()))


def test_catches_ifexists_deny_that_blocks_plain_uploads(tmp_path):
    def to_ifexists(doc):
        for st in doc["Statement"]:
            if st.get("Sid") == "DenyOtherKmsKeys":
                key = "s3:x-amz-server-side-encryption-aws-kms-key-id"
                st["Condition"] = {"StringNotEqualsIfExists": {key: st["Condition"]["StringNotEquals"][key]}}

    bad = _mismatches_after(tmp_path, "shared", BUCKET_POLICY, "policy", to_ifexists)
    assert ("training_output_artifact s3:PutObject", "b_action") in bad
    assert ("training_output_artifact s3:PutObject [sse_kms_right_key]", "b_action") not in bad


def test_catches_trust_without_principal_arn(tmp_path):
    def drop_condition(doc):
        for st in doc["Statement"]:
            st.pop("Condition", None)

    bad = _mismatches_after(
        tmp_path,
        "training",
        "module.action_role.module.role.aws_iam_role.this",
        "assume_role_policy",
        drop_condition,
    )
    # any role of A allowed sts:AssumeRole, A's administrators, could now assume B's action role (the callback
    # role and the people are not allowed it)
    assert bad == {("b_action_role sts:AssumeRole", "a_other"), ("b_action_role sts:AssumeRole", "key_admin")}


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


def test_s3_object_cells_need_the_key_policy_grant(tmp_path):
    def drop_data_writer(doc):
        doc["Statement"] = [
            st
            for st in doc["Statement"]
            if st.get("Condition", {}).get("ArnLike", {}).get("aws:PrincipalArn")
            != "arn:aws:iam::111111111111:role/ml-data-writer"
        ]

    bad = _mismatches_after(tmp_path, "shared", KEY, "policy", drop_data_writer)
    # the bucket policy still lets the data writer put: the KMS call S3 makes as the caller refuses it
    assert bad == {
        ("data_object s3:PutObject", "data_writer"),
        ("data_object s3:PutObject [sse_kms_right_key]", "data_writer"),
        ("cmk kms:Decrypt [via_s3]", "data_writer"),
        ("cmk kms:GenerateDataKey [via_s3]", "data_writer"),
    }


def test_s3_object_cells_need_the_identity_grant_across_accounts(tmp_path):
    def drop_key_use(doc):
        # the statements that name A's key
        doc["Statement"] = [
            st for st in doc["Statement"] if ":kms:eu-west-1:111111111111:" not in str(st["Resource"])
        ]

    bad = _mismatches_after(
        tmp_path, "training", "module.training.aws_iam_role_policy.sagemaker", "policy", drop_key_use
    )
    # A's key policy still names the SageMaker role of B; its own policy no longer allows the key
    assert bad == {
        ("data_object s3:GetObject", "b_sagemaker"),
        ("model_object s3:PutObject", "b_sagemaker"),
        ("model_object s3:PutObject [copy_in_place]", "b_sagemaker"),
        ("model_object s3:PutObject [copy_from_data]", "b_sagemaker"),
        ("model_other_object s3:PutObject [copy_in_place]", "b_sagemaker"),
        ("cmk kms:Decrypt", "b_sagemaker"),
        ("cmk kms:Decrypt [via_s3]", "b_sagemaker"),
        ("cmk kms:GenerateDataKey", "b_sagemaker"),
        ("cmk kms:GenerateDataKey [via_s3]", "b_sagemaker"),
    }


def test_s3_calls_kms_through_s3_as_the_callers_account(tmp_path):
    def deny_b_writes_through_s3(doc):
        doc["Statement"].append(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "kms:GenerateDataKey",
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "kms:CallerAccount": "222222222222",
                        "kms:ViaService": "s3.eu-west-1.amazonaws.com",
                    }
                },
            }
        )

    bad = _mismatches_after(tmp_path, "shared", KEY, "policy", deny_b_writes_through_s3)
    # only the S3 writes of B's roles: the via_s3 rows on the key carry no kms:CallerAccount
    assert bad == {
        ("training_output_artifact s3:PutObject", "b_action"),
        ("training_output_artifact s3:PutObject [sse_kms_right_key]", "b_action"),
        ("model_object s3:PutObject", "b_sagemaker"),
        ("model_object s3:PutObject [copy_in_place]", "b_sagemaker"),
        ("model_object s3:PutObject [copy_from_data]", "b_sagemaker"),
        ("model_other_object s3:PutObject [copy_in_place]", "b_sagemaker"),
        ("model_object s3:PutObject [copy_in_place]", "b_sfn"),
    }


def _statement(doc, sid):
    return next(st for st in doc["Statement"] if st.get("Sid") == sid)


def test_s3_sends_kms_the_bucket_arn_as_encryption_context(tmp_path):
    def object_arns_only(doc):
        like = _statement(doc, "ModelStoreKey")["Condition"]["StringLike"]
        context = "kms:EncryptionContext:aws:s3:arn"
        like[context] = [arn for arn in like[context] if arn.endswith("/*")]

    bad = _mismatches_after(tmp_path, "production", DEPLOYER_POLICY, "policy", object_arns_only)
    # With an S3 Bucket Key S3 names the bucket, not the object: a key grant bound to object ARNs no longer
    # lets the deployer read or write any object of its store (the via_s3_store rows say the same on the key)
    assert bad == {
        (row, "c_deployer")
        for row in (
            "stored_model s3:GetObject",
            "stored_model s3:PutObject",
            "incoming_object s3:GetObject",
            "incoming_object s3:PutObject",
            "release_record s3:GetObject",
            "release_record s3:PutObject",
            "store_key kms:Decrypt [via_s3_store]",
            "store_key kms:GenerateDataKey [via_s3_store]",
        )
    }


def test_catches_a_pinning_write_that_is_not_a_copy(tmp_path):
    def drop_copy_source(doc):
        _statement(doc, "PinModelArchivesByCopyOnly").pop("Condition")

    bad = _mismatches_after(tmp_path, "training", SFN_POLICY, "policy", drop_copy_source)
    # B's Step Functions role could then upload new model bytes, or copy anything onto a model archive
    assert bad == {
        ("model_object s3:PutObject", "b_sfn"),
        ("model_object s3:PutObject [copy_from_data]", "b_sfn"),
    }


def test_sse_s3_write_makes_no_kms_call(tmp_path):
    def allow_other_encryption(doc):
        doc["Statement"] = [st for st in doc["Statement"] if st.get("Sid") != "DenyOtherEncryptionTypes"]

    bad = _mismatches_after(tmp_path, "shared", BUCKET_POLICY, "policy", allow_other_encryption)
    # SSE-S3 needs no key: A's administrators, who cannot use the CMK, could then write artifacts
    assert bad == {
        ("training_output_artifact s3:PutObject [sse_s3]", principal)
        for principal in ("pipeline", "b_action", "a_other", "key_admin")
    }


def test_unknown_default_key_is_reported(tmp_path):
    plans = copy.deepcopy(_plans())
    address = "module.artifacts.aws_s3_bucket_server_side_encryption_configuration.this"
    for res in _walk(plans["shared"]["planned_values"]["root_module"]):
        if res["address"] == address:
            del res["values"]["rule"][0]["apply_server_side_encryption_by_default"][0]["kms_master_key_id"]
    unknown_key = {"rule": [{"apply_server_side_encryption_by_default": [{"kms_master_key_id": True}]}]}
    plans["shared"]["resource_changes"].append({"address": address, "change": {"after_unknown": unknown_key}})
    with pytest.raises(MatrixError, match=r"encryption_configuration\.this\.rule.*kms_master_key_id"):
        _matrix_with(plans, tmp_path)


def test_readme_shows_the_report(cells):
    text = README.read_text()
    shown = text[text.index(BEGIN) + len(BEGIN) : text.index(END)]
    assert shown == "\n" + readme_section(cells), (
        "README.md's access matrix differs from the report: regenerate it with `make access-readme` "
        "(PYTHONPATH=pipeline python -m tests.access.report --write-readme)"
    )


def test_replace_section_rewrites_only_between_the_markers():
    text = f"intro\n{BEGIN}\n| old |\n{END}\n\nafter\n"
    assert (
        replace_section(text, "| new |\n\nsummary\n")
        == f"intro\n{BEGIN}\n| new |\n\nsummary\n{END}\n\nafter\n"
    )


def test_the_decision_cache_changes_no_cell(monkeypatch):
    """Matrix._explain evaluates each distinct request once per process: every cell is what explain() says."""
    matrix = load()
    cached = matrix.cells()
    monkeypatch.setattr(Matrix, "_explain", lambda _self, *request: explain(*request))
    assert matrix.cells() == cached
