"""The training state machine's definition, as planned by modules/training-sfn.

Plans the module with the two inventory cases (spot off / on), takes the rendered ASL from the module output
`state_machine_definition` (known at plan time), and checks:
- the structure: every transition lands on a state, every state is reachable, the Train task's request
  (resource, encryption, isolation, spot fields on/off);
- the behaviour of every state around Train, by running them with a small JSONPath evaluator limited to what
  the definition uses (paths, one filter form, Choice rules, four intrinsics). The Train task's result is
  stubbed with what .sync returns (DescribeTrainingJob). The output must match
  pipeline/schemas/training-output.schema.json exactly; the gate must pass, fail and name its metric as
  documented.
This evaluator is a test double for the quality-gate logic only; the rehearsal runs the real flow.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import tfplan

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "tests" / "modules" / "training_sfn"
CONFIG_SCHEMA = json.loads((REPO / "pipeline" / "schemas" / "training-config.schema.json").read_text())
OUTPUT_SCHEMA = json.loads((REPO / "pipeline" / "schemas" / "training-output.schema.json").read_text())
EXAMPLE_CONFIG = json.loads((REPO / "pipeline" / "training-config.json").read_text())
SHARED_KEY = "arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555"
BUCKET = "mlops-artifacts-111111111111-eu-west-1"
EXECUTION_NAME = "mlops-pipeline-0f8fad5b-d9cb-469f-a165-70867728950e"

pytestmark = pytest.mark.plan


def plan_definition(case: str) -> dict:
    # One directory per xdist worker: each worker plans its own copy (module-scoped fixtures are per worker).
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    plan = tfplan.plan_module("training-sfn", f"asl-{case}-{worker}", CASES / f"{case}.tfvars")
    return json.loads(tfplan.planned_outputs(plan)["state_machine_definition"])


@pytest.fixture(scope="module")
def spot_off() -> dict:
    return plan_definition("spot-off")


@pytest.fixture(scope="module")
def spot_on() -> dict:
    return plan_definition("spot-on")


# ------------------------------------------------------------------------------------------------ evaluator
class Missing(Exception):
    """A reference path selected nothing (Step Functions: States.Runtime)."""


_FILTER = re.compile(r"^(?P<base>[^\[]+)\[\?\(@\.(?P<key>\w+) == '(?P<value>[^']*)'\)\]\.(?P<field>\w+)$")


def path_get(data: Any, path: str, context: dict) -> Any:
    root, path = (context, path[2:]) if path.startswith("$$") else (data, path[1:])
    match = _FILTER.match("$" + path)
    if match:  # indefinite path: a list, empty when nothing matches
        items = path_get(root, match["base"], {})
        return [i[match["field"]] for i in items if i.get(match["key"]) == match["value"]]
    node = root
    for key in [k for k in path.split(".") if k]:
        if not isinstance(node, dict) or key not in node:
            raise Missing(path)
        node = node[key]
    return node


def path_set(data: dict, path: str, value: Any) -> dict:
    if path == "$":
        return value
    keys = path[2:].split(".")
    node = data
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value
    return data


def _split_args(text: str) -> list[str]:
    args, depth, quoted, current = [], 0, False, ""
    for i, char in enumerate(text):
        if char == "'" and (i == 0 or text[i - 1] != "\\"):
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        if char == "," and not quoted and depth == 0:
            args.append(current.strip())
            current = ""
        else:
            current += char
    return [*args, current.strip()] if current.strip() else args


def evaluate(expr: str, data: Any, context: dict) -> Any:
    expr = expr.strip()
    if expr.startswith("'"):
        return expr[1:-1].replace("\\'", "'")
    if expr.startswith("$"):
        return path_get(data, expr, context)
    if re.fullmatch(r"-?[0-9.]+", expr):
        return json.loads(expr)
    name, inner = re.fullmatch(r"(States\.\w+)\((.*)\)", expr, flags=re.S).groups()
    args = [evaluate(a, data, context) for a in _split_args(inner)]
    if name == "States.Format":
        template, *values = args
        parts = template.split("{}")
        assert len(parts) == len(values) + 1, expr
        text = parts[0]
        for value, part in zip(values, parts[1:], strict=True):
            text += (value if isinstance(value, str) else json.dumps(value)) + part
        return text
    if name == "States.Hash":
        assert args[1] == "MD5", expr
        return hashlib.md5(args[0].encode()).hexdigest()
    if name == "States.ArrayLength":
        return len(args[0])
    if name == "States.ArrayGetItem":
        return args[0][args[1]]
    raise AssertionError(f"intrinsic not expected in this definition: {name}")


def render(template: Any, data: Any, context: dict) -> Any:
    if isinstance(template, dict):
        out = {}
        for key, value in template.items():
            if key.endswith(".$"):
                out[key[:-2]] = evaluate(value, data, context)
            else:
                out[key] = render(value, data, context)
        return out
    if isinstance(template, list):
        return [render(v, data, context) for v in template]
    return template


def rule_matches(rule: dict, data: Any) -> bool:
    if "And" in rule:
        return all(rule_matches(r, data) for r in rule["And"])
    if "Or" in rule:
        return any(rule_matches(r, data) for r in rule["Or"])
    if "Not" in rule:
        return not rule_matches(rule["Not"], data)
    try:
        value = path_get(data, rule["Variable"], {})
    except Missing:
        if "IsPresent" in rule:
            return rule["IsPresent"] is False
        raise
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    for op, expected in rule.items():
        if op in ("Variable", "Next"):
            continue
        if op == "IsPresent":
            return expected is True
        if op == "IsString":
            return isinstance(value, str) == expected
        if op == "IsNumeric":
            return number == expected
        if op == "IsBoolean":
            return isinstance(value, bool) == expected
        if op == "StringEquals":
            return isinstance(value, str) and value == expected
        if op == "BooleanEquals":
            return isinstance(value, bool) and value == expected
        if op == "NumericEquals":
            return number and value == expected
        if op == "NumericGreaterThanEqualsPath":
            return number and value >= path_get(data, expected, {})
        if op == "NumericLessThanEqualsPath":
            return number and value <= path_get(data, expected, {})
        raise AssertionError(f"Choice operator not expected in this definition: {op}")
    raise AssertionError(f"empty rule {rule}")


def run(definition: dict, execution_input: dict, train_result: dict | None) -> tuple[str, Any, list[str]]:
    """Run to the end; returns ("SUCCEEDED", output, path) or ("FAILED", {"Error", "Cause"}, path)."""
    context = {
        "Execution": {
            "Name": EXECUTION_NAME,
            "Id": f"arn:aws:states:eu-west-1:222222222222:execution:mlops-training:{EXECUTION_NAME}",
        }
    }
    data, name, visited = json.loads(json.dumps(execution_input)), definition["StartAt"], []
    while True:
        visited.append(name)
        state = definition["States"][name]
        kind = state["Type"]
        if kind == "Choice":
            name = next((r["Next"] for r in state["Choices"] if rule_matches(r, data)), state.get("Default"))
            assert name, f"no Choice rule matched in {visited[-1]} and no Default"
            continue
        if kind == "Fail":
            cause = (
                evaluate(state["CausePath"], data, context) if "CausePath" in state else state.get("Cause")
            )
            return "FAILED", {"Error": state.get("Error"), "Cause": cause}, visited
        if kind == "Pass":
            effective = render(state["Parameters"], data, context) if "Parameters" in state else data
            data = path_set(data, state.get("ResultPath", "$"), effective)
        elif kind == "Task":
            assert train_result is not None, "the run reached the Train task without a stubbed result"
            request = render(state["Parameters"], data, context)
            assert request["TrainingJobName"] == data["job"]["name"]
            result = render(
                state["ResultSelector"],
                {**train_result, "TrainingJobName": request["TrainingJobName"]},
                context,
            )
            data = path_set(data, state["ResultPath"], result)
        else:
            raise AssertionError(f"state type not expected: {kind}")
        if state.get("End"):
            return "SUCCEEDED", data, visited
        name = state["Next"]


def describe_training_job(metrics: list[dict]) -> dict:
    """The parts of a .sync result (DescribeTrainingJob) that the ResultSelector reads."""
    return {
        "ModelArtifacts": {"S3ModelArtifacts": f"s3://{BUCKET}/models/job/output/model.tar.gz"},
        "AlgorithmSpecification": {
            "TrainingImage": "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"
        },
        "FinalMetricDataList": metrics,
    }


AUC_METRICS = [
    {"MetricName": "validation:logloss", "Value": 0.5023, "Timestamp": 1767225600.0},
    {"MetricName": "validation:auc", "Value": 0.8338, "Timestamp": 1767225600.0},
    {"MetricName": "train:auc", "Value": 0.9096, "Timestamp": 1767225600.0},
]


# ------------------------------------------------------------------------------------------------ structure
def test_every_transition_lands_and_every_state_is_reachable(spot_off):
    states = spot_off["States"]
    edges: dict[str, set[str]] = {}
    for name, state in states.items():
        targets = {state.get("Next"), state.get("Default")}
        targets |= {r["Next"] for r in state.get("Choices", [])} | {c["Next"] for c in state.get("Catch", [])}
        edges[name] = {t for t in targets if t}
        assert edges[name] <= set(states), f"{name} goes to a missing state: {edges[name] - set(states)}"
        assert len(name) <= 80
    seen, todo = set(), [spot_off["StartAt"]]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += edges[name]
    assert seen == set(states)
    assert "QueryLanguage" not in spot_off or spot_off["QueryLanguage"] == "JSONPath"


def test_train_task_request(spot_off):
    train = spot_off["States"]["Train"]
    request = train["Parameters"]
    assert train["Resource"] == "arn:aws:states:::sagemaker:createTrainingJob.sync"
    assert request["OutputDataConfig"] == {"S3OutputPath": f"s3://{BUCKET}/models/", "KmsKeyId": SHARED_KEY}
    assert request["ResourceConfig"] == {
        "InstanceType": "ml.m5.large",
        "InstanceCount": 1,
        "VolumeSizeInGB": 30,
        "VolumeKmsKeyId": SHARED_KEY,
    }
    assert request["EnableNetworkIsolation"] is True
    assert request["EnableInterContainerTrafficEncryption"] is True
    assert request["RoleArn"] == "arn:aws:iam::222222222222:role/mlops-training-sagemaker"
    assert request["AlgorithmSpecification"] == {
        "TrainingImage": "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1",
        "TrainingInputMode": "File",
    }
    assert request["HyperParameters.$"] == "$.hyperparameters"
    channels = {c["ChannelName"]: c for c in request["InputDataConfig"]}
    assert set(channels) == {"train", "validation"}
    for name, channel in channels.items():
        assert channel["ContentType"] == "text/csv"
        assert channel["DataSource"]["S3DataSource"]["S3Uri"] == f"s3://{BUCKET}/data/{name}/"
        assert channel["DataSource"]["S3DataSource"]["S3DataType"] == "S3Prefix"
    assert train["ResultPath"] == "$.training"
    assert [c["ErrorEquals"] for c in train["Catch"]][-1] == ["States.ALL"]
    assert "SageMaker.AmazonSageMakerException" in train["Retry"][0]["ErrorEquals"]
    assert train["TimeoutSeconds"] == 3600 + 3600


def test_spot_off_has_no_spot_fields(spot_off):
    request = spot_off["States"]["Train"]["Parameters"]
    assert "EnableManagedSpotTraining" not in request
    assert "CheckpointConfig" not in request
    assert request["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600}


def test_spot_on_checkpoints_per_job(spot_on):
    train = spot_on["States"]["Train"]
    request = train["Parameters"]
    assert request["EnableManagedSpotTraining"] is True
    assert request["StoppingCondition"] == {"MaxRuntimeInSeconds": 7200, "MaxWaitTimeInSeconds": 10800}
    assert request["ResourceConfig"]["InstanceCount"] == 2
    assert train["TimeoutSeconds"] == 10800 + 3600
    job = {"job": {"name": "mlops-train-abc"}}
    uri = evaluate(request["CheckpointConfig"]["S3Uri.$"], job, {})
    assert uri == f"s3://{BUCKET}/checkpoints/mlops-train-abc/"


def test_gate_metrics_match_the_config_schema(spot_off):
    choices = spot_off["States"]["SelectGateMetric"]["Choices"]
    in_asl = sorted(c["StringEquals"] for c in choices)
    assert in_asl == sorted(CONFIG_SCHEMA["properties"]["quality_gate"]["properties"]["metric"]["enum"])
    for choice in choices:
        read = spot_off["States"][choice["Next"]]
        assert read["Parameters"]["metric"] == choice["StringEquals"]
        assert f"'{choice['StringEquals']}'" in read["Parameters"]["values.$"]
    # the direction each metric must have: the same in the ASL's check and the schema's rules
    asl_directions = {
        rule["And"][0]["StringEquals"]: rule["And"][1]["BooleanEquals"]
        for rule in spot_off["States"]["ValidateGate"]["Choices"][0]["And"][3]["Or"]
    }
    schema_directions = {
        r["if"]["properties"]["quality_gate"]["properties"]["metric"]["const"]: r["then"]["properties"][
            "quality_gate"
        ]["properties"]["higher_is_better"]["const"]
        for r in CONFIG_SCHEMA["allOf"]
    }
    assert asl_directions == schema_directions


# ------------------------------------------------------------------------------------------------ behaviour
def test_training_job_name_fits_sagemaker(spot_off):
    _, output, _ = run(spot_off, EXAMPLE_CONFIG, describe_training_job(AUC_METRICS))
    name = output["training_job_name"]
    assert name == "mlops-train-" + hashlib.md5(EXECUTION_NAME.encode()).hexdigest()
    assert re.fullmatch(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", name)


def test_example_config_passes_with_the_training_output_shape(spot_off):
    status, output, visited = run(spot_off, EXAMPLE_CONFIG, describe_training_job(AUC_METRICS))
    assert status == "SUCCEEDED", output
    Draft202012Validator(OUTPUT_SCHEMA).validate(output)
    assert set(output) == set(OUTPUT_SCHEMA["required"])
    assert output["quality_gate"] == {"metric": "validation:auc", "value": 0.8338, "threshold": 0.75}
    assert output["metrics"] == AUC_METRICS
    assert output["model_data_url"] == f"s3://{BUCKET}/models/job/output/model.tar.gz"
    assert output["image_uri"].endswith("/sagemaker-xgboost:1.7-1")
    assert visited[-1] == "TrainingOutput"


def test_threshold_is_inclusive(spot_off):
    config = json.loads(json.dumps(EXAMPLE_CONFIG))
    config["quality_gate"]["threshold"] = 0.8338
    assert run(spot_off, config, describe_training_job(AUC_METRICS))[0] == "SUCCEEDED"


def test_below_threshold_fails_the_gate(spot_off):
    config = json.loads(json.dumps(EXAMPLE_CONFIG))
    config["quality_gate"]["threshold"] = 0.9
    status, error, _ = run(spot_off, config, describe_training_job(AUC_METRICS))
    assert status == "FAILED"
    assert error["Error"] == "QualityGateFailed"
    assert error["Cause"].startswith("quality gate: validation:auc = 0.8338 is below the threshold 0.9")


def test_lower_is_better_metric(spot_off):
    config = {
        "hyperparameters": {"objective": "reg:squarederror", "num_round": "50", "eval_metric": "rmse"},
        "quality_gate": {"metric": "validation:rmse", "threshold": 0.3, "higher_is_better": False},
    }
    metrics = [{"MetricName": "train:rmse", "Value": 0.1}, {"MetricName": "validation:rmse", "Value": 0.25}]
    status, output, _ = run(spot_off, config, describe_training_job(metrics))
    assert status == "SUCCEEDED" and output["quality_gate"] == {
        "metric": "validation:rmse",
        "value": 0.25,
        "threshold": 0.3,
    }
    metrics[1]["Value"] = 0.35
    status, error, _ = run(spot_off, config, describe_training_job(metrics))
    assert error["Error"] == "QualityGateFailed"
    assert error["Cause"].startswith(
        "quality gate: validation:rmse = 0.35 is above the threshold 0.3 (lower is better)"
    )


def test_metric_not_reported_fails_the_gate(spot_off):
    metrics = [m for m in AUC_METRICS if m["MetricName"] != "validation:auc"]
    _, error, _ = run(spot_off, EXAMPLE_CONFIG, describe_training_job(metrics))
    assert error["Error"] == "QualityGateFailed"
    assert error["Cause"].startswith(
        "quality gate: metric validation:auc was not reported by training job mlops-train-"
    )


@pytest.mark.parametrize(
    "change",
    [
        {"hyperparameters": None},
        {"quality_gate": None},
        {"quality_gate": {"metric": "validation:auc", "threshold": "0.75", "higher_is_better": True}},
        {"quality_gate": {"metric": "validation:auc", "threshold": 0.75, "higher_is_better": False}},
        {"quality_gate": {"metric": "train:auc", "threshold": 0.75, "higher_is_better": True}},
        {"quality_gate": {"metric": "validation:auc", "threshold": 0.75}},
    ],
    ids=[
        "no hyperparameters",
        "no gate",
        "threshold string",
        "wrong direction",
        "train metric",
        "no direction",
    ],
)
def test_invalid_input_fails_before_training(spot_off, change):
    config = {k: v for k, v in {**EXAMPLE_CONFIG, **change}.items() if v is not None}
    status, error, visited = run(spot_off, config, train_result=None)
    assert status == "FAILED" and error["Error"] == "InvalidTrainingConfig"
    assert "Train" not in visited


def test_training_failure_cause(spot_off):
    state = spot_off["States"]["TrainingFailed"]
    data = {"error": {"Error": "States.TaskFailed", "Cause": "AlgorithmError: XGBoost training failed"}}
    assert state["Error"] == "TrainingFailed"
    assert (
        evaluate(state["CausePath"], data, {}) == "training failed: AlgorithmError: XGBoost training failed"
    )
    assert spot_off["States"]["TrainingTimedOut"]["Cause"].startswith("training failed: ")
