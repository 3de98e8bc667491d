"""Deployer settings from environment variables (set by modules/prod-deployer), validated clearly."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigurationError

# SageMaker resource names: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$
SAGEMAKER_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
IAM_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
S3_URI = re.compile(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$")
ALARM_NAME = re.compile(r"^[^\x00-\x1f]{1,255}$")
INSTANCE_TYPE = re.compile(r"^ml\.[a-z0-9]+\.[a-z0-9]+$")
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
KEY_PREFIX = re.compile(r"^[\w!.*'()/-]{1,200}/$")
# <registry>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>:<tag>
IMAGE_URI = re.compile(r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/[a-z0-9._/-]+:[\w.-]+$")
PIPELINE_NAME = re.compile(r"^[A-Za-z0-9.@_-]{1,100}$")

MAX_NAME_PREFIX = 40  # leaves room for "-<slug>-<hash>" inside SageMaker's 63 characters
SERVERLESS_MEMORY_MB = (1024, 2048, 3072, 4096, 5120, 6144)


@dataclass(frozen=True)
class ServerlessSettings:
    memory_mb: int
    max_concurrency: int


@dataclass(frozen=True)
class InstanceSettings:
    instance_type: str
    instance_count: int
    canary_size_percent: int
    canary_wait_seconds: int
    rollback_alarm_names: tuple[str, ...] = ()
    data_capture_s3_uri: str | None = None


@dataclass(frozen=True)
class EndpointSettings:
    type: str  # "serverless" | "instance"
    serverless: ServerlessSettings | None = None
    instance: InstanceSettings | None = None

    @property
    def network_isolation(self) -> bool:
        """EnableNetworkIsolation of the model: on for instance endpoints, off for serverless ones.

        SageMaker Serverless Inference does not support network isolation (nor VPC configuration, data capture
        or more than one production variant): Amazon SageMaker developer guide, "Deploy models with Amazon
        SageMaker Serverless Inference", section "Feature exclusions",
        https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html. So a serverless endpoint's
        container can reach the internet; an instance endpoint's container cannot (CreateModel
        EnableNetworkIsolation, https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModel.html).
        """
        return self.type == "instance"


@dataclass(frozen=True)
class Provenance:
    """What account C itself decides about the model it serves (modules/prod-deployer sets these)."""

    store_bucket: str  # C's model store: the only place production models are read from
    package_group: str  # the SageMaker model package group of the releases
    image_uri: str  # the inference image C resolves for the pinned XGBoost version
    source_bucket: str  # A's artifact bucket, where training writes models
    source_model_prefix: str  # its models prefix ("models/")
    training_job_prefix: str  # the name prefix of B's training jobs
    pipeline_name: str  # A's pipeline, whose action history names the approver

    def allowed_model_data_url(self, training_job_name: str) -> str:
        return f"s3://{self.source_bucket}/{self.source_model_prefix}{training_job_name}/output/model.tar.gz"


@dataclass(frozen=True)
class Settings:
    endpoint_name: str
    name_prefix: str
    model_execution_role_arn: str
    callback_role_arn: str
    endpoint: EndpointSettings
    provenance: Provenance
    keep_versions: int = 0
    tags: Mapping[str, str] = field(default_factory=dict)


def _required(env: Mapping[str, str], name: str, problems: list[str]) -> str:
    value = env.get(name, "").strip()
    if not value:
        problems.append(f"environment variable {name} is required")
    return value


def _int(obj: Mapping[str, Any], key: str, where: str, lo: int, hi: int, problems: list[str]) -> int:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
        problems.append(f"{where}.{key} must be an integer between {lo} and {hi}, got {value!r}")
        return 0
    if not lo <= int(value) <= hi:
        problems.append(f"{where}.{key} must be between {lo} and {hi}, got {int(value)}")
    return int(value)


def parse_endpoint_config(raw: str, problems: list[str]) -> EndpointSettings | None:
    """Parse ENDPOINT_CONFIG: the JSON encoding of the module's ``endpoint`` variable."""
    where = "ENDPOINT_CONFIG"
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        problems.append(f"{where} is not valid JSON: {exc.msg} at position {exc.pos}")
        return None
    if not isinstance(obj, dict):
        problems.append(f"{where} must be a JSON object, got {type(obj).__name__}")
        return None
    kind = obj.get("type", "serverless")
    if kind == "serverless":
        sub = obj.get("serverless")
        if not isinstance(sub, dict):
            problems.append(f'{where}.serverless must be an object when type is "serverless"')
            return None
        memory = _int(sub, "memory_mb", f"{where}.serverless", 1024, 6144, problems)
        if memory and memory not in SERVERLESS_MEMORY_MB:
            problems.append(
                f"{where}.serverless.memory_mb must be one of {list(SERVERLESS_MEMORY_MB)}, got {memory}"
            )
        concurrency = _int(sub, "max_concurrency", f"{where}.serverless", 1, 200, problems)
        return EndpointSettings("serverless", serverless=ServerlessSettings(memory, concurrency))
    if kind == "instance":
        sub = obj.get("instance")
        if not isinstance(sub, dict):
            problems.append(f'{where}.instance must be an object when type is "instance"')
            return None
        itype = sub.get("instance_type")
        if not isinstance(itype, str) or not INSTANCE_TYPE.match(itype):
            problems.append(f"{where}.instance.instance_type must look like ml.m5.large, got {itype!r}")
        count = _int(sub, "instance_count", f"{where}.instance", 1, 100, problems)
        canary = _int(sub, "canary_size_percent", f"{where}.instance", 1, 50, problems)
        wait = _int(sub, "canary_wait_seconds", f"{where}.instance", 0, 3600, problems)
        alarms = sub.get("rollback_alarm_names") or []
        if not isinstance(alarms, list) or len(alarms) > 10:
            problems.append(f"{where}.instance.rollback_alarm_names must be a list of at most 10 alarm names")
            alarms = []
        for alarm in alarms:
            if not isinstance(alarm, str) or not ALARM_NAME.match(alarm):
                problems.append(
                    f"{where}.instance.rollback_alarm_names holds an invalid alarm name: {alarm!r}"
                )
        capture = sub.get("data_capture_s3_uri")
        if capture is not None and (not isinstance(capture, str) or not S3_URI.match(capture)):
            problems.append(
                f"{where}.instance.data_capture_s3_uri must be an s3://bucket/prefix URI, got {capture!r}"
            )
        return EndpointSettings(
            "instance",
            instance=InstanceSettings(
                instance_type=str(itype),
                instance_count=count,
                canary_size_percent=canary,
                canary_wait_seconds=wait,
                rollback_alarm_names=tuple(str(a) for a in alarms),
                data_capture_s3_uri=capture,
            ),
        )
    problems.append(f'{where}.type must be "serverless" or "instance", got {kind!r}')
    return None


