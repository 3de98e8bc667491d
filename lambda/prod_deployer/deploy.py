"""SageMaker steps: model, endpoint config, endpoint create/update, and the status check of a deployment.

Every step is idempotent: names are deterministic (naming.py), existing models and configs are reused, and an
endpoint that already serves (or is already updating to) our config is not touched again. Nothing here waits:
each function makes a few API calls and returns an Outcome, and the pipeline re-invokes with the token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .artifact import TrainingOutput
from .config import EndpointSettings, InstanceSettings, Settings
from .errors import ConfigurationError, JobFailed, classify_client_error, error_code, error_message
from .logs import JsonLogger
from .pipeline import Outcome

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_sagemaker import SageMakerClient
    from mypy_boto3_sagemaker.type_defs import DescribeEndpointOutputTypeDef, TagTypeDef


VARIANT_NAME = "AllTraffic"
BUSY = frozenset({"Creating", "Updating", "SystemUpdating", "RollingBack", "OutOfService", "Deleting"})
TOKEN_VERSION = 1


class OutOfTime(Exception):
    """Too little of the invocation is left to start the next step safely."""


class TimeBudget:
    """Guards each step with the Lambda context's remaining time, keeping a safety margin."""

    def __init__(self, context: Any, margin_ms: int = 10_000) -> None:
        self._context = context
        self._margin_ms = margin_ms

    def remaining_ms(self) -> int:
        getter = getattr(self._context, "get_remaining_time_in_millis", None)
        return int(getter()) if callable(getter) else 900_000

    def check(self, step: str) -> None:
        if self.remaining_ms() < self._margin_ms:
            raise OutOfTime(step)


@dataclass(frozen=True)
class Names:
    endpoint: str
    config: str
    model: str


def _not_found(exc: BaseException) -> bool:
    return error_code(exc) == "ValidationException" and "could not find" in error_message(exc).lower()


def _already_exists(exc: BaseException) -> bool:
    return error_code(exc) == "ValidationException" and "already exist" in error_message(exc).lower()


def sagemaker_tags(
    settings: Settings, training: TrainingOutput, execution_id: str | None
) -> list[TagTypeDef]:
    tags = dict(settings.tags)
    tags["managed-by"] = "prod-deployer"
    tags["training-job-name"] = training.training_job_name
    if execution_id:
        tags["pipeline-execution-id"] = execution_id
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def production_variant(endpoint: EndpointSettings, model: str) -> dict[str, Any]:
    variant: dict[str, Any] = {"VariantName": VARIANT_NAME, "ModelName": model}
    if endpoint.type == "serverless" and endpoint.serverless:
        variant["ServerlessConfig"] = {
            "MemorySizeInMB": endpoint.serverless.memory_mb,
            "MaxConcurrency": endpoint.serverless.max_concurrency,
        }
    elif endpoint.instance:
        variant["InstanceType"] = endpoint.instance.instance_type
        variant["InitialInstanceCount"] = endpoint.instance.instance_count
        variant["InitialVariantWeight"] = 1.0
    return variant


def data_capture_config(instance: InstanceSettings) -> dict[str, Any] | None:
    if not instance.data_capture_s3_uri:
        return None
    return {
        "EnableCapture": True,
        "InitialSamplingPercentage": 100,
        "DestinationS3Uri": instance.data_capture_s3_uri,
        "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
    }


def deployment_config(instance: InstanceSettings) -> dict[str, Any]:
    """Blue/green with canary traffic shifting, rolled back automatically when a named alarm fires."""
    config: dict[str, Any] = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "CANARY",
                "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": instance.canary_size_percent},
                "WaitIntervalInSeconds": instance.canary_wait_seconds,
            },
        }
    }
    if instance.rollback_alarm_names:
        config["AutoRollbackConfiguration"] = {
            "Alarms": [{"AlarmName": name} for name in instance.rollback_alarm_names]
        }
    return config


