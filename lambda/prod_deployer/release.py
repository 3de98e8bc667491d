"""The release: who approved the model (A's action history), its version in C's model package group, and the
release record (pipeline/schemas/release-record.schema.json) kept in C's model store.

The record is written twice under ``releases/<pipeline execution id>.json`` (the store is versioned): status
``deploying`` before the endpoint changes, ``serving`` once it is InService with the release's config, when
``releases/current.json`` gets the same record. So ``aws s3 cp s3://<store>/releases/current.json -`` answers
"what runs in production, and who approved it".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .artifact import TrainingOutput
from .config import Settings
from .errors import JobFailed, classify_client_error
from .logs import JsonLogger
from .provenance import RELEASES_PREFIX, StoredModel

if TYPE_CHECKING:
    from mypy_boto3_codepipeline import CodePipelineClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sagemaker import SageMakerClient

SCHEMA = "release-record/1"
CURRENT_KEY = f"{RELEASES_PREFIX}current.json"
# CustomerMetadataProperties: at most 50 entries, keys up to 128 and values up to 256 characters (SageMaker
# API Reference, "CreateModelPackage",
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModelPackage.html).
MAX_METADATA_VALUE = 256
PACKAGES_SEARCHED = 20  # a retry finds its own package among the group's newest versions


@dataclass(frozen=True)
class Approval:
    approved_by: str
    approved_at: str
    summary: str


def _iso(value: Any) -> str:
    return value.astimezone(UTC).isoformat() if isinstance(value, datetime) else str(value)


def now() -> str:
    return datetime.now(UTC).isoformat()


def find_approval(codepipeline: CodePipelineClient, pipeline: str, execution_id: str) -> Approval:
    """The manual approval of this pipeline execution, from A's action history (ListActionExecutions, through
    the callback role). ``updatedBy`` is the identity that answered it ("ActionExecutionDetail", CodePipeline
    API Reference, https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ActionExecutionDetail.html)."""
    details: list[Any] = []
    kwargs: dict[str, Any] = {"pipelineName": pipeline, "filter": {"pipelineExecutionId": execution_id}}
    try:
        while True:
            page = codepipeline.list_action_executions(**kwargs)
            details.extend(page.get("actionExecutionDetails", []))
            if not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
    except Exception as exc:
        raise classify_client_error(exc, f"ListActionExecutions of pipeline {pipeline}") from None
    for detail in details:
        kind = (detail.get("input") or {}).get("actionTypeId") or {}
        if kind.get("category") == "Approval" and detail.get("status") == "Succeeded":
            result = (detail.get("output") or {}).get("executionResult") or {}
            return Approval(
                approved_by=str(detail.get("updatedBy", "")),
                approved_at=_iso(detail.get("lastUpdateTime", "")),
                summary=str(result.get("externalExecutionSummary", "")),
            )
    raise JobFailed(
        f"pipeline {pipeline} execution {execution_id} has no succeeded manual approval in its action "
        "history: the deployer deploys only an approved model"
    )


def release_record(
    settings: Settings,
    execution_id: str,
    source_revision: str | None,
    training: TrainingOutput,
    stored: StoredModel,
    approval: Approval,
) -> dict[str, Any]:
    """The record before the endpoint changes; ``package``, ``endpoint`` and ``deployed_at`` follow."""
    return {
        "schema": SCHEMA,
        "status": "deploying",
        "pipeline": {
            "name": settings.provenance.pipeline_name,
            "execution_id": execution_id,
            "source_revision": source_revision,
        },
        "training": {
            "execution_arn": training.training_execution_arn,
            "job_name": training.training_job_name,
            "data": training.raw.get("data"),
            "metrics": [{"MetricName": n, "Value": v} for n, v in training.metrics],
        },
        "quality_gate": training.raw["quality_gate"],
        "model": {
            "source_url": training.model_data_url,
            "source_version_id": training.model_version_id,
            "sha256": stored.sha256,
            "sha256_hex": stored.sha256_hex,
            "store_url": stored.url,
            "store_version_id": stored.version_id,
            "image_uri": settings.provenance.image_uri,
        },
        "approval": {
            "approved_by": approval.approved_by,
            "approved_at": approval.approved_at,
            "summary": approval.summary,
        },
        "recorded_at": now(),
    }


def _metadata(record: dict[str, Any]) -> dict[str, str]:
    gate = record["quality_gate"]
    values = {
        "pipeline_execution_id": record["pipeline"]["execution_id"],
        "source_revision": record["pipeline"]["source_revision"] or "",
        "training_execution_arn": record["training"]["execution_arn"],
        "training_job_name": record["training"]["job_name"],
        "model_sha256": record["model"]["sha256"],
        "gate_metric": gate.get("metric", ""),
        "gate_value": str(gate.get("value", "")),
        "gate_threshold": str(gate.get("threshold", "")),
        "approved_by": record["approval"]["approved_by"],
        "approved_at": record["approval"]["approved_at"],
        "release_record": record["release_record_url"],
    }
    return {k: str(v)[:MAX_METADATA_VALUE] for k, v in values.items()}


def ensure_package(sm: SageMakerClient, settings: Settings, record: dict[str, Any], log: JsonLogger) -> str:
    """One Approved model package version per release, pointing at C's copy; a retry finds the one it made."""
    group = settings.provenance.package_group
    execution_id = record["pipeline"]["execution_id"]
    try:
        listed = sm.list_model_packages(
            ModelPackageGroupName=group,
            SortBy="CreationTime",
            SortOrder="Descending",
            MaxResults=PACKAGES_SEARCHED,
        )
        for summary in listed.get("ModelPackageSummaryList", []):
            arn = summary["ModelPackageArn"]
            described = sm.describe_model_package(ModelPackageName=arn)
            meta = described.get("CustomerMetadataProperties") or {}
            if (
                meta.get("pipeline_execution_id") == execution_id
                and meta.get("model_sha256") == record["model"]["sha256"]
            ):
                log.info("model_package_exists", model_package=arn)
                return arn
    except Exception as exc:
        raise classify_client_error(exc, f"looking up the releases in model package group {group}") from None
    try:
        with log.timed("create_model_package", group=group, model_data=record["model"]["store_url"]):
            created = sm.create_model_package(
                ModelPackageGroupName=group,
                ModelPackageDescription=(
                    f"Release of pipeline execution {execution_id}: training job "
                    f"{record['training']['job_name']}, SHA-256 {record['model']['sha256_hex']}"
                ),
                InferenceSpecification={
                    "Containers": [
                        {"Image": record["model"]["image_uri"], "ModelDataUrl": record["model"]["store_url"]}
                    ],
                    "SupportedContentTypes": ["text/csv"],
                    "SupportedResponseMIMETypes": ["text/csv"],
                },
                # The pipeline's manual approval already happened (find_approval): the package records it.
                ModelApprovalStatus="Approved",
                CustomerMetadataProperties=_metadata(record),
            )
    except Exception as exc:
        raise classify_client_error(exc, f"CreateModelPackage in group {group}") from None
    return str(created["ModelPackageArn"])


