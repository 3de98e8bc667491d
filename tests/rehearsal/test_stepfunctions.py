"""moto's ASL interpreter, extended by the compat layer, runs train (.sync) -> quality gate on a toy ASL."""

from __future__ import annotations

import json
import time

import pytest

from conftest import training_request

SFN_ROLE = "p-training-sfn"


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