def ensure_model(
    sm: SageMakerClient,
    name: str,
    model_package_arn: str,
    settings: Settings,
    tags: list[TagTypeDef],
    log: JsonLogger,
) -> bool:
    """Create the model unless it exists; True if created."""
    try:
        sm.describe_model(ModelName=name)
        log.info("model_exists", model=name)
        return False
    except Exception as exc:
        if not _not_found(exc):
            raise classify_client_error(exc, f"DescribeModel {name}") from None
    try:
        with log.timed("create_model", model=name, model_package=model_package_arn):
            # From the release's model package version: its inference specification names the image C resolved
            # and C's verified copy of the model ("Deploy a model from the registry",
            # https://docs.aws.amazon.com/sagemaker/latest/dg/model-registry-deploy.html).
            sm.create_model(
                ModelName=name,
                ExecutionRoleArn=settings.model_execution_role_arn,
                PrimaryContainer={"ModelPackageName": model_package_arn},
                # Isolated on instance endpoints only: serverless endpoints refuse isolated models (see
                # EndpointSettings.network_isolation); the setting is part of the model's name (naming.py).
                EnableNetworkIsolation=settings.endpoint.network_isolation,
                Tags=tags,
            )
    except Exception as exc:
        if _already_exists(exc):  # a concurrent delivery created it first
            return False
        raise classify_client_error(exc, f"CreateModel {name}") from None
    return True


def ensure_endpoint_config(
    sm: SageMakerClient,
    name: str,
    model: str,
    endpoint: EndpointSettings,
    tags: list[TagTypeDef],
    log: JsonLogger,
) -> bool:
    """Create the endpoint config unless it exists; True if created."""
    try:
        sm.describe_endpoint_config(EndpointConfigName=name)
        log.info("endpoint_config_exists", endpoint_config=name)
        return False
    except Exception as exc:
        if not _not_found(exc):
            raise classify_client_error(exc, f"DescribeEndpointConfig {name}") from None
    kwargs: dict[str, Any] = {
        "EndpointConfigName": name,
        "ProductionVariants": [production_variant(endpoint, model)],
        "Tags": tags,
    }
    if endpoint.instance and (capture := data_capture_config(endpoint.instance)):
        kwargs["DataCaptureConfig"] = capture
    try:
        with log.timed("create_endpoint_config", endpoint_config=name, model=model, type=endpoint.type):
            sm.create_endpoint_config(**kwargs)
    except Exception as exc:
        if _already_exists(exc):
            return False
        raise classify_client_error(exc, f"CreateEndpointConfig {name}") from None
    return True


def describe_endpoint(sm: SageMakerClient, name: str) -> DescribeEndpointOutputTypeDef | None:
    try:
        return sm.describe_endpoint(EndpointName=name)
    except Exception as exc:
        if _not_found(exc):
            return None
        raise classify_client_error(exc, f"DescribeEndpoint {name}") from None


# Why each change of endpoint type is refused (Amazon SageMaker developer guide, "Deploy models with Amazon
# SageMaker Serverless Inference", section "Feature exclusions",
# https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html, and "Update a serverless
# endpoint", https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints-update.html).
TYPE_CHANGE_REASONS = {
    ("instance", "serverless"): "SageMaker cannot update an instance endpoint to serverless (UpdateEndpoint "
    "answers ValidationError)",
    ("serverless", "instance"): "SageMaker can update a serverless endpoint to instance only one way (it can "
    "never be updated back to serverless), so the deployer does not do it as a side effect of a settings "
    "change",
}


def serving_type(sm: SageMakerClient, config_name: str) -> str:
    """The type of an endpoint config: serverless when its variants carry ServerlessConfig, else instance
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html)."""
    try:
        desc = sm.describe_endpoint_config(EndpointConfigName=config_name)
    except Exception as exc:
        raise classify_client_error(exc, f"DescribeEndpointConfig {config_name}") from None
    variants = desc.get("ProductionVariants", [])
    return "serverless" if any(v.get("ServerlessConfig") for v in variants) else "instance"