def _put(s3: S3Client, bucket: str, key: str, record: dict[str, Any]) -> None:
    try:
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=json.dumps(record, indent=2, sort_keys=True).encode(),
            ContentType="application/json",
            ChecksumAlgorithm="SHA256",
        )
    except Exception as exc:
        raise classify_client_error(exc, f"writing the release record s3://{bucket}/{key}") from None


def record_key(execution_id: str) -> str:
    return f"{RELEASES_PREFIX}{execution_id}.json"


def write_pending(s3: S3Client, bucket: str, record: dict[str, Any]) -> None:
    _put(s3, bucket, record_key(record["pipeline"]["execution_id"]), record)


def write_serving(s3: S3Client, bucket: str, execution_id: str, log: JsonLogger) -> dict[str, Any]:
    """Mark the release serving: its own record and releases/current.json."""
    key = record_key(execution_id)
    try:
        record: dict[str, Any] = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    except Exception as exc:
        raise classify_client_error(exc, f"reading the release record s3://{bucket}/{key}") from None
    if record.get("status") != "serving":
        record.update(status="serving", deployed_at=now())
        _put(s3, bucket, key, record)
    _put(s3, bucket, CURRENT_KEY, record)
    log.info("release_recorded", record=f"s3://{bucket}/{key}", current=f"s3://{bucket}/{CURRENT_KEY}")
    return record
