"""The CodePipeline job event and the action's user parameters."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .config import IAM_ROLE_ARN
from .errors import CannotReport, ConfigurationError, JobFailed

JOB_ID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
EXECUTION_ID = re.compile(r"^[0-9a-zA-Z-]{1,100}$")
SFN_EXECUTION_ARN = re.compile(r"^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[\w-]+:[\w-]+$")


@dataclass(frozen=True)
class ArtifactCredentials:
    access_key_id: str
    secret_access_key: str
    session_token: str

    def __repr__(self) -> str:  # never print secrets, even by accident
        return "ArtifactCredentials(***)"


@dataclass(frozen=True)
class Approved:
    """What the approver saw (the Verify action's output variables), passed to Deploy by the pipeline."""

    training_job_name: str
    model_version_id: str
    model_sha256: str


@dataclass(frozen=True)
class UserParameters:
    callback_role_arn: str
    pipeline_execution_id: str | None
    training_execution_arn: str | None
    # "verify" (before the approval: pin and store the model, report the evidence) or "deploy" (after it).
    mode: str = "deploy"
    source_revision: str | None = None
    approved: Approved | None = None


MODES = ("verify", "deploy")
KNOWN_PARAMETERS = frozenset(
    {
        "callback_role_arn",
        "pipeline_execution_id",
        "training_execution_arn",
        "mode",
        "source_revision",
        "approved",
    }
)
# A CodeCommit or Git commit ID, or an S3 object version ID (the source action's CommitId / VersionId).
SOURCE_REVISION = re.compile(r"^[!-~]{1,1024}$")


@dataclass(frozen=True)
class Job:
    id: str
    account_id: str | None
    bucket: str
    key: str
    credentials: ArtifactCredentials
    encryption_key_id: str | None
    continuation_token: str | None
    raw_user_parameters: str | None


def job_id_of(event: Any) -> str:
    """The job id, or CannotReport when the event is not a CodePipeline job (nothing can be answered)."""
    try:
        job_id = event["CodePipeline.job"]["id"]
    except (KeyError, TypeError):
        raise CannotReport("event is not a CodePipeline job event: no CodePipeline.job.id") from None
    if not isinstance(job_id, str) or not JOB_ID.match(job_id):
        raise CannotReport(f"CodePipeline.job.id is not a job id: {job_id!r}")
    return job_id


def raw_user_parameters(event: Any) -> str | None:
    try:
        value = event["CodePipeline.job"]["data"]["actionConfiguration"]["configuration"]["UserParameters"]
    except (KeyError, TypeError):
        return None
    return value if isinstance(value, str) else None


def parse_user_parameters(raw: str | None) -> UserParameters:
    """Validate the UserParameters JSON string (see docs/interfaces.md)."""
    if raw is None or not raw.strip():
        raise ConfigurationError(
            "action user parameters are missing: expected a JSON object with callback_role_arn"
        )
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigurationError(
            f"action user parameters are not valid JSON: {exc.msg} at position {exc.pos}"
        ) from None
    if not isinstance(obj, dict):
        raise ConfigurationError("action user parameters must be a JSON object")
    problems: list[str] = []
    role = obj.get("callback_role_arn")
    if not role:
        problems.append("user parameter callback_role_arn is required")
    elif not isinstance(role, str) or not IAM_ROLE_ARN.match(role):
        problems.append(f"user parameter callback_role_arn must be an IAM role ARN, got {role!r}")
    execution_id = obj.get("pipeline_execution_id")
    if execution_id is not None and (
        not isinstance(execution_id, str) or not EXECUTION_ID.match(execution_id)
    ):
        problems.append(
            f"user parameter pipeline_execution_id is not a pipeline execution id: {execution_id!r}"
        )
    training_arn = obj.get("training_execution_arn")
    if training_arn is not None and (
        not isinstance(training_arn, str) or not SFN_EXECUTION_ARN.match(training_arn)
    ):
        problems.append(
            f"user parameter training_execution_arn is not a Step Functions execution ARN: {training_arn!r}"
        )
    mode = obj.get("mode")
    if mode not in MODES:
        problems.append(f"user parameter mode must be one of {', '.join(MODES)}, got {mode!r}")
    revision = obj.get("source_revision")
    if revision is not None and (not isinstance(revision, str) or not SOURCE_REVISION.match(revision)):
        problems.append(f"user parameter source_revision is not a commit ID or S3 version ID: {revision!r}")
    approved = _approved(obj.get("approved"), mode, problems)
    unknown = sorted(set(obj) - KNOWN_PARAMETERS)
    if unknown:
        problems.append(f"unknown user parameters: {', '.join(unknown)}")
    if problems:
        raise ConfigurationError("invalid action user parameters: " + "; ".join(problems))
    return UserParameters(str(role), execution_id, training_arn, str(mode), revision, approved)


def _approved(value: Any, mode: Any, problems: list[str]) -> Approved | None:
    """``approved`` is required to deploy (what was approved) and meaningless before the approval."""
    if mode != "deploy":
        if value is not None:
            problems.append(
                "user parameter approved is only for mode deploy (the Verify action has no approval)"
            )
        return None
    fields = ("training_job_name", "model_version_id", "model_sha256")
    if not isinstance(value, dict) or not all(isinstance(value.get(f), str) and value[f] for f in fields):
        problems.append(
            "user parameter approved must be an object with training_job_name, model_version_id and "
            "model_sha256 (the Verify action's output variables #{Evidence.*}), got " + repr(value)[:200]
        )
        return None
    return Approved(value["training_job_name"], value["model_version_id"], value["model_sha256"])


def parse_job(event: Any) -> Job:
    """The parts of the job event the deployer uses; a malformed event is a ConfigurationError."""
    job_id = job_id_of(event)
    job = event["CodePipeline.job"]
    data = job.get("data")
    if not isinstance(data, dict):
        raise ConfigurationError("job event has no data section")
    artifacts = data.get("inputArtifacts")
    if not isinstance(artifacts, list) or not artifacts:
        raise ConfigurationError(
            "the deploy action has no input artifact: give it the Train stage's output artifact"
        )
    try:
        location = artifacts[0]["location"]["s3Location"]
        bucket, key = location["bucketName"], location["objectKey"]
    except (KeyError, TypeError):
        raise ConfigurationError("input artifact has no S3 location (bucketName, objectKey)") from None
    if not isinstance(bucket, str) or not bucket or not isinstance(key, str) or not key:
        raise ConfigurationError("input artifact S3 location is empty")
    # Anything but a mapping with both keys is refused below (KeyError, TypeError, AttributeError).
    creds: Any = data.get("artifactCredentials")
    try:
        credentials = ArtifactCredentials(
            creds["accessKeyId"], creds["secretAccessKey"], creds.get("sessionToken", "")
        )
    except (KeyError, TypeError, AttributeError):
        raise ConfigurationError("job event has no artifactCredentials") from None
    key_info = data.get("encryptionKey") or {}
    token = data.get("continuationToken")
    if token is not None and not isinstance(token, str):
        raise JobFailed("continuationToken in the job event is not a string")
    return Job(
        id=job_id,
        account_id=job.get("accountId"),
        bucket=bucket,
        key=key,
        credentials=credentials,
        encryption_key_id=key_info.get("id") if isinstance(key_info, dict) else None,
        continuation_token=token or None,
        raw_user_parameters=raw_user_parameters(event),
    )