def check_endpoint_type(sm: SageMakerClient, name: str, endpoint: EndpointSettings, log: JsonLogger) -> None:
    """Refuse a change of endpoint type before anything is created, so a refused run leaves nothing behind.

    A Failed endpoint is deleted and created again with the new settings, and one being deleted is waited for,
    so neither is checked: after the operator deletes the endpoint, the next run simply creates it.
    """
    current = describe_endpoint(sm, name)
    if current is None or current.get("EndpointStatus") in ("Failed", "Deleting"):
        return
    serving = current.get("EndpointConfigName")
    if not serving:
        return
    kind = serving_type(sm, serving)
    log.info("endpoint_type", endpoint=name, serving=serving, current=kind, wanted=endpoint.type)
    if kind == endpoint.type:
        return
    reason = TYPE_CHANGE_REASONS[(kind, endpoint.type)]
    raise ConfigurationError(
        f"endpoint {name} is a {kind} endpoint (config {serving}) and endpoint.type is now "
        f'"{endpoint.type}": {reason}. Nothing was created. Delete the endpoint first '
        f"(aws sagemaker delete-endpoint --endpoint-name {name}; it stops serving until the Deploy stage "
        f'creates it again) and retry the Deploy stage, or set endpoint.type back to "{kind}"'
    )


def check_alarms(cloudwatch: CloudWatchClient, names: tuple[str, ...]) -> None:
    """The rollback alarms must exist, or SageMaker would refuse the update (or never roll back)."""
    if not names:
        return
    try:
        found = cloudwatch.describe_alarms(
            AlarmNames=list(names), AlarmTypes=["MetricAlarm", "CompositeAlarm"]
        )
    except Exception as exc:
        raise classify_client_error(exc, "DescribeAlarms for the rollback alarms") from None
    present = {a["AlarmName"] for a in found.get("MetricAlarms", []) + found.get("CompositeAlarms", [])}
    missing = [n for n in names if n not in present]
    if missing:
        raise ConfigurationError(
            f"rollback alarm(s) {', '.join(missing)} do not exist in this account and region: "
            "create them or fix endpoint.instance.rollback_alarm_names"
        )


def wait_token(names: Names, action: str, previous: str | None, polls: int = 0) -> dict[str, Any]:
    return {
        "v": TOKEN_VERSION,
        "phase": "wait",
        "action": action,
        "endpoint": names.endpoint,
        "config": names.config,
        "model": names.model,
        "previous_config": previous,
        "polls": polls,
    }


def retry_token(reason: str, polls: int = 0) -> dict[str, Any]:
    """Start over (idempotently) on the next invocation."""
    return {"v": TOKEN_VERSION, "phase": "deploy", "reason": reason, "polls": polls}


def start_deployment(
    sm: SageMakerClient,
    cloudwatch: CloudWatchClient,
    names: Names,
    endpoint: EndpointSettings,
    tags: list[TagTypeDef],
    log: JsonLogger,
    budget: TimeBudget,
    polls: int = 0,
) -> Outcome:
    """Create or update the endpoint to ``names.config`` unless that is already done or under way."""
    current = describe_endpoint(sm, names.endpoint)
    if current is None:
        budget.check("create_endpoint")
        try:
            with log.timed("create_endpoint", endpoint=names.endpoint, endpoint_config=names.config):
                sm.create_endpoint(EndpointName=names.endpoint, EndpointConfigName=names.config, Tags=tags)
        except Exception as exc:
            raise classify_client_error(exc, f"CreateEndpoint {names.endpoint}") from None
        return check_deployment(sm, wait_token(names, "create", None, polls), log)

    status = current.get("EndpointStatus", "")
    serving = current.get("EndpointConfigName")
    pending = (current.get("PendingDeploymentSummary") or {}).get("EndpointConfigName")
    log.info("endpoint_found", endpoint=names.endpoint, status=status, serving=serving, pending=pending)

    if status == "Failed":
        # A failed endpoint cannot be updated; delete it and create it again on a later invocation.
        budget.check("delete_endpoint")
        try:
            with log.timed(
                "delete_failed_endpoint", endpoint=names.endpoint, reason=current.get("FailureReason")
            ):
                sm.delete_endpoint(EndpointName=names.endpoint)
        except Exception as exc:
            raise classify_client_error(exc, f"DeleteEndpoint {names.endpoint} (status Failed)") from None
        return Outcome(
            "continue",
            f"Endpoint {names.endpoint} was Failed ({current.get('FailureReason', 'no reason given')}); "
            "deleting it before creating it again",
            retry_token("deleting failed endpoint", polls + 1),
        )
    if status == "UpdateRollbackFailed":
        raise JobFailed(
            f"endpoint {names.endpoint} is in UpdateRollbackFailed (a previous update's rollback failed): "
            f"{current.get('FailureReason', 'no reason given')}; fix it by hand before deploying"
        )
    if serving == names.config:
        # Re-delivery, or the same model and settings deployed again: nothing to change.
        action = "create" if status == "Creating" else "update"
        return check_deployment(sm, wait_token(names, action, None, polls), log, described=current)
    if pending == names.config:
        log.info("update_already_under_way", endpoint=names.endpoint, endpoint_config=names.config)
        return check_deployment(sm, wait_token(names, "update", serving, polls), log, described=current)
    if status in BUSY:
        return Outcome(
            "continue",
            f"Endpoint {names.endpoint} is {status} with another deployment; waiting before updating it to "
            f"{names.config}",
            retry_token(f"endpoint busy: {status}", polls + 1),
        )
    # InService with another config: update it.
    kwargs: dict[str, Any] = {"EndpointName": names.endpoint, "EndpointConfigName": names.config}
    if endpoint.type == "instance" and endpoint.instance:
        check_alarms(cloudwatch, endpoint.instance.rollback_alarm_names)
        kwargs["DeploymentConfig"] = deployment_config(endpoint.instance)
    # Serverless: plain UpdateEndpoint, which SageMaker runs as blue/green all-at-once (the new fleet is
    # provisioned and health-checked before traffic moves; the old one keeps serving if that fails).
    budget.check("update_endpoint")
    try:
        with log.timed(
            "update_endpoint", endpoint=names.endpoint, endpoint_config=names.config, previous=serving
        ):
            sm.update_endpoint(**kwargs)
    except Exception as exc:
        raise classify_client_error(exc, f"UpdateEndpoint {names.endpoint}") from None
    return check_deployment(sm, wait_token(names, "update", serving, polls), log)


