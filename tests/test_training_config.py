"""The training configuration (pipeline/training-config.json) against its schema.

The example must validate; configurations that would fail the pipeline late (after a paid training run) or,
worse, pass a bad model must be rejected by the schema.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

REPO = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((REPO / "pipeline" / "schemas" / "training-config.schema.json").read_text())
EXAMPLE = json.loads((REPO / "pipeline" / "training-config.json").read_text())
VALIDATOR = Draft202012Validator(SCHEMA)


def errors(config: dict) -> list[str]:
    return [e.message for e in VALIDATOR.iter_errors(config)]


def changed(path: str, value=None, delete: bool = False) -> dict:
    """A copy of the example with one dotted path set (or deleted)."""
    config = copy.deepcopy(EXAMPLE)
    *parents, last = path.split(".")
    node = config
    for key in parents:
        node = node[key]
    if delete:
        del node[last]
    else:
        node[last] = value
    return config


def test_schema_is_valid_2020_12():
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_example_validates():
    assert errors(EXAMPLE) == []


def test_every_gate_metric_has_its_consistency_rule():
    metrics = SCHEMA["properties"]["quality_gate"]["properties"]["metric"]["enum"]
    ruled = [r["if"]["properties"]["quality_gate"]["properties"]["metric"]["const"] for r in SCHEMA["allOf"]]
    assert sorted(ruled) == sorted(metrics)
    assert all(m.startswith("validation:") for m in metrics)


@pytest.mark.parametrize(
    ("name", "config"),
    [
        ("hyperparameter given as a JSON number", changed("hyperparameters.num_round", 100)),
        ("num_round zero", changed("hyperparameters.num_round", "0")),
        ("num_round missing", changed("hyperparameters.num_round", delete=True)),
        ("eta not a number", changed("hyperparameters.eta", "fast")),
        ("unknown objective", changed("hyperparameters.objective", "binary:magic")),
        ("eval_metric with spaces", changed("hyperparameters.eval_metric", "logloss, auc")),
        ("eval_metric lacks the gate metric", changed("hyperparameters.eval_metric", "logloss")),
        ("eval_metric has aucpr, gate wants auc", changed("hyperparameters.eval_metric", "aucpr")),
        ("quality gate missing", changed("quality_gate", delete=True)),
        ("gate on a training metric", changed("quality_gate.metric", "train:auc")),
        ("gate metric unknown", changed("quality_gate.metric", "validation:accuracy-ish")),
        ("auc with lower is better", changed("quality_gate.higher_is_better", False)),
        ("threshold as a string", changed("quality_gate.threshold", "0.75")),
        ("direction missing", changed("quality_gate.higher_is_better", delete=True)),
        ("unknown gate key", changed("quality_gate.min_delta", 0.01)),
        ("data location in the config", changed("data", {"train": "s3://elsewhere/train/"})),
        ("instance override in the config", changed("instance_type", "ml.p3.16xlarge")),
    ],
)
def test_invalid_config_is_rejected(name, config):
    assert errors(config), f"{name}: the schema accepted {json.dumps(config)}"


def test_lower_is_better_metric_is_accepted():
    config = copy.deepcopy(EXAMPLE)
    config["hyperparameters"].update(objective="reg:squarederror", eval_metric="rmse")
    config["quality_gate"] = {"metric": "validation:rmse", "threshold": 0.3, "higher_is_better": False}
    assert errors(config) == []
    config["quality_gate"]["higher_is_better"] = True
    assert errors(config)
