"""The rehearsal end to end: the three envs applied once into the emulator, then several pipeline executions.

One applied emulator per worker (fixture `applied`, tests/rehearsal/conftest.py); every test here is in xdist
group "emulator", so `pytest -n auto --dist loadgroup` runs them on one worker and the envs are applied once.
Order: the happy path deploys first (fixture `first_deployment`); the failure paths then check that the
endpoint
it created keeps serving.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest

from conftest import DATA, ROOT
from rehearsal.apply import persona_role_arn
from rehearsal.attacks import damage_model, overwrite_model, served_model_sha256, tamper_output
from rehearsal.runner import DEFAULT_CONFIG, DataError, PipelineRunner, load_dataset

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("emulator")]


def config(**hyperparameters: str) -> dict:
    base = json.loads(DEFAULT_CONFIG.read_text())
    base["hyperparameters"].update(hyperparameters)
    return base


@pytest.fixture(scope="module")
def runner(aws, applied):
    return PipelineRunner(aws, applied["states"], log=lambda _m: None, work_dir=applied["workspace"].dir)


@pytest.fixture(scope="module")
def first_deployment(runner):
    result = runner.run(config())
    assert result.ok, result.failed
    return result


def serving(aws, runner) -> str:
    endpoint = runner.outputs["production"]["endpoint_name"]
    described = aws.client("sagemaker", "production").describe_endpoint(EndpointName=endpoint)
    assert described["EndpointStatus"] == "InService"
    return described["EndpointConfigName"]


def test_applies_three_accounts(aws, applied):
    states = applied["states"]
    assert set(states) == {"shared", "training", "production"}
    for env, state in states.items():
        arns = [
            r["values"].get("arn")
            for r in _resources(state)
            if r["type"] == "aws_iam_role" and r["values"].get("arn")
        ]
        assert arns and all(f":{aws.accounts[env]}:" in a for a in arns), (env, arns)


def test_persona_roles_carry_exactly_their_persona_policy(aws, applied):
    # The operator created the persona roles before applying envs/shared (rehearsal.apply.PERSONAS); the apply
    # attached one customer managed policy to each, and the rehearsal acts as these roles (Source, Approve).
    iam = aws.client("iam", "shared")
    attached = {
        role: [p["PolicyName"] for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]]
        for role in ("ml-data-writer", "ml-source-writer", "ml-approver", "ml-observer")
    }
    assert attached == {
        "ml-data-writer": ["mlops-data-writer"],
        "ml-source-writer": ["mlops-source-writer"],
        "ml-approver": ["mlops-approver"],
        "ml-observer": ["mlops-observer"],
    }
    arn = f"arn:aws:iam::{aws.accounts['shared']}:policy/mlops-approver"
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
    document = json.loads(document) if isinstance(document, str) else document
    (answer,) = [st for st in document["Statement"] if st["Sid"] == "AnswerTheApproval"]
    assert answer["Action"] == "codepipeline:PutApprovalResult"
    assert (
        answer["Resource"]
        == f"arn:aws:codepipeline:{aws.region}:{aws.accounts['shared']}:mlops-pipeline/Approve/Approve"
    )


def _resources(state):
    from rehearsal.apply import resources

    return resources(state)


def test_happy_path_trains_deploys_and_scores(aws, runner, first_deployment):
    result = first_deployment
    assert [s[0] for s in result.stages] == ["Source", "Train", "Approve", "Deploy", "Score"]
    output = result.training_output
    gate = output["quality_gate"]
    assert gate["metric"] == "validation:auc" and gate["value"] >= gate["threshold"] == 0.75
    # The model is in A's bucket, encrypted with the CMK (C can read it only because of that).
    bucket, key = output["model_data_url"][5:].split("/", 1)
    head = aws.client("s3", "shared").head_object(Bucket=bucket, Key=key)
    assert head["SSEKMSKeyId"] == runner.key_arn
    # The deployer answered through A's callback role, with continuation tokens while the endpoint was
    # created.
    assert result.deployment["invocations"] >= 2
    assert result.deployment["EndpointName"] == runner.outputs["production"]["endpoint_name"]
    assert serving(aws, runner) == result.deployment["EndpointConfigName"]
    assert result.score["auc"] > 0.75 and result.score["rows"] == 400
    assert abs(result.score["auc"] - gate["value"]) < 0.02  # the endpoint serves the model that was gated


def test_changed_configuration_updates_the_endpoint(aws, runner, first_deployment):
    result = runner.run(config(max_depth="3", eta="0.3"))
    assert result.ok, result.failed
    new = result.deployment["EndpointConfigName"]
    assert new != first_deployment.deployment["EndpointConfigName"]
    assert "Updat" in " ".join(s[2] for s in result.stages) or result.deployment["invocations"] >= 2
    assert serving(aws, runner) == new
    assert result.score["endpoint_config"] == new and result.score["auc"] > 0.7


def test_failing_training_stops_at_train(aws, runner, first_deployment):
    before = serving(aws, runner)
    result = runner.run(config(num_round="0"))
    assert result.failed.stage == "Train"
    assert "TrainingFailed" in result.failed.reason and "num_round" in result.failed.reason
    assert [s[0] for s in result.stages] == ["Source", "Train"]
    assert serving(aws, runner) == before


def test_failing_quality_gate_stops_at_train(aws, runner, first_deployment):
    before = serving(aws, runner)
    strict = config()
    strict["quality_gate"]["threshold"] = 0.9999
    result = runner.run(strict)
    assert result.failed.stage == "Train"
    assert "QualityGateFailed" in result.failed.reason and "below the threshold" in result.failed.reason
    assert serving(aws, runner) == before


def test_rejection_stops_at_approve(aws, runner, first_deployment):
    before = serving(aws, runner)
    result = runner.run(config(), approval="reject")
    assert result.failed.stage == "Approve" and "rejected" in result.failed.reason
    assert serving(aws, runner) == before


def test_failing_deployment_rolls_back_and_old_model_keeps_serving(aws, runner, first_deployment):
    before = serving(aws, runner)

    # An unloadable model, pinned before the Verify action (rehearsal.attacks.damage_model).
    hook = {"Verify": lambda run: damage_model(aws, runner, run)}
    result = runner.run(config(max_depth="4"), before_action=hook)
    assert result.failed.stage == "Deploy"
    assert result.failed.reason.startswith("JobFailed:") and "rolled back" in result.failed.reason
    assert serving(aws, runner) == before
    still = runner.score({"result": result, "dataset": load_dataset(DATA)})
    assert before in still


def test_the_approval_shows_the_verified_evidence_and_the_release_is_recorded(aws, runner, first_deployment):
    evidence = first_deployment.evidence
    output = first_deployment.training_output
    # The Verify action (C) pinned exactly the version the Train stage recorded, and S3's SHA-256 agrees.
    assert evidence["model_version_id"] == output["model_version_id"]
    assert evidence["model_sha256"] == output["model_sha256"]
    custom = first_deployment.approval_notification["message"]["approval"]["customData"]
    for shown in (evidence["model_sha256"], evidence["training_job_name"], evidence["gate_value"]):
        assert shown in custom
    assert "#{" not in custom  # every variable resolved
    record = first_deployment.release_record
    assert record["status"] == "serving"
    assert record["approval"]["approved_by"] == persona_role_arn(aws, "approvers")
    assert record["model"]["sha256"] == evidence["model_sha256"]
    assert record["endpoint"]["config"] == first_deployment.deployment["EndpointConfigName"]
    package = aws.client("sagemaker", "production").describe_model_package(
        ModelPackageName=record["package_arn"]
    )
    assert package["ModelApprovalStatus"] == "Approved"
    assert package["CustomerMetadataProperties"]["model_sha256"] == evidence["model_sha256"]


def test_training_output_rewritten_after_approval_is_refused(aws, runner, first_deployment):
    before = serving(aws, runner)
    result = runner.run(
        config(), before_action={"Deploy": lambda run: tamper_output(aws, runner, run)}, score=False
    )
    assert result.failed.stage == "Deploy"
    assert result.failed.reason.startswith("JobFailed: training output refused: image_uri is ")
    assert serving(aws, runner) == before


def test_model_overwritten_after_approval_is_not_what_production_serves(aws, runner, first_deployment):
    result = runner.run(config(), before_action={"Deploy": lambda run: overwrite_model(aws, runner, run)})
    assert result.ok, result.failed
    assert served_model_sha256(aws, runner) == result.evidence["model_sha256"]
    assert result.score["auc"] > 0.75  # the approved model serves; the overwritten bytes are not a model


def test_interactive_approval_asks(aws, runner, first_deployment):
    asked = []
    result = runner.run(config(), approval="interactive", ask=lambda q: asked.append(q) or "n", score=False)
    assert asked and result.failed.stage == "Approve"


# ------------------------------------------------------------------------------- input checks (no emulator)
def test_malformed_data_is_named(tmp_path):
    (tmp_path / "train.csv").write_text("label,a,b\n1,2,3\n")
    (tmp_path / "validation.csv").write_text("1,2,3\n")
    with pytest.raises(DataError, match=r"train.csv, line 1: 'label' is not a number \(a header row"):
        load_dataset(tmp_path)
    (tmp_path / "train.csv").write_text("1,2,3\n0,1\n")
    with pytest.raises(DataError, match="line 2: 2 columns"):
        load_dataset(tmp_path)
    (tmp_path / "train.csv").unlink()
    with pytest.raises(DataError, match=r"train\.csv is missing"):
        load_dataset(tmp_path)


def test_cli_refuses_bad_data_before_starting(tmp_path):
    (tmp_path / "train.csv").write_text("1,2,x\n")
    (tmp_path / "validation.csv").write_text("1,2,3\n")
    done = subprocess.run(
        [sys.executable, "-m", "rehearsal", "--data", str(tmp_path)],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "pipeline"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "bad --data" in done.stderr and "'x' is not a number" in done.stderr


def test_failure_switches_change_only_what_they_say():
    from rehearsal.__main__ import _failure_config, _parser

    base = config()
    assert _failure_config(base, _parser().parse_args([])) == base
    bad = _failure_config(base, _parser().parse_args(["--fail-training"]))
    assert bad["hyperparameters"]["num_round"] == "0" and copy.deepcopy(base) == base
    gate = _failure_config(base, _parser().parse_args(["--fail-gate"]))
    assert gate["quality_gate"]["threshold"] > 0.99