def load_settings(env: Mapping[str, str]) -> Settings:
    """Read and validate every setting; raise ConfigurationError listing all problems at once."""
    problems: list[str] = []
    endpoint_name = _required(env, "ENDPOINT_NAME", problems)
    if endpoint_name and (len(endpoint_name) > 63 or not SAGEMAKER_NAME.match(endpoint_name)):
        problems.append(
            f"ENDPOINT_NAME {endpoint_name!r} is not a valid SageMaker name "
            "(1-63 characters: letters, digits, hyphens; starts and ends with a letter or digit)"
        )
    prefix = _required(env, "NAME_PREFIX", problems)
    if prefix and (len(prefix) > MAX_NAME_PREFIX or not SAGEMAKER_NAME.match(prefix)):
        problems.append(
            f"NAME_PREFIX {prefix!r} must be 1-{MAX_NAME_PREFIX} characters of letters, digits and hyphens, "
            "starting and ending with a letter or digit"
        )
    model_role = _required(env, "MODEL_EXECUTION_ROLE_ARN", problems)
    if model_role and not IAM_ROLE_ARN.match(model_role):
        problems.append(f"MODEL_EXECUTION_ROLE_ARN must be an IAM role ARN, got {model_role!r}")
    callback_role = callback_role_from_env(env, problems)
    raw_endpoint = _required(env, "ENDPOINT_CONFIG", problems)
    endpoint = parse_endpoint_config(raw_endpoint, problems) if raw_endpoint else None
    keep_raw = env.get("KEEP_VERSIONS", "0").strip() or "0"
    keep = 0
    if not keep_raw.isdigit() or int(keep_raw) > 100:
        problems.append(f"KEEP_VERSIONS must be an integer from 0 (no clean-up) to 100, got {keep_raw!r}")
    else:
        keep = int(keep_raw)
    tags: dict[str, str] = {}
    raw_tags = env.get("RESOURCE_TAGS", "").strip()
    if raw_tags:
        try:
            parsed = json.loads(raw_tags)
        except json.JSONDecodeError:
            parsed = None
        if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
            problems.append("RESOURCE_TAGS must be a JSON object of string values")
        else:
            tags = {str(k): v for k, v in parsed.items()}
    provenance = _provenance(env, problems)
    if problems or endpoint is None:
        raise ConfigurationError("invalid deployer configuration: " + "; ".join(problems))
    return Settings(
        endpoint_name=endpoint_name,
        name_prefix=prefix,
        model_execution_role_arn=model_role,
        callback_role_arn=callback_role,
        endpoint=endpoint,
        provenance=provenance,
        keep_versions=keep,
        tags=tags,
    )


