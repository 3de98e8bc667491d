"""AWS service rules that moto does not enforce, enforced on the emulator in one place.

moto accepts requests that AWS refuses, so a rehearsal could pass where AWS would fail (recent product defects
got through that way: a serverless model with network isolation, a Lambda reservation of 1 in a new account).
Each rule below names the AWS page it follows and refuses the request before moto sees it, with AWS's error
code and HTTP status; a correct request passes unchanged. Where AWS's message is public (quoted in reports),
the rule uses it; where it is not, the message is ours, names the feature and the resource, and the rule
says so. `install(patch)` wraps moto's handlers (after compat P10, whose UpdateEndpoint it wraps); `RULES`
lists every rule, each tested in tests/rehearsal/test_service_rules.py.

Rules
  R1 sagemaker-serverless-exclusions  CreateEndpointConfig with a ServerlessConfig variant: no second variant,
        no DataCaptureConfig, no model (or config) with network isolation or VpcConfig.
  R2 sagemaker-serverless-conversion  UpdateEndpoint from an instance-based to a serverless config.
  R3 sagemaker-deployment-guardrails  UpdateEndpoint with a DeploymentConfig: traffic shifting (canary,
        linear) and rolling updates only on instance (real-time) endpoints; the new config keeps the variant
        names.
  R4 lambda-unreserved-concurrency    PutFunctionConcurrency that leaves the account less unreserved
        concurrency than its minimum (new-account quota: 10 in total).
  R5 sagemaker-spot-stopping          CreateTrainingJob: MaxWaitTimeInSeconds only with managed spot; with
        spot, present and >= MaxRuntimeInSeconds.
  R6 sagemaker-names                  Names of training jobs, models, endpoint configs, endpoints and model
        package groups: the length and pattern of the SageMaker API model.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# The emulated accounts are new accounts: AWS gives them a total Lambda concurrency of 10 ("Lambda quotas":
# new accounts may start below the default of 1,000), which is what the recently fixed reservation of 1 met.
LAMBDA_CONCURRENCY_QUOTA = 10
# "You can reserve up to the Unreserved account concurrency value minus 100"; below a total of 100 the minimum
# is the whole quota (AWS answers "minimum value of [10]" in an account with 10, "[50]" with 50).
LAMBDA_UNRESERVED_MINIMUM = 100
# StoppingCondition.MaxRuntimeInSeconds when a request leaves it out ("The default value is 1 day").
DEFAULT_MAX_RUNTIME_SECONDS = 86_400


@dataclass(frozen=True)
class Rule:
    id: str
    operations: tuple[str, ...]
    source: str  # the AWS page (title and URL) the rule follows
    check: Callable[[Any], None]


def _validation(message: str) -> Exception:
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError("ValidationException", message)


def _is_serverless(variants: list[dict[str, Any]] | None) -> bool:
    return any(v.get("ServerlessConfig") for v in variants or [])


# ======================================================================== R1 serverless feature exclusions
SERVERLESS_SOURCE = (
    "Amazon SageMaker AI developer guide, Deploy models with Amazon SageMaker Serverless Inference, "
    "Feature exclusions: https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html"
)


def check_serverless_exclusions(response: Any) -> None:
    """CreateEndpointConfig: 'Some of the features currently available for SageMaker AI Real-time Inference
    are not supported for Serverless Inference, including ... VPC configuration, network isolation, data
    capture, multiple production variants ...'. AWS publishes neither the message nor which call refuses;
    the emulator refuses at CreateEndpointConfig, the first call that holds the config and names its
    models."""
    variants = response._get_param("ProductionVariants") or []
    if not _is_serverless(variants):
        return
    name = response._get_param("EndpointConfigName")
    problems = []
    if len(variants) > 1:
        problems.append(f"multiple production variants ({len(variants)})")
    if response._get_param("DataCaptureConfig"):
        problems.append("data capture (DataCaptureConfig)")
    if response._get_param("EnableNetworkIsolation"):
        problems.append("network isolation (EnableNetworkIsolation of the endpoint config)")
    if response._get_param("VpcConfig"):
        problems.append("VPC configuration (VpcConfig of the endpoint config)")
    models = response.sagemaker_backend._models
    for variant in variants:
        model = models.get(variant.get("ModelName"))
        if model is None:
            continue
        if getattr(model, "enable_network_isolation", False):
            problems.append(f"network isolation (model {model.model_name} has EnableNetworkIsolation=true)")
        if model.vpc_config:
            problems.append(f"VPC configuration (model {model.model_name} has a VpcConfig)")
    if problems:
        raise _validation(
            f"Endpoint config {name} has a serverless production variant (ServerlessConfig), and Serverless "
            f"Inference does not support {'; '.join(problems)}."
        )


def _record_network_isolation(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """moto's CreateModel drops EnableNetworkIsolation; R1 needs it, so it is kept on moto's model."""

    @functools.wraps(original)
    def create_model(self: Any) -> Any:
        answer = original(self)
        model = self.sagemaker_backend._models[self._get_param("ModelName")]
        model.enable_network_isolation = bool(self._get_param("EnableNetworkIsolation"))
        return answer

    return create_model


# ================================================================ R2 instance -> serverless conversion
CONVERSION_SOURCE = SERVERLESS_SOURCE


def _update_configs(response: Any) -> tuple[Any, Any, Any] | None:
    """(endpoint, serving config, new config) of an UpdateEndpoint, or None when one is missing (then P10
    answers the request with its own error)."""
    backend = response.sagemaker_backend
    endpoint = backend.endpoints.get(response._get_param("EndpointName"))
    if endpoint is None:
        return None
    serving = backend.endpoint_configs.get(endpoint.endpoint_config_name)
    new = backend.endpoint_configs.get(response._get_param("EndpointConfigName"))
    if serving is None or new is None:
        return None
    return endpoint, serving, new


def check_serverless_conversion(response: Any) -> None:
    """'You cannot convert your instance-based, real-time endpoint to a serverless endpoint. If you try to
    update your real-time endpoint to serverless, you receive a ValidationError message. You can convert a
    serverless endpoint to real-time, but once you make the update, you cannot roll it back to serverless.'
    So serverless -> instance passes; instance -> serverless is refused (ValidationException is the error code
    of that answer in SageMaker's API; the message wording is ours)."""
    configs = _update_configs(response)
    if configs is None:
        return
    endpoint, serving, new = configs
    if not _is_serverless(serving.production_variants) and _is_serverless(new.production_variants):
        raise _validation(
            f"Endpoint {endpoint.arn} is an instance-based endpoint (config {serving.endpoint_config_name}); "
            f"it cannot be updated to the serverless endpoint config {new.endpoint_config_name}."
        )


# ================================================================================ R3 deployment guardrails
GUARDRAILS_SOURCE = (
    "Amazon SageMaker AI developer guide, Deployment guardrails for updating models in production "
    "('Deployment guardrails only apply to Asynchronous inference and Real-time inference endpoint types'): "
    "https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails.html; and Exclusions ('your new "
    "endpoint configuration must have the same variant name as the old endpoint configuration'): "
    "https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-exclusions.html"
)


def check_deployment_guardrails(response: Any) -> None:
    """UpdateEndpoint with DeploymentConfig: traffic shifting (CANARY or LINEAR in
    BlueGreenUpdatePolicy.TrafficRoutingConfiguration) and RollingUpdatePolicy are deployment guardrails, for
    instance endpoints only; a blue/green (any traffic routing) or rolling DeploymentConfig needs the new
    config to keep the variant names. A plain UpdateEndpoint (no DeploymentConfig) is not checked. Messages
    are ours (AWS does not publish them)."""
    deployment = response._get_param("DeploymentConfig") or {}
    routing = (deployment.get("BlueGreenUpdatePolicy") or {}).get("TrafficRoutingConfiguration") or {}
    shifting = routing.get("Type") in ("CANARY", "LINEAR")
    rolling = bool(deployment.get("RollingUpdatePolicy"))
    if not (deployment.get("BlueGreenUpdatePolicy") or rolling):
        return
    configs = _update_configs(response)
    if configs is None:
        return
    endpoint, serving, new = configs
    mode = "a rolling update" if rolling else f"{routing.get('Type')} traffic shifting"
    if (shifting or rolling) and (
        _is_serverless(serving.production_variants) or _is_serverless(new.production_variants)
    ):
        raise _validation(
            f"{mode} is a deployment guardrail, which applies to real-time (instance) endpoints only; "
            f"endpoint {endpoint.arn} or its new config {new.endpoint_config_name} is serverless."
        )
    old_names = sorted(v.get("VariantName") for v in serving.production_variants)
    new_names = sorted(v.get("VariantName") for v in new.production_variants)
    if old_names != new_names:
        raise _validation(
            f"A blue/green or rolling deployment needs the same variant names in the new endpoint config: "
            f"{new.endpoint_config_name} has {new_names}, endpoint {endpoint.arn} serves {old_names}."
        )


# ======================================================================= R4 Lambda unreserved concurrency
CONCURRENCY_SOURCE = (
    "AWS Lambda developer guide, Configuring reserved concurrency ('You can reserve up to the Unreserved "
    "account concurrency value minus 100'): "
    "https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html; Lambda quotas (new "
    "accounts may start with lower quotas): https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"
)


def check_unreserved_concurrency(response: Any) -> None:
    """PutFunctionConcurrency (CreateFunction takes no reservation: Terraform and CloudFormation reserve with
    this call). The message is AWS's, as quoted in aws-samples/one-observability-demo#278 (quota 10: "[10]")
    and milliHQ/terraform-aws-next-js#251 (InvalidParameterValueException, status 400)."""
    from urllib.parse import unquote

    from moto.awslambda.exceptions import InvalidParameterValueException

    function_name = unquote(response.path.rsplit("/", 2)[-2]).rsplit(":", 1)[-1]
    requested = int(response._get_param("ReservedConcurrentExecutions") or 0)
    reserved_by_others = sum(
        int(fn.reserved_concurrency)
        for fn in response.backend.list_functions()
        if fn.reserved_concurrency and fn.function_name != function_name
    )
    minimum = min(LAMBDA_UNRESERVED_MINIMUM, LAMBDA_CONCURRENCY_QUOTA)
    if LAMBDA_CONCURRENCY_QUOTA - reserved_by_others - requested < minimum:
        raise InvalidParameterValueException(
            "Specified ReservedConcurrentExecutions for function decreases account's "
            f"UnreservedConcurrentExecution below its minimum value of [{minimum}]."
        )


# ======================================================================== R5 spot training stopping condition
SPOT_SOURCE = (
    "Amazon SageMaker AI developer guide, Managed Spot Training: "
    "https://docs.aws.amazon.com/sagemaker/latest/dg/model-managed-spot-training.html; API reference, "
    "StoppingCondition (MaxWaitTimeInSeconds 'must be equal to or greater than MaxRuntimeInSeconds'): "
    "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StoppingCondition.html"
)


def check_spot_stopping_condition(response: Any) -> None:
    """CreateTrainingJob. Without spot, AWS answers "Invalid MaxWaitTimeInSeconds. It is only supported when
    EnableManagedSpotTraining is set to true" (quoted in Kenza-AI/sagify#111 and
    aws/amazon-sagemaker-examples#869); with spot, MaxWaitTimeInSeconds is required and at least the runtime
    (message in the same form; its wording is ours). Checkpoints (CheckpointConfig) are recommended for spot,
    not required ("we recommend" in Managed Spot Training): no rule refuses a spot job without them."""
    stopping = response._get_param("StoppingCondition") or {}
    max_wait = stopping.get("MaxWaitTimeInSeconds")
    max_runtime = stopping.get("MaxRuntimeInSeconds", DEFAULT_MAX_RUNTIME_SECONDS)
    if not response._get_param("EnableManagedSpotTraining"):
        if max_wait is not None:
            raise _validation(
                "Invalid MaxWaitTimeInSeconds. It is only supported when EnableManagedSpotTraining is set to "
                "true"
            )
        return
    if max_wait is None or int(max_wait) < int(max_runtime):
        raise _validation(
            "Invalid MaxWaitTimeInSeconds. It must be present and be greater than or equal to "
            f"MaxRuntimeInSeconds ({max_runtime}) when EnableManagedSpotTraining is set to true, got "
            f"{max_wait}"
        )


# ================================================================================================ R6 names
NAMES_SOURCE = (
    "Amazon SageMaker API reference, the name parameter of CreateTrainingJob, CreateModel, "
    "CreateEndpointConfig, CreateEndpoint, CreateModelPackageGroup (Length Constraints, Pattern), e.g. "
    "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpoint.html; the answer's form: "
    "Common Errors, ValidationException: "
    "https://docs.aws.amazon.com/sagemaker/latest/APIReference/CommonErrors.html"
)
NAME_PARAMETERS = {
    "CreateTrainingJob": "TrainingJobName",
    "CreateModel": "ModelName",
    "CreateEndpointConfig": "EndpointConfigName",
    "CreateEndpoint": "EndpointName",
    "CreateModelPackageGroup": "ModelPackageGroupName",
}


@functools.cache
def name_constraints(operation: str) -> tuple[str, int, int, str]:
    """(parameter, min, max, pattern) of an operation's name, from the SageMaker API model that botocore ships
    (the constraints the API reference prints)."""
    import botocore.session

    parameter = NAME_PARAMETERS[operation]
    shape = botocore.session.get_session().get_service_model("sagemaker").operation_model(operation)
    metadata = shape.input_shape.members[parameter].metadata
    return parameter, int(metadata.get("min", 1)), int(metadata["max"]), metadata["pattern"]


def name_errors(operation: str, value: str) -> list[str]:
    """The constraint failures of a name, worded as AWS's request validation words them ("Value 'x' at
    'endpointName' failed to satisfy constraint: Member must ...")."""
    parameter, low, high, pattern = name_constraints(operation)
    member = parameter[0].lower() + parameter[1:]
    where = f"Value '{value}' at '{member}' failed to satisfy constraint: Member must"
    errors = []
    if len(value) > high:
        errors.append(f"{where} have length less than or equal to {high}")
    if len(value) < low:
        errors.append(f"{where} have length greater than or equal to {low}")
    # The service matches the whole value (the model's patterns are anchored at the start only).
    if not re.fullmatch(pattern.lstrip("^").rstrip("$"), value):
        errors.append(f"{where} satisfy regular expression pattern: {pattern}")
    return errors


def _check_name(operation: str) -> Callable[[Any], None]:
    def check(response: Any) -> None:
        errors = name_errors(operation, str(response._get_param(NAME_PARAMETERS[operation]) or ""))
        if errors:
            count = f"{len(errors)} validation error{'s' if len(errors) > 1 else ''} detected: "
            raise _validation(count + "; ".join(errors))

    check.__name__ = f"check_name_{operation}"
    return check


RULES: tuple[Rule, ...] = (
    Rule(
        "sagemaker-serverless-exclusions",
        ("CreateEndpointConfig",),
        SERVERLESS_SOURCE,
        check_serverless_exclusions,
    ),
    Rule(
        "sagemaker-serverless-conversion", ("UpdateEndpoint",), CONVERSION_SOURCE, check_serverless_conversion
    ),
    Rule(
        "sagemaker-deployment-guardrails", ("UpdateEndpoint",), GUARDRAILS_SOURCE, check_deployment_guardrails
    ),
    Rule(
        "lambda-unreserved-concurrency",
        ("PutFunctionConcurrency",),
        CONCURRENCY_SOURCE,
        check_unreserved_concurrency,
    ),
    Rule("sagemaker-spot-stopping", ("CreateTrainingJob",), SPOT_SOURCE, check_spot_stopping_condition),
    *(
        Rule(f"sagemaker-names-{operation}", (operation,), NAMES_SOURCE, _check_name(operation))
        for operation in NAME_PARAMETERS
    ),
)


def _snake(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


def install(patch: Callable[[Any, str, Any], None]) -> None:
    """Wrap moto's handler of every operation a rule covers: its rules run first, then the handler (moto's, or
    compat's where compat replaced it). `patch` is compat's, so compat.uninstall() restores moto."""
    from moto.awslambda.responses import LambdaResponse
    from moto.sagemaker.responses import SageMakerResponse

    handlers = {"PutFunctionConcurrency": LambdaResponse}
    by_operation: dict[str, list[Callable[[Any], None]]] = {}
    for rule in RULES:
        for operation in rule.operations:
            by_operation.setdefault(operation, []).append(rule.check)
    for operation, checks in by_operation.items():
        owner = handlers.get(operation, SageMakerResponse)
        original = getattr(owner, _snake(operation), None)
        if original is None:  # moto lacks it (UpdateEndpoint with compat P10 off): nothing to guard
            continue
        if operation == "CreateModel":
            original = _record_network_isolation(original)

        def handler(self: Any, _original: Any = original, _checks: tuple = tuple(checks)) -> Any:
            for check in _checks:
                check(self)
            return _original(self)

        patch(owner, _snake(operation), functools.wraps(original)(handler))
