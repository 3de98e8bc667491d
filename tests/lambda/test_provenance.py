"""Production serves exactly the approved model: the Verify mode pins and stores it, Deploy refuses anything
else, and every release leaves a record (moto in-process, see deployer_testkit.py)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jsonschema
import pytest
from deployer_testkit import (
    APPROVER,
    ARTIFACT_BUCKET,
    EXAMPLE_OUTPUT,
    EXECUTION_ID,
    IMAGE,
    PIPELINE,
    STORE_BUCKET,
    World,
    failure,
    package_arn,
    sha256_b64,
)

ROOT = Path(__file__).resolve().parents[2]
RECORD_SCHEMA = json.loads((ROOT / "pipeline" / "schemas" / "release-record.schema.json").read_text())
MODEL_BYTES = b"the approved model"


def stored_key(data: bytes) -> str:
    return f"models/{hashlib.sha256(data).hexdigest()}/model.tar.gz"


def read(world: World, key: str, bucket: str = STORE_BUCKET) -> bytes:
    return world.s3_c.get_object(Bucket=bucket, Key=key)["Body"].read()


def verify(world: World, output: dict) -> None:
    world.put_artifact(output, pin=False)
    world.run(world.event(user_parameters=world.user_parameters("verify")))


def test_verify_stores_the_pinned_version_and_reports_the_evidence(world: World) -> None:
    pinned = world.put_model(EXAMPLE_OUTPUT, MODEL_BYTES)
    verify(world, pinned)

    kind, answer = world.recorder.only()
    assert kind == "put_job_success_result"
    assert answer["outputVariables"] == {
        "model_sha256": sha256_b64(MODEL_BYTES),
        "model_sha256_hex": hashlib.sha256(MODEL_BYTES).hexdigest(),
        "model_version_id": pinned["model_version_id"],
        "training_job_name": EXAMPLE_OUTPUT["training_job_name"],
        "gate_metric": "validation:auc",
        "gate_value": "0.912",
        "gate_threshold": "0.8",
        "model_store_url": f"s3://{STORE_BUCKET}/{stored_key(MODEL_BYTES)}",
    }
    assert read(world, stored_key(MODEL_BYTES)) == MODEL_BYTES
    assert world.sim.mutating_calls() == []  # nothing in SageMaker before the approval


def test_verify_refuses_a_hash_that_does_not_describe_the_pinned_bytes(world: World) -> None:
    pinned = world.put_model(EXAMPLE_OUTPUT, MODEL_BYTES)
    verify(world, dict(pinned, model_sha256=sha256_b64(b"other bytes")))

    kind, answer = world.recorder.only()
    assert kind == "put_job_failure_result"
    assert answer["failureDetails"]["message"].startswith(
        f"model_sha256 is {sha256_b64(b'other bytes')} but S3's SHA-256 of {pinned['model_data_url']} "
        f"version {pinned['model_version_id']} is {sha256_b64(MODEL_BYTES)}"
    )
    listed = world.s3_c.list_objects_v2(Bucket=STORE_BUCKET, Prefix="models/")
    assert listed["KeyCount"] == 0  # only the unverified incoming/ copy exists


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"image_uri": "999999999999.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"}, "image_uri"),
        (
            {"model_data_url": f"s3://{ARTIFACT_BUCKET}/models/mlops-train-other/output/model.tar.gz"},
            "model_data_url",
        ),
        ({"model_data_url": "s3://somebody-elses-bucket/models/x/output/model.tar.gz"}, "model_data_url"),
        ({"training_job_name": "someone-else-1"}, "training_job_name"),
    ],
    ids=["foreign-image", "other-job-model", "other-bucket", "foreign-job"],
)
def test_only_allowed_inputs_are_accepted(world: World, change: dict, field: str) -> None:
    verify(world, dict(world.put_model(EXAMPLE_OUTPUT, MODEL_BYTES), **change))
    kind, answer = world.recorder.only()
    assert kind == "put_job_failure_result"
    message = answer["failureDetails"]["message"]
    assert message.startswith("training output refused: ") and f"{field} " in message
    assert world.s3_c.list_objects_v2(Bucket=STORE_BUCKET)["KeyCount"] == 0


def test_deploy_refuses_a_training_output_rewritten_after_the_approval(world: World) -> None:
    world.put_artifact(EXAMPLE_OUTPUT)  # approved: this output
    approved = dict(world.approved)
    other = world.put_model(EXAMPLE_OUTPUT, b"a model nobody approved")
    world.put_artifact(other, pin=False)
    world.approved = approved
    world.run()
    assert world.recorder.only() == failure(
        "JobFailed",
        "the training output changed after the approval: model_version_id is "
        f"{other['model_version_id']!r} but the approved one is {approved['model_version_id']!r}; "
        f"model_sha256 is {other['model_sha256']!r} but the approved one is {approved['model_sha256']!r}. "
        "Nothing was "
        "deployed and the endpoint keeps its model; run the pipeline again to approve a new one",
    )
    assert world.sim.mutating_calls() == []


def test_a_model_overwritten_after_the_approval_is_not_what_production_serves(world: World) -> None:
    pinned = world.put_model(EXAMPLE_OUTPUT, MODEL_BYTES)
    world.put_artifact(pinned, pin=False)  # approved: these bytes
    # B rewrites the object under models/ after the approval (a new S3 version of the same key).
    world.put_model(EXAMPLE_OUTPUT, b"swapped")
    world.run()

    assert world.recorder.only()[0] == "put_job_success_result"
    package = world.sm.describe_model_package(ModelPackageName=package_arn(1))
    (container,) = package["InferenceSpecification"]["Containers"]
    assert container == {"Image": IMAGE, "ModelDataUrl": f"s3://{STORE_BUCKET}/{stored_key(MODEL_BYTES)}"}
    assert read(world, stored_key(MODEL_BYTES)) == MODEL_BYTES


def test_every_release_is_recorded_with_its_approver(world: World) -> None:
    world.put_artifact(world.put_model(EXAMPLE_OUTPUT, MODEL_BYTES), pin=False)
    world.run()

    current = json.loads(read(world, "releases/current.json"))
    jsonschema.validate(current, RECORD_SCHEMA)
    assert current == json.loads(read(world, f"releases/{EXECUTION_ID}.json"))
    assert current["status"] == "serving"
    assert current["approval"] == {
        "approved_by": APPROVER,
        "approved_at": "2025-01-01T13:00:00+00:00",
        "summary": "AUC is fine",
    }
    assert current["pipeline"] == {
        "name": PIPELINE,
        "execution_id": EXECUTION_ID,
        "source_revision": "abc123",
    }
    assert current["model"]["sha256_hex"] == hashlib.sha256(MODEL_BYTES).hexdigest()
    assert current["quality_gate"] == EXAMPLE_OUTPUT["quality_gate"]
    assert current["training"]["data"] == EXAMPLE_OUTPUT["data"]
    assert current["package_arn"] == package_arn(1)
    (history_query,) = world.recorder.history_queries
    assert history_query == {"pipelineName": PIPELINE, "filter": {"pipelineExecutionId": EXECUTION_ID}}

    package = world.sm.describe_model_package(ModelPackageName=package_arn(1))
    assert package["ModelApprovalStatus"] == "Approved"
    assert package["CustomerMetadataProperties"]["approved_by"] == APPROVER
    assert package["CustomerMetadataProperties"]["model_sha256"] == sha256_b64(MODEL_BYTES)
    model = world.sm.describe_model(ModelName=current["endpoint"]["model"])
    assert model["PrimaryContainer"]["ModelPackageName"] == package_arn(1)


def test_no_approval_in_the_history_deploys_nothing(world: World) -> None:
    world.recorder.history = []
    world.put_artifact(EXAMPLE_OUTPUT)
    world.run()
    assert world.recorder.only() == failure(
        "JobFailed",
        f"pipeline {PIPELINE} execution {EXECUTION_ID} has no succeeded manual approval in its action "
        "history: the deployer deploys only an approved model",
    )
    assert world.sim.mutating_calls() == []
