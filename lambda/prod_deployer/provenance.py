"""What production may serve: the model that training pinned, that account C copied and verified itself, and
that the approver saw.

- ``check_inputs``: the training output may name only the model of its own training job in A's bucket and only
  the image C resolved (MODEL_IMAGE_URI); the artifact is written by B's action role, so nothing in it is
  trusted that C can decide itself.
- ``check_approved``: after the approval, the artifact must still name what was approved (the Verify action's
  output variables, which the pipeline passes to Deploy).
- ``ensure_stored``: copies exactly the pinned S3 version from A into C's model store and compares S3's own
  SHA-256 of the copy with the one training recorded. Models live there under ``models/<sha256 hex>/``, so a
  key always holds the bytes its name says, and only the deployer writes the store: a production model never
  depends on an object another account can write. SageMaker reads the model again at every instance launch
  (CreateModel, ModelDataUrl), which is why it must be an object nobody else can replace.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .artifact import TrainingOutput
from .config import Provenance
from .errors import JobFailed, classify_client_error, error_code
from .event import Approved
from .logs import JsonLogger

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CopySourceTypeDef

INCOMING_PREFIX = "incoming/"  # unverified copies; nothing reads them but the deployer
MODELS_PREFIX = "models/"  # verified copies, content-addressed; the only prefix SageMaker reads
RELEASES_PREFIX = "releases/"


@dataclass(frozen=True)
class StoredModel:
    bucket: str
    key: str
    version_id: str
    sha256: str  # base64, as S3 reports ChecksumSHA256

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    @property
    def sha256_hex(self) -> str:
        return base64.b64decode(self.sha256).hex()


def check_inputs(training: TrainingOutput, provenance: Provenance) -> None:
    """Refuse a training output naming another model or image than C allows; the message names the field."""
    problems: list[str] = []
    name = training.training_job_name
    if not name.startswith(f"{provenance.training_job_prefix}-"):
        problems.append(
            f"training_job_name {name!r} does not start with {provenance.training_job_prefix}-: only the "
            "training state machine's jobs are deployed"
        )
    allowed = provenance.allowed_model_data_url(name)
    if training.model_data_url != allowed:
        problems.append(
            f"model_data_url is {training.model_data_url!r}; the deployer accepts only {allowed} (the model "
            f"of training job {name} in A's artifact bucket)"
        )
    if training.image_uri != provenance.image_uri:
        problems.append(
            f"image_uri is {training.image_uri!r}; production runs only {provenance.image_uri} "
            "(MODEL_IMAGE_URI, which account C resolves for its pinned XGBoost version: align "
            "xgboost_image_tag in envs/training and envs/production)"
        )
    if problems:
        raise JobFailed("training output refused: " + "; ".join(problems))


def check_approved(training: TrainingOutput, approved: Approved) -> None:
    """The artifact must still name the approved model; B's action role can rewrite it after the approval."""
    changed = [
        f"{field} is {getattr(training, field)!r} but the approved one is {getattr(approved, field)!r}"
        for field in ("training_job_name", "model_version_id", "model_sha256")
        if getattr(training, field) != getattr(approved, field)
    ]
    if changed:
        raise JobFailed(
            "the training output changed after the approval: "
            + "; ".join(changed)
            + ". Nothing was deployed and the endpoint keeps its model; run the pipeline again to approve "
            "a new one"
        )


def _stored_checksum(s3: S3Client, bucket: str, key: str) -> tuple[str, str] | None:
    """(ChecksumSHA256, VersionId) of the current object at key, or None when there is none."""
    try:
        head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    except Exception as exc:
        if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
            return None
        raise classify_client_error(exc, f"HeadObject s3://{bucket}/{key}") from None
    return str(head.get("ChecksumSHA256", "")), str(head.get("VersionId", ""))


def _copy(s3: S3Client, source: CopySourceTypeDef, bucket: str, key: str, log: JsonLogger) -> tuple[str, str]:
    """Server-side copy with S3 computing the SHA-256 of the bytes it copied (a single-request CopyObject, up
    to 5 GB, gets a full-object checksum: S3 User Guide, "Checking object integrity in Amazon S3",
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html). No encryption
    header: the store bucket's default encryption is its own CMK, and its policy denies any other key."""
    where = f"s3://{source['Bucket']}/{source['Key']}?versionId={source.get('VersionId')}"
    try:
        with log.timed("copy_model", source=where, destination=f"s3://{bucket}/{key}"):
            copied = s3.copy_object(Bucket=bucket, Key=key, CopySource=source, ChecksumAlgorithm="SHA256")
    except Exception as exc:
        if error_code(exc) in ("NoSuchKey", "NoSuchVersion", "404"):
            raise JobFailed(
                f"model {where} does not exist: the training output names a version S3 does not have"
            ) from None
        raise classify_client_error(exc, f"CopyObject {where} to s3://{bucket}/{key}") from None
    return str(copied.get("CopyObjectResult", {}).get("ChecksumSHA256", "")), str(copied.get("VersionId", ""))


def ensure_stored(
    s3: S3Client, training: TrainingOutput, provenance: Provenance, log: JsonLogger
) -> StoredModel:
    """C's verified copy of the pinned model, made now unless it exists (a retry, or the same model again)."""
    digest = base64.b64decode(training.model_sha256).hex()
    bucket = provenance.store_bucket
    key = f"{MODELS_PREFIX}{digest}/model.tar.gz"
    existing = _stored_checksum(s3, bucket, key)
    if existing and existing[0] == training.model_sha256:
        log.info("model_already_stored", key=key, version_id=existing[1])
        return StoredModel(bucket, key, existing[1], training.model_sha256)
    source_bucket, _, source_key = training.model_data_url.removeprefix("s3://").partition("/")
    incoming = f"{INCOMING_PREFIX}{training.training_job_name}/model.tar.gz"
    pinned: CopySourceTypeDef = {
        "Bucket": source_bucket,
        "Key": source_key,
        "VersionId": training.model_version_id,
    }
    checksum, _ = _copy(s3, pinned, bucket, incoming, log)
    if checksum != training.model_sha256:
        raise JobFailed(
            f"model_sha256 is {training.model_sha256} but S3's SHA-256 of {training.model_data_url} version "
            f"{training.model_version_id} is {checksum or 'missing'}: the training output does not describe "
            "these bytes; nothing was stored"
        )
    # Only verified bytes reach models/: the unverified copy above can never replace a model in use.
    # incoming/ is written by the deployer alone and the QUEUED pipeline runs one job at a time, so its
    # current object is the one just checked; S3's checksum of the second copy is compared again all the same.
    checksum, version = _copy(s3, {"Bucket": bucket, "Key": incoming}, bucket, key, log)
    if checksum != training.model_sha256:
        raise JobFailed(
            f"S3's SHA-256 of the stored copy s3://{bucket}/{key} is {checksum}, not {training.model_sha256}"
        )
    return StoredModel(bucket, key, version, checksum)
