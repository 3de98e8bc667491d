"""The training-output contract: the schema file (owned jointly with modules/training-sfn), the example, and
the deployer's hand-written validator (no jsonschema in the Lambda runtime) must agree."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from deployer_testkit import EXAMPLE_OUTPUT, ROOT, zip_bytes

from prod_deployer.artifact import decode_artifact, validate_training_output
from prod_deployer.errors import JobFailed

SCHEMA = json.loads((ROOT / "pipeline" / "schemas" / "training-output.schema.json").read_text())


def examples() -> list[Any]:
    """Our fixture plus any ``examples`` the schema itself carries."""
    return [EXAMPLE_OUTPUT, *SCHEMA.get("examples", [])]


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("example", examples())
def test_example_matches_the_schema_and_the_deployer_parses_it(example: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(example)
    parsed = validate_training_output(example)
    assert parsed.model_data_url == example["model_data_url"]
    assert parsed.training_job_name == example["training_job_name"]
    assert parsed.image_uri == example["image_uri"]
    assert parsed.quality_gate.metric == example["quality_gate"]["metric"]
    assert [m for m, _ in parsed.metrics] == [m["MetricName"] for m in example["metrics"]]


def _mutations() -> list[tuple[str, Any]]:
    def without(key: str) -> Any:
        doc = copy.deepcopy(EXAMPLE_OUTPUT)
        del doc[key]
        return doc

    def with_(path: list[Any], value: Any) -> Any:
        doc = copy.deepcopy(EXAMPLE_OUTPUT)
        target = doc
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
        return doc

    cases = [(f"missing {k}", without(k)) for k in SCHEMA["required"]]
    cases += [
        ("url not s3", with_(["model_data_url"], "https://x/y/model.tar.gz")),
        ("url not model.tar.gz", with_(["model_data_url"], "s3://bucket/models/x/output/model.zip")),
        ("url bucket only", with_(["model_data_url"], "s3://bucket/model.tar.gz")),
        ("job name leading hyphen", with_(["training_job_name"], "-abc")),
        ("job name too long", with_(["training_job_name"], "a" * 64)),
        ("job name underscore", with_(["training_job_name"], "a_b")),
        ("image empty", with_(["image_uri"], "")),
        ("metrics not list", with_(["metrics"], {})),
        ("metric value string", with_(["metrics", 0, "Value"], "0.9")),
        ("metric value bool", with_(["metrics", 0, "Value"], True)),
        ("metric no name", with_(["metrics", 0], {"Value": 1})),
        ("gate value missing", with_(["quality_gate"], {"metric": "m", "threshold": 1})),
        ("gate threshold null", with_(["quality_gate", "threshold"], None)),
        ("not an object", ["a"]),
    ]
    return cases


@pytest.mark.parametrize(("name", "doc"), _mutations(), ids=[n for n, _ in _mutations()])
def test_validator_and_schema_reject_the_same_documents(name: str, doc: Any) -> None:
    assert not jsonschema.Draft202012Validator(SCHEMA).is_valid(doc), f"schema accepts {name}"
    with pytest.raises(JobFailed):
        validate_training_output(doc)


def test_extra_fields_are_accepted_like_the_schema() -> None:
    doc = {**EXAMPLE_OUTPUT, "extra": {"anything": 1}}
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    validate_training_output(doc)


def test_decode_zip_with_directory_entry_and_bom() -> None:
    body = zip_bytes(
        {"dir/": b"", "dir/any-name.txt": "\ufeff".encode() + json.dumps(EXAMPLE_OUTPUT).encode()}
    )
    assert decode_artifact(body) == EXAMPLE_OUTPUT


def test_decode_refuses_huge_artifacts() -> None:
    with pytest.raises(JobFailed, match="under 1 MiB"):
        decode_artifact(b" " * (1024 * 1024 + 1))


def test_schema_file_is_where_the_interfaces_doc_says() -> None:
    assert Path(ROOT / "pipeline" / "schemas" / "training-output.schema.json").is_file()
