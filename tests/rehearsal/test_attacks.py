"""Attacks on the platform's gate through the training configuration, end to end on the applied envs.

The source writer controls the training configuration; the platform (envs/training: quality_gate floor,
modules/training-sfn: hyperparameter allowlist) must hold whatever it says. Each run goes only as far as it
must: the Train stage decides, and the approver rejects whatever comes out of it (nothing is deployed).
The configurations are the rehearsal's own switches (--loosen-gate, --forbidden-hyperparameter).
"""

from __future__ import annotations

import json

import pytest

from rehearsal.__main__ import _failure_config, _parser
from rehearsal.runner import DEFAULT_CONFIG, PipelineRunner

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("emulator")]


@pytest.fixture(scope="module")
def runner(aws, applied):
    return PipelineRunner(aws, applied["states"], log=lambda _m: None, work_dir=applied["workspace"].dir)


def attack(switch: str) -> dict:
    return _failure_config(json.loads(DEFAULT_CONFIG.read_text()), _parser().parse_args([switch]))


def platform_floor(applied) -> float:
    """The floor the applied envs/training gave its state machine (the definition Terraform applied)."""
    from rehearsal.apply import resources

    (machine,) = [r for r in resources(applied["states"]["training"]) if r["type"] == "aws_sfn_state_machine"]
    return json.loads(machine["values"]["definition"])["States"]["UseFloor"]["Parameters"]["floor"]


def training_jobs(aws) -> set[str]:
    listed = aws.client("sagemaker", "training").list_training_jobs(MaxResults=100)
    return {j["TrainingJobName"] for j in listed["TrainingJobSummaries"]}


def test_loosen_gate_is_gated_at_the_platform_floor(runner, applied):
    config = attack("--loosen-gate")
    assert config["quality_gate"]["threshold"] < platform_floor(applied)

    result = runner.run(config, approval="reject", score=False)

    assert [s[0] for s in result.stages][:1] == ["Source"] and result.training_output, result.failed
    gate = result.training_output["quality_gate"]
    assert gate["configured_threshold"] == config["quality_gate"]["threshold"]
    assert gate["floor"] == platform_floor(applied)
    assert gate["threshold"] == gate["floor"] > gate["configured_threshold"]
    assert gate["value"] >= gate["threshold"]


def test_forbidden_hyperparameter_starts_no_training_job(aws, runner):
    config = attack("--forbidden-hyperparameter")
    before = training_jobs(aws)

    result = runner.run(config, approval="reject", score=False)

    assert result.failed is not None and result.failed.stage == "Train"
    assert "InvalidTrainingConfig" in result.failed.reason
    assert "_kfold" in result.failed.reason
    assert training_jobs(aws) == before