def check_deployment(
    sm: SageMakerClient,
    token: dict[str, Any],
    log: JsonLogger,
    described: DescribeEndpointOutputTypeDef | None = None,
) -> Outcome:
    """One DescribeEndpoint, turned into success, continuation or a JobFailed."""
    names = Names(token["endpoint"], token["config"], token["model"])
    desc = described if described is not None else describe_endpoint(sm, names.endpoint)
    if desc is None:
        raise JobFailed(f"endpoint {names.endpoint} disappeared while deploying {names.config}")
    status = desc.get("EndpointStatus", "")
    serving = desc.get("EndpointConfigName")
    pending = (desc.get("PendingDeploymentSummary") or {}).get("EndpointConfigName")
    reason = desc.get("FailureReason")
    log.info(
        "endpoint_status",
        endpoint=names.endpoint,
        status=status,
        serving=serving,
        pending=pending,
        polls=token.get("polls", 0),
    )
    previous = token.get("previous_config")

    if status == "InService" and serving == names.config:
        return Outcome(
            "success",
            f"Endpoint {names.endpoint} is InService with {names.config} (model {names.model})",
            output_variables={
                "EndpointName": names.endpoint,
                "EndpointConfigName": names.config,
                "ModelName": names.model,
            },
        )
    if status == "Failed":
        raise JobFailed(f"endpoint {names.endpoint} failed: {reason or 'SageMaker gave no FailureReason'}")
    if status == "UpdateRollbackFailed":
        raise JobFailed(
            f"update of endpoint {names.endpoint} to {names.config} failed and its rollback failed too "
            f"(UpdateRollbackFailed): {reason or 'no reason given'}; the endpoint needs manual repair"
        )
    if status == "InService" and pending != names.config:
        if token.get("action") == "update":
            raise JobFailed(
                f"update of endpoint {names.endpoint} to {names.config} was rolled back"
                + (f": {reason}" if reason else "")
                + f"; the endpoint still serves {serving}"
                + (f" (the previous config was {previous})" if previous and previous != serving else "")
            )
        raise JobFailed(
            f"endpoint {names.endpoint} serves {serving}, not {names.config}: another deployment changed it"
        )
    if status == "Deleting":
        raise JobFailed(f"endpoint {names.endpoint} is being deleted while deploying {names.config}")
    next_token = dict(token, polls=int(token.get("polls", 0)) + 1)
    verb = "Creating" if token.get("action") == "create" else "Updating"
    return Outcome(
        "continue",
        f"{verb} endpoint {names.endpoint} with {names.config} (model {names.model}); status {status}",
        next_token,
    )
