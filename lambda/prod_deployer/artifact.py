"""Read the training output from the input artifact and validate it (by hand: no jsonschema in Lambda).

The shape is pipeline/schemas/training-output.schema.json; tests/lambda checks that this validator and the
schema agree on the example outputs.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeGuard

from .errors import JobFailed, PermissionDenied, classify_client_error, error_code

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


MAX_ARTIFACT_BYTES = 1024 * 1024  # a training output is a few hundred bytes; refuse anything absurd

MODEL_DATA_URL = re.compile(r"^s3://[a-z0-9.-]{3,63}/.+/model\.tar\.gz$")
TRAINING_JOB_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
# An S3 version ID is an opaque string of up to 1,024 printable characters (S3 API Reference, "GetObject",
# versionId); S3's additional checksum ChecksumSHA256 is the base64 of the 32-byte digest (44 characters).
S3_VERSION_ID = re.compile(r"^[!-~]{1,1024}$")
SHA256_BASE64 = re.compile(r"^[A-Za-z0-9+/]{43}=$")
SFN_EXECUTION_ARN = re.compile(r"^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[\w-]+:[\w-]+$")


@dataclass(frozen=True)
class QualityGate:
    metric: str
    value: float
    threshold: float  # the effective threshold: the stricter of the platform's floor and the configuration's


@dataclass(frozen=True)
class TrainingOutput:
    model_data_url: str
    training_job_name: str
    image_uri: str
    metrics: tuple[tuple[str, float], ...]
    quality_gate: QualityGate
    # The model object as the Train stage pinned it: its S3 version and S3's SHA-256 of that version.
    model_version_id: str
    model_sha256: str
    training_execution_arn: str
    # Everything else the training output says (the gate's floor and configured threshold, the data versions),
    # kept as given for the release record.
    raw: dict[str, Any]


REQUIRED_FIELDS = (
    "model_data_url",
    "model_version_id",
    "model_sha256",
    "training_job_name",
    "training_execution_arn",
    "image_uri",
    "metrics",
    "quality_gate",
)


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


# The string fields and the message for a value that breaks their rule ({value!r} is the value found).
STRING_FIELDS = (
    (
        "model_data_url",
        MODEL_DATA_URL,
        "model_data_url must be s3://<bucket>/<key>/model.tar.gz, got {value!r}",
    ),
    (
        "training_job_name",
        TRAINING_JOB_NAME,
        "training_job_name is not a SageMaker training job name: {value!r}",
    ),
    ("model_version_id", S3_VERSION_ID, "model_version_id must be an S3 version ID, got {value!r}"),
    (
        "model_sha256",
        SHA256_BASE64,
        "model_sha256 must be the base64 SHA-256 S3 reports (ChecksumSHA256), got {value!r}",
    ),
    (
        "training_execution_arn",
        SFN_EXECUTION_ARN,
        "training_execution_arn must be a Step Functions execution ARN, got {value!r}",
    ),
    ("image_uri", re.compile(r"^.+$", re.DOTALL), "image_uri must be a non-empty string"),
)


def _metrics(raw: Any, problems: list[str]) -> tuple[tuple[str, float], ...]:
    if not isinstance(raw, list):
        problems.append("metrics must be a list")
        return ()
    metrics: list[tuple[str, float]] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            problems.append(f"metrics[{i}] must be an object")
            continue
        metric_name, value = item.get("MetricName"), item.get("Value")
        if not isinstance(metric_name, str):
            problems.append(f"metrics[{i}].MetricName must be a string")
        if not _is_number(value):
            problems.append(f"metrics[{i}].Value must be a number")
        if isinstance(metric_name, str) and _is_number(value):
            metrics.append((metric_name, float(value)))
    return tuple(metrics)


def _quality_gate(gate: Any, problems: list[str]) -> QualityGate:
    if not isinstance(gate, dict):
        problems.append("quality_gate must be an object")
        return QualityGate("", 0.0, 0.0)
    found = len(problems)
    if not isinstance(gate.get("metric"), str):
        problems.append("quality_gate.metric must be a string")
    for key in ("value", "threshold"):
        if not _is_number(gate.get(key)):
            problems.append(f"quality_gate.{key} must be a number")
    if len(problems) > found:
        return QualityGate("", 0.0, 0.0)
    return QualityGate(gate["metric"], float(gate["value"]), float(gate["threshold"]))


def validate_training_output(obj: Any) -> TrainingOutput:
    """Check ``obj`` against the training-output schema; JobFailed lists every violation."""
    if not isinstance(obj, dict):
        raise JobFailed(f"training output must be a JSON object, got {type(obj).__name__}")
    problems = [f"{name} is required" for name in REQUIRED_FIELDS if name not in obj]
    for name, pattern, message in STRING_FIELDS:
        value = obj.get(name)
        if name in obj and (not isinstance(value, str) or not pattern.match(value)):
            problems.append(message.format(value=value))
    metrics = _metrics(obj["metrics"], problems) if "metrics" in obj else ()
    gate = _quality_gate(obj["quality_gate"], problems) if "quality_gate" in obj else None
    if problems or gate is None:
        raise JobFailed("training output does not match training-output.schema.json: " + "; ".join(problems))
    return TrainingOutput(
        model_data_url=obj["model_data_url"],
        training_job_name=obj["training_job_name"],
        image_uri=obj["image_uri"],
        metrics=metrics,
        quality_gate=gate,
        model_version_id=obj["model_version_id"],
        model_sha256=obj["model_sha256"],
        training_execution_arn=obj["training_execution_arn"],
        raw=obj,
    )


def decode_artifact(body: bytes) -> Any:
    """The JSON in an artifact: a zip holding exactly one JSON file (any name), or a bare JSON object."""
    if len(body) > MAX_ARTIFACT_BYTES:
        raise JobFailed(
            f"input artifact is {len(body)} bytes; a training output is expected to be under 1 MiB"
        )
    if body[:4] == b"PK\x03\x04" or body[:4] == b"PK\x05\x06":
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                files = [i for i in archive.infolist() if not i.is_dir()]
                if len(files) != 1:
                    names = ", ".join(i.filename for i in files) or "none"
                    raise JobFailed(f"input artifact zip must hold exactly one JSON file, found: {names}")
                if files[0].file_size > MAX_ARTIFACT_BYTES:
                    raise JobFailed(f"{files[0].filename} in the input artifact is larger than 1 MiB")
                name, text = files[0].filename, archive.read(files[0])
        except zipfile.BadZipFile as exc:
            raise JobFailed(f"input artifact is not a readable zip: {exc}") from None
    else:
        name, text = "(bare object)", body
    try:
        return json.loads(text.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise JobFailed(f"input artifact {name} is not valid JSON: {exc}") from None


def read_training_output(s3: S3Client, bucket: str, key: str) -> TrainingOutput:
    """Fetch s3://bucket/key with the job's artifact credentials and parse the training output."""
    try:
        response = s3.get_object(Bucket=bucket, Key=key)
        body = response["Body"].read(MAX_ARTIFACT_BYTES + 1)
    except Exception as exc:
        code = error_code(exc)
        if code in ("NoSuchKey", "NoSuchBucket", "404", "NotFound"):
            raise JobFailed(f"input artifact s3://{bucket}/{key} does not exist ({code})") from None
        if code in ("AccessDenied", "403", "Forbidden"):
            raise PermissionDenied(
                f"cannot read input artifact s3://{bucket}/{key} with the job's artifact credentials ({code})"
            ) from None
        if code:
            raise classify_client_error(exc, f"reading input artifact s3://{bucket}/{key}") from None
        raise
    return validate_training_output(decode_artifact(body))
