"""SageMaker hosting: InvokeEndpoint serves the endpoint's model (P6), Describe* without empty blocks (P9),
CreateEndpoint / UpdateEndpoint provision in worker threads after a health check (P10)."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from .server import LOG, Patch, _client, _emulator, _join, _patch, _service_role, _unique, register

# ===================================================================================== P6 SageMaker runtime
# Gap: moto's InvokeEndpoint answers canned data ("body") whatever the endpoint and model.
# See it: `_reproduce_sagemaker_runtime`: invoke_endpoint(EndpointName=<none such>, Body="1,2") -> b"body".
# Fix: resolve endpoint -> endpoint config -> production variant (TargetVariant or the first with weight) ->
# model; download its ModelDataUrl with the model's ExecutionRoleArn credentials (assumed via STS), load
# xgboost-model from model.tar.gz, predict on the text/csv rows; one prediction per line. Errors are
# ModelError (bad input) / ValidationError (no such endpoint, endpoint not InService) as SageMaker answers.
_MODEL_CACHE: dict[tuple[str, str], Any] = {}


def model_container(backend: Any, model: Any) -> dict[str, Any]:
    """The container a model serves: its own, or, for a container given by ModelPackageName, the first of the
    package version's inference specification (what SageMaker runs for a model created from a model package,
    "Deploy a model from the registry", https://docs.aws.amazon.com/sagemaker/latest/dg/model-registry-deploy.html).
    """
    container = model.primary_container or (model.containers or [{}])[0]
    package_name = container.get("ModelPackageName")
    if not package_name:
        return container
    package = backend.describe_model_package(package_name)
    return ((package.inference_specification or {}).get("Containers") or [{}])[0]


class EndpointError(Exception):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def score_endpoint(
    account_id: str, region: str, endpoint_name: str, body: bytes | str, target_variant: str | None = None
) -> tuple[str, str]:
    """The prediction body and the invoked variant for `endpoint_name` in `account_id`/`region`."""
    from moto.sagemaker.models import sagemaker_backends

    from ..trainer import load_model_archive, parse_s3_url, predict_csv

    backend = sagemaker_backends[account_id][region]
    endpoint = backend.endpoints.get(endpoint_name)
    arn = f"arn:aws:sagemaker:{region}:{account_id}:endpoint/{endpoint_name}"
    if endpoint is None:
        raise EndpointError("ValidationError", f"Endpoint {endpoint_name} of account {account_id} not found.")
    if endpoint.endpoint_status != "InService":
        raise EndpointError(
            "ValidationError", f"Endpoint {arn} is not in service ({endpoint.endpoint_status})."
        )
    config = backend.endpoint_configs.get(endpoint.endpoint_config_name)
    if config is None:
        raise EndpointError("ValidationError", f"Endpoint {arn}: its endpoint config is gone.")
    variants = config.production_variants
    if target_variant:
        variants = [v for v in variants if v.get("VariantName") == target_variant]
        if not variants:
            raise EndpointError("ValidationError", f"Variant {target_variant} not found for {arn}.")
    variant = max(variants, key=lambda v: float(v.get("InitialVariantWeight", 1.0)))
    model = backend._models.get(variant["ModelName"]) if hasattr(backend, "_models") else None
    if model is None:
        raise EndpointError("ValidationError", f"Model {variant['ModelName']} of {arn} not found.")
    container = model_container(backend, model)
    model_data_url = container.get("ModelDataUrl")
    if not model_data_url:
        raise EndpointError("ModelError", f"Model {variant['ModelName']} has no ModelDataUrl.", 424)
    emulator = _emulator()
    s3 = emulator.client("s3", session=emulator.session_for_role(model.execution_role_arn, "SageMaker"))
    bucket, key = parse_s3_url(model_data_url)
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
        cache_key = (model_data_url, head.get("ETag", ""))
        booster = _MODEL_CACHE.get(cache_key)
        if booster is None:
            booster = load_model_archive(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
            _MODEL_CACHE[cache_key] = booster
    except Exception as error:
        raise EndpointError(
            "ModelError", f"Cannot load the model of {arn} from {model_data_url}: {error}", 424
        ) from error
    try:
        predictions = predict_csv(booster, body)
    except ValueError as error:
        raise EndpointError(
            "ModelError", f"Received client error (415) from primary: {error}", 424
        ) from error
    return "\n".join(f"{p:.8g}" for p in predictions), variant.get("VariantName", "AllTraffic")


def _install_sagemaker_runtime() -> None:
    from moto.sagemakerruntime import responses as rt_responses

    def invoke_endpoint(self: Any) -> Any:
        endpoint_name = self._get_params().get("EndpointName") or self.path.split("/")[2]
        content_type = (self.headers.get("Content-Type") or "text/csv").split(";")[0].strip()
        if content_type != "text/csv":
            # moto takes the HTTP status from the "status" header of a handler's answer.
            return (
                415,
                {"Content-Type": "application/json", "status": 415, "x-amzn-ErrorType": "ModelError"},
                json.dumps(
                    {
                        "__type": "ModelError",
                        "message": f"Content type {content_type} is not supported (text/csv).",
                    }
                ),
            )
        try:
            body, variant = score_endpoint(
                self.current_account,
                self.region,
                endpoint_name,
                self.body,
                self.headers.get("X-Amzn-SageMaker-Target-Variant"),
            )
        except EndpointError as error:
            return (
                error.status,
                {"Content-Type": "application/json", "status": error.status, "x-amzn-ErrorType": error.code},
                json.dumps({"__type": error.code, "message": error.message}),
            )
        return 200, {"Content-Type": "text/csv", "x-Amzn-Invoked-Production-Variant": variant}, body

    _patch(rt_responses.SageMakerRuntimeResponse, "invoke_endpoint", invoke_endpoint)


def _reproduce_sagemaker_runtime(emulator: Any) -> bool:
    from botocore.exceptions import ClientError

    runtime = _client(emulator, "sagemaker-runtime", "production")
    try:
        answer = runtime.invoke_endpoint(
            EndpointName=_unique("p-repro-none"), ContentType="text/csv", Body="1,2"
        )
    except ClientError:
        return False
    return answer["Body"].read() == b"body"


register(
    Patch(
        "P6",
        "sagemaker-runtime",
        "moto's InvokeEndpoint answers canned data whatever the endpoint and its model.",
        _install_sagemaker_runtime,
        _reproduce_sagemaker_runtime,
    )
)


def _model(emulator: Any, url: str | None = None) -> str:
    """A new model of account C (its own execution role; `url` its ModelDataUrl) and an endpoint config of one
    instance variant serving it, both named as returned."""
    sm = _client(emulator, "sagemaker", "production")
    name = _unique("p-repro-model")
    container = {"Image": "xgboost", **({"ModelDataUrl": url} if url else {})}
    role = _service_role(emulator, "production", ["sagemaker.amazonaws.com"])
    sm.create_model(ModelName=name, ExecutionRoleArn=role, PrimaryContainer=container)
    variant = {"VariantName": "AllTraffic", "ModelName": name, "InitialInstanceCount": 1}
    sm.create_endpoint_config(
        EndpointConfigName=name, ProductionVariants=[{**variant, "InstanceType": "ml.m5.large"}]
    )
    return name


# ================================================================================ P9 SageMaker empty blocks
# Gap: moto's DescribeModel / DescribeEndpointConfig return optional structures that were never set as empty
# objects ("VpcConfig": {}, "DataCaptureConfig": {}); the provider reads them as set-but-empty blocks
# (vpc_config, data_capture_config) and plans a replacement of aws_sagemaker_model and
# aws_sagemaker_endpoint_configuration on every run: a perpetual diff.
# See it: `_reproduce_sagemaker_empty_blocks` (describe_model -> "VpcConfig": {}); with Terraform: apply a
# model + endpoint config, then plan: "2 to destroy".
# Fix: leave out empty optional structures, as AWS does.
def _install_sagemaker_empty_blocks() -> None:
    from moto.core.responses import ActionResult
    from moto.sagemaker import responses as sm_responses

    for name in ("describe_model", "describe_endpoint_config"):
        original = getattr(sm_responses.SageMakerResponse, name)

        def describe(self: Any, _original: Any = original) -> Any:
            answer = _original(self)
            if isinstance(answer, ActionResult) and isinstance(answer.result, dict):
                return ActionResult({k: v for k, v in answer.result.items() if v != {}})
            return answer

        _patch(sm_responses.SageMakerResponse, name, describe)


def _reproduce_sagemaker_empty_blocks(emulator: Any) -> bool:
    sm = _client(emulator, "sagemaker", "production")
    name = _model(emulator)
    model, config = sm.describe_model(ModelName=name), sm.describe_endpoint_config(EndpointConfigName=name)
    return "VpcConfig" in model or "DataCaptureConfig" in config


register(
    Patch(
        "P9",
        "sagemaker-empty",
        "moto's DescribeModel / DescribeEndpointConfig answer unset optional blocks as {}, a perpetual diff.",
        _install_sagemaker_empty_blocks,
        _reproduce_sagemaker_empty_blocks,
    )
)


# ===================================================================================== P10 SageMaker hosting
# Gap: moto's CreateEndpoint is InService at once whatever the model (a model that cannot load still
# "serves"), and moto has no UpdateEndpoint at all (the deployer's second deployment gets
# "InvalidAction"/500).
# See it: `_reproduce_sagemaker_hosting`: create_endpoint(...) with a model whose ModelDataUrl is garbage ->
# describe_endpoint says InService; update_endpoint(...) -> error.
# Fix: hosting as SageMaker does it. CreateEndpoint answers at once with the endpoint Creating; provisioning
# (a short delay, then the health check) runs in a thread: every variant's model is loaded from its
# ModelDataUrl with the model's ExecutionRoleArn credentials (the container's ping); InService when they load,
# Failed with a FailureReason when not. UpdateEndpoint (endpoint must be InService, the config must exist)
# sets Updating with a PendingDeploymentSummary and provisions the new config the same way, blue/green: the
# old config keeps serving (P6 scores it) until the new fleet is healthy, then traffic moves; if the new fleet
# fails its health check the update is rolled back: InService with the old config and a FailureReason, as
# SageMaker reports it.
PROVISION_SECONDS = 0.4
_HOSTING_THREADS: list[threading.Thread] = []


def _health_check(account_id: str, region: str, config_name: str) -> str | None:
    """None when every variant of `config_name` can load its model; otherwise SageMaker-like reason."""
    from moto.sagemaker.models import sagemaker_backends

    from ..trainer import load_model_archive, parse_s3_url

    backend = sagemaker_backends[account_id][region]
    config = backend.endpoint_configs.get(config_name)
    if config is None:
        return f"Endpoint configuration {config_name} no longer exists."
    emulator = _emulator()
    for variant in config.production_variants:
        name = variant.get("VariantName", "AllTraffic")
        model = backend._models.get(variant.get("ModelName"))
        if model is None:
            return f"Model {variant.get('ModelName')} of production variant {name} does not exist."
        container = model_container(backend, model)
        url = container.get("ModelDataUrl")
        try:
            s3 = emulator.client(
                "s3", session=emulator.session_for_role(model.execution_role_arn, "SageMaker")
            )
            bucket, key = parse_s3_url(url)
            load_model_archive(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        except Exception as error:
            detail = getattr(error, "reason", None) or f"{error.__class__.__name__}: {error}"
            return (
                f"The primary container for production variant {name} did not pass the ping health check: "
                f"cannot load the model from {url}: {detail[:300]}"
            )
    return None


def _provision(endpoint: Any, account_id: str, region: str, config_name: str, update: bool) -> None:
    from moto.core.utils import utcnow

    time.sleep(PROVISION_SECONDS)
    try:
        problem = _health_check(account_id, region, config_name)
    except Exception as error:  # the emulator itself broke: report it as SageMaker's internal failure
        LOG.exception("endpoint provisioning crashed")
        problem = f"InternalFailure: local hosting crashed: {error.__class__.__name__}: {error}"
    from moto.sagemaker.models import sagemaker_backends

    backend = sagemaker_backends[account_id][region]
    endpoint.last_modified_time = utcnow()
    endpoint.pending_deployment_summary = None
    if problem is None:
        if update:
            config = backend.endpoint_configs[config_name]
            endpoint.endpoint_config_name = config_name
            endpoint.production_variants = endpoint._process_production_variants(config.production_variants)
        endpoint.failure_reason = None
        endpoint.endpoint_status = "InService"
    elif update:  # blue/green: the new fleet never took traffic; the old config keeps serving
        endpoint.failure_reason = f"Update to {config_name} was rolled back. {problem}"
        endpoint.endpoint_status = "InService"
    else:
        endpoint.failure_reason = problem
        endpoint.endpoint_status = "Failed"


def _start_provisioning(endpoint: Any, account_id: str, region: str, config_name: str, update: bool) -> None:
    thread = threading.Thread(
        target=_provision,
        args=(endpoint, account_id, region, config_name, update),
        name=f"host-{endpoint.endpoint_name}",
        daemon=True,
    )
    _HOSTING_THREADS.append(thread)
    thread.start()


def _install_sagemaker_hosting() -> None:
    from moto.core.exceptions import JsonRESTError
    from moto.core.responses import ActionResult
    from moto.core.utils import utcnow
    from moto.sagemaker import models as sm_models
    from moto.sagemaker import responses as sm_responses

    original_create = sm_models.SageMakerModelBackend.create_endpoint

    def create_endpoint(self: Any, endpoint_name: str, endpoint_config_name: str, tags: Any) -> Any:
        if endpoint_name in self.endpoints:
            arn = sm_models.FakeEndpoint.arn_formatter(endpoint_name, self.account_id, self.region_name)
            raise JsonRESTError("ValidationException", f'Cannot create already existing endpoint "{arn}".')
        endpoint = original_create(self, endpoint_name, endpoint_config_name, tags)
        endpoint.endpoint_status = "Creating"
        endpoint.pending_deployment_summary = None
        _start_provisioning(endpoint, self.account_id, self.region_name, endpoint_config_name, update=False)
        return endpoint

    _patch(sm_models.SageMakerModelBackend, "create_endpoint", create_endpoint)

    def update_endpoint(self: Any) -> Any:
        backend = self.sagemaker_backend
        name = self._get_param("EndpointName")
        config_name = self._get_param("EndpointConfigName")
        endpoint = backend.endpoints.get(name)
        arn = sm_models.FakeEndpoint.arn_formatter(name or "", backend.account_id, backend.region_name)
        if endpoint is None:
            raise JsonRESTError("ValidationException", f'Could not find endpoint "{arn}".')
        if config_name not in backend.endpoint_configs:
            raise JsonRESTError(
                "ValidationException",
                f'Could not find endpoint configuration "{sm_models.FakeEndpointConfig.arn_formatter(config_name or "", backend.account_id, backend.region_name)}".',  # noqa: E501
            )
        if endpoint.endpoint_status != "InService":
            raise JsonRESTError(
                "ValidationException",
                f'Cannot update in-progress endpoint "{arn}" (status {endpoint.endpoint_status}).',
            )
        config = backend.endpoint_configs[config_name]
        endpoint.endpoint_status = "Updating"
        endpoint.failure_reason = None
        endpoint.last_modified_time = utcnow()
        endpoint.pending_deployment_summary = {
            "EndpointConfigName": config_name,
            "ProductionVariants": [
                {"VariantName": v.get("VariantName"), "VariantStatus": [{"Status": "Creating"}]}
                for v in config.production_variants
            ],
            "StartTime": utcnow(),
        }
        endpoint.deployment_config = self._get_param("DeploymentConfig")
        _start_provisioning(endpoint, backend.account_id, backend.region_name, config_name, update=True)
        return ActionResult({"EndpointArn": endpoint.arn})

    _patch(sm_responses.SageMakerResponse, "update_endpoint", update_endpoint)

    original_describe = sm_responses.SageMakerResponse.describe_endpoint

    def describe_endpoint(self: Any) -> Any:
        answer = original_describe(self)
        endpoint = self.sagemaker_backend.endpoints.get(self._get_param("EndpointName"))
        if isinstance(answer, ActionResult) and isinstance(answer.result, dict) and endpoint is not None:
            result = {k: v for k, v in answer.result.items() if k not in ("PendingDeploymentSummary",)}
            pending = getattr(endpoint, "pending_deployment_summary", None)
            if pending:
                result["PendingDeploymentSummary"] = pending
            if getattr(endpoint, "failure_reason", None):
                result["FailureReason"] = endpoint.failure_reason
            return ActionResult(result)
        return answer

    _patch(sm_responses.SageMakerResponse, "describe_endpoint", describe_endpoint)


def wait_for_hosting_threads(timeout: float = 30) -> None:
    """Join the provisioning threads started so far (for a clean stop); log the ones still running."""
    _join(_HOSTING_THREADS, timeout)


def _reproduce_sagemaker_hosting(emulator: Any) -> bool:
    sm = _client(emulator, "sagemaker", "production")
    name = _model(emulator, f"s3://{_unique('p-repro-no-bucket')}/model.tar.gz")
    sm.create_endpoint(EndpointName=name, EndpointConfigName=name)
    # The model cannot load: a health-checked endpoint is never InService.
    return sm.describe_endpoint(EndpointName=name)["EndpointStatus"] == "InService"


register(
    Patch(
        "P10",
        "sagemaker-hosting",
        "moto's CreateEndpoint is InService at once whatever the model, and moto has no UpdateEndpoint.",
        _install_sagemaker_hosting,
        _reproduce_sagemaker_hosting,
    )
)