def _provenance(env: Mapping[str, str], problems: list[str]) -> Provenance:
    values: dict[str, str] = {}
    for name, pattern, what in (
        ("MODEL_STORE_BUCKET", BUCKET_NAME, "an S3 bucket name"),
        ("MODEL_PACKAGE_GROUP", SAGEMAKER_NAME, "a SageMaker model package group name"),
        (
            "MODEL_IMAGE_URI",
            IMAGE_URI,
            "an ECR image URI <registry>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>",
        ),
        ("SOURCE_BUCKET", BUCKET_NAME, "an S3 bucket name"),
        ("SOURCE_MODEL_PREFIX", KEY_PREFIX, "an S3 key prefix ending with /"),
        ("TRAINING_JOB_PREFIX", SAGEMAKER_NAME, "a SageMaker name prefix"),
        ("PIPELINE_NAME", PIPELINE_NAME, "a CodePipeline pipeline name"),
    ):
        value = _required(env, name, problems)
        if value and not pattern.match(value):
            problems.append(f"{name} must be {what}, got {value!r}")
        values[name] = value
    return Provenance(
        store_bucket=values["MODEL_STORE_BUCKET"],
        package_group=values["MODEL_PACKAGE_GROUP"],
        image_uri=values["MODEL_IMAGE_URI"],
        source_bucket=values["SOURCE_BUCKET"],
        source_model_prefix=values["SOURCE_MODEL_PREFIX"],
        training_job_prefix=values["TRAINING_JOB_PREFIX"],
        pipeline_name=values["PIPELINE_NAME"],
    )


def callback_role_from_env(env: Mapping[str, str], problems: list[str] | None = None) -> str:
    """CALLBACK_ROLE_ARN, or "" when missing/invalid (the problem is appended to ``problems`` if given)."""
    sink: list[str] = [] if problems is None else problems
    value = _required(env, "CALLBACK_ROLE_ARN", sink)
    if value and not IAM_ROLE_ARN.match(value):
        sink.append(f"CALLBACK_ROLE_ARN must be an IAM role ARN, got {value!r}")
        return ""
    return value
