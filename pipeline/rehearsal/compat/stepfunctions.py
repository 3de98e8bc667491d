"""Step Functions: the one ASL validator (`validate_definition`), the APIs Terraform calls (P2), tasks that
act as the execution's role (P3) and the SageMaker integration (P4)."""

from __future__ import annotations

import datetime
import functools
import json
from collections.abc import Callable
from typing import Any

from .server import Patch, _client, _emulator, _epoch, _patch, _service_role, _unique, register

# ======================================================================================= the ASL validator
# AWS names both a transition to a missing state and a state nothing reaches MISSING_TRANSITION_TARGET:
# "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: pass3 at
# /States/pass1/Next, MISSING_TRANSITION_TARGET: State "pass2" is not reachable. at /States/pass2'"
# (CreateStateMachine's answer quoted in localstack/localstack#12487; the StartAt form in
# serverless-operations/serverless-step-functions#250). moto's parser accepts both. State names: "MUST have
# length which is less than or equal to 80 Unicode characters" (the Amazon States Language specification,
# https://states-language.net/#states-fields).
_STATE_NAME_LIMIT = 80


def _scope_diagnostics(scope: dict[str, Any], where: str) -> list[dict[str, str]]:
    """The transition, reachability and name diagnostics of one scope (a state machine, a Parallel branch or
    a Map's processor) and of the scopes nested in its states."""
    states = scope.get("States") or {}
    found: list[dict[str, str]] = []

    def missing(target: str, location: str) -> None:
        found.append(_diagnostic("MISSING_TRANSITION_TARGET", f"Missing 'Next' target: {target}", location))

    edges: dict[str, list[str]] = {}
    for name, state in states.items():
        at = f"{where}/States/{name}"
        if len(name) > _STATE_NAME_LIMIT:
            found.append(
                _diagnostic("SCHEMA_VALIDATION_FAILED", f"State name longer than {_STATE_NAME_LIMIT}", at)
            )
        targets = [(state.get("Next"), f"{at}/Next"), (state.get("Default"), f"{at}/Default")]
        targets += [
            (c.get("Next"), f"{at}/Choices[{i}]/Next") for i, c in enumerate(state.get("Choices", []))
        ]
        targets += [(c.get("Next"), f"{at}/Catch[{i}]/Next") for i, c in enumerate(state.get("Catch", []))]
        edges[name] = [target for target, _ in targets if target]
        for target, location in targets:
            if target and target not in states:
                missing(target, location)
        for i, branch in enumerate(state.get("Branches", [])):
            found += _scope_diagnostics(branch, f"{at}/Branches[{i}]")
        for key in ("ItemProcessor", "Iterator"):
            if isinstance(state.get(key), dict):
                found += _scope_diagnostics(state[key], f"{at}/{key}")
    start = scope.get("StartAt")
    if start not in states:
        missing(str(start), f"{where}/StartAt")
        return found
    reached, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name in states and name not in reached:
            reached.add(name)
            todo += edges[name]
    for name in states:
        if name not in reached:
            found.append(
                _diagnostic(
                    "MISSING_TRANSITION_TARGET", f'State "{name}" is not reachable.', f"{where}/States/{name}"
                )
            )
    return found


def _diagnostic(code: str, message: str, location: str) -> dict[str, str]:
    return {"severity": "ERROR", "code": code, "message": message[:1000], "location": location or "/"}


def validate_definition(definition: str) -> dict[str, Any]:
    """ValidateStateMachineDefinition's answer for `definition`: the project's one ASL validator, used by the
    emulator (P2) and by the plan harness's stand-in (tests/sfn_validator.py). moto's ASL parser (the one its
    CreateStateMachine uses) first, then, in every scope: StartAt and every transition (Next, Default, a
    Choice rule's Next, a Catcher's Next) land on a state of the scope, every state is reachable, state names
    fit the limit."""
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    try:
        AmazonStateLanguageParser.parse(definition)
        diagnostics = _scope_diagnostics(json.loads(definition), "")
    except Exception as error:
        diagnostics = [_diagnostic("SCHEMA_VALIDATION_FAILED", f"{error.__class__.__name__}: {error}", "/")]
    return {"result": "FAIL" if diagnostics else "OK", "diagnostics": diagnostics, "truncated": False}


# ========================================================================================== P2 SFN validation
# Gap: moto has no ValidateStateMachineDefinition; hashicorp/aws 5.x calls it before CreateStateMachine, so
# `terraform apply` of aws_sfn_state_machine fails ("InvalidAction"/500 from moto).
# See it: `_reproduce_sfn_api` (validate_state_machine_definition and list_state_machine_versions fail).
# Fix: answer it with `validate_definition`: OK, or FAIL with its diagnostics.
def _install_sfn_validate() -> None:
    from moto.stepfunctions import responses as sfn_responses

    def validate_state_machine_definition(self: Any) -> str:
        return json.dumps(validate_definition(self._get_param("definition") or ""))

    _patch(
        sfn_responses.StepFunctionResponse,
        "validate_state_machine_definition",
        validate_state_machine_definition,
    )

    # Gap (same patch): no ListStateMachineVersions either; the provider lists versions after creating the
    # state machine (moto answers HTML 500: "invalid character '<' looking for beginning of value").
    def list_state_machine_versions(self: Any) -> str:
        machine = self.stepfunction_backend.describe_state_machine(self._get_param("stateMachineArn"))
        versions = [
            {"stateMachineVersionArn": v.arn, "creationDate": _epoch(getattr(v, "creation_date", None))}
            for _, v in sorted(getattr(machine, "versions", {}).items(), reverse=True)
        ]
        return json.dumps({"stateMachineVersions": versions})

    _patch(sfn_responses.StepFunctionResponse, "list_state_machine_versions", list_state_machine_versions)


_PASS = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}})


def _reproduce_sfn_api(emulator: Any) -> bool:
    from botocore.exceptions import BotoCoreError, ClientError

    sfn = _client(emulator, "stepfunctions", "training")
    role = _service_role(emulator, "training", ["states.amazonaws.com"])
    machine = sfn.create_state_machine(name=_unique("p-repro-api"), definition=_PASS, roleArn=role)
    try:
        sfn.validate_state_machine_definition(definition=_PASS)
        sfn.list_state_machine_versions(stateMachineArn=machine["stateMachineArn"])
    except (BotoCoreError, ClientError):
        return True
    return False


register(
    Patch(
        "P2",
        "sfn-api",
        "moto has no ValidateStateMachineDefinition and no ListStateMachineVersions, which Terraform's "
        "aws_sfn_state_machine calls.",
        _install_sfn_validate,
        _reproduce_sfn_api,
    )
)


def _execute(emulator: Any, task: Callable[[str], dict], policy: dict | None = None) -> dict[str, Any]:
    """Run a state machine of one Task state, `task(role ARN)`, in account B as a new role of its own (with
    `policy`), to its end; DescribeExecution's answer."""
    import time

    sfn = _client(emulator, "stepfunctions", "training")
    role = _service_role(emulator, "training", ["states.amazonaws.com", "sagemaker.amazonaws.com"], policy)
    definition = json.dumps({"StartAt": "Task", "States": {"Task": {**task(role), "End": True}}})
    machine = sfn.create_state_machine(name=_unique("p-repro"), definition=definition, roleArn=role)
    execution = sfn.start_execution(stateMachineArn=machine["stateMachineArn"])["executionArn"]
    deadline = time.monotonic() + 60
    while True:
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            return described
        time.sleep(0.1)


# ========================================================================================= P3 SFN credentials
# Gap: moto's ASL interpreter calls services with fixed keys ("ak"), i.e. as account 123456789012, at
# http://localhost:$MOTO_PORT; a state machine in account B would create its training job in another account.
# See it: `_reproduce_sfn_credentials`: a Task in B asks STS who it is; the execution fails (moto's client
# reaches neither the emulator's TLS endpoint nor, with its fixed keys, the authorizer) instead of naming B.
# Fix: task clients act as the role that AWS would use: the Task's Credentials.RoleArn or the execution role
# (assumed through the emulator's STS), on the emulator's endpoint. Nothing is granted that the role lacks.
def _sfn_boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
    from botocore.config import Config

    emulator = _emulator()
    role_arn = getattr(state_credentials, "role_arn", None)
    if not role_arn:
        raise RuntimeError("the state machine task has no role to act as")
    session = emulator.session_for_role(role_arn, "states")
    return session.client(
        service,
        region_name=region,
        endpoint_url=emulator.endpoint,
        verify=emulator.verify,
        config=Config(
            parameter_validation=False,
            retries={"max_attempts": 0, "total_max_attempts": 1},
            read_timeout=900,
            s3={"addressing_style": "path"},
        ),
    )


_SFN_CLIENT_MODULES = [
    "moto.stepfunctions.parser.asl.utils.boto_client",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils",
    "moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.resource_eval.resource_eval_s3",
    "moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval.resource_eval_s3",
] + [
    f"moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_{name}"
    for name in ("unsupported", "glue", "events", "ecs", "sqs", "sfn", "dynamodb", "batch", "sns", "aws_sdk")
]


def _install_sfn_credentials() -> None:
    import importlib

    # Every module first, then the patches: a module imported after the first patch would bind the patched
    # function by name (`from ... import boto_client_for`), and uninstall would "restore" it to that.
    modules = [importlib.import_module(name) for name in _SFN_CLIENT_MODULES]
    for module in modules:
        if hasattr(module, "boto_client_for"):
            _patch(module, "boto_client_for", _sfn_boto_client_for)


def _reproduce_sfn_credentials(emulator: Any) -> bool:
    described = _execute(
        emulator, lambda role: {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sts:getCallerIdentity"}
    )
    if described["status"] != "SUCCEEDED":
        return True
    return json.loads(described["output"]).get("Account") != emulator.accounts["training"]


register(
    Patch(
        "P3",
        "sfn-credentials",
        "moto's ASL interpreter calls services with fixed keys of account 123456789012, not as the "
        "execution's role.",
        _install_sfn_credentials,
        _reproduce_sfn_credentials,
    )
)


# =========================================================================================== P4 SFN SageMaker
# Gap: moto's interpreter maps "sagemaker" to an "unsupported" service that accepts only .waitForTaskToken,
# so a state machine with arn:aws:states:::sagemaker:createTrainingJob.sync cannot run.
# See it: `_reproduce_sfn_sagemaker`: a createTrainingJob.sync task whose job SageMaker refuses; the
# execution fails at once with States.Runtime, not with SageMaker's error.
# Fix: a SageMaker integration like AWS's: request-response for any SageMaker action; .sync for
# createTrainingJob: CreateTrainingJob, then DescribeTrainingJob until terminal; the output is the
# DescribeTrainingJob response (timestamps as epoch milliseconds, as Step Functions returns them); a Failed or
# Stopped job fails the task with States.TaskFailed and the DescribeTrainingJob response as the cause.
# An error answer of SageMaker (moto: an uncatchable States.Runtime) fails the task as AWS's integration
# does: error SageMaker.<class of the AWS SDK for Java>, i.e. SageMaker.ResourceInUseException for an error
# SageMaker models and SageMaker.AmazonSageMakerException for any other (AccessDeniedException in
# aws/aws-cdk#11594; SageMaker.ResourceLimitExceededException in "Create and manage Amazon SageMaker AI jobs
# with Step Functions"), cause "<message> (Service: AmazonSageMaker; Status Code: <n>; Error Code: <code>;
# Request ID: <id>; Proxy: null)".
# And arn:aws:states:::aws-sdk:sagemaker:describeTrainingJob (moto's own AWS SDK integration) returns boto's
# datetime objects, which moto's DescribeExecution cannot serialise ("Object of type datetime is not JSON
# serializable"): they become ISO 8601 strings, the form moto's own history encoder writes. AWS does not
# document the form of timestamps in SDK-integration results; no state of this project reads one.
# And moto hands an AWS SDK integration's parameters to boto3 as written, while AWS's integration takes the
# SDK's member names in PascalCase ("Learning to use AWS service SDK integrations in Step Functions"), such as
# SsekmsKeyId for S3's SSEKMSKeyId: boto3 (parameter validation off) drops a name it does not know, so
# aws-sdk:s3:copyObject would silently lose its SSE-KMS key id. The parameters are mapped onto the operation's
# botocore member names by moto's own normaliser (StateTaskService._to_boto_request, which compares names in
# snake case). See it: Emulator(compat=False), a copyObject task with SsekmsKeyId; the copy's SSEKMSKeyId is
# the bucket default's, not the one given (or the task fails on a bucket without a default).
_SYNC_ACTIONS = {"createtrainingjob": ("describe_training_job", "TrainingJobName", "TrainingJobStatus")}
_TERMINAL = {"Completed", "Failed", "Stopped"}


@functools.cache
def _sagemaker_modeled_errors() -> frozenset[str]:
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    return frozenset(shape.name for shape in model.error_shapes)


def sagemaker_task_error(error: Any) -> tuple[str, str]:
    """(error, cause) of the optimized SageMaker integration for a SageMaker error answer (botocore
    ClientError): the AWS SDK for Java v1's exception class and its message format."""
    code = error.response["Error"].get("Code", "")
    modeled = code in _sagemaker_modeled_errors()
    name = (code if code.endswith("Exception") else f"{code}Exception") if modeled else ""
    meta = error.response.get("ResponseMetadata", {})
    cause = (
        f"{error.response['Error'].get('Message', '')} (Service: AmazonSageMaker; Status Code: "
        f"{meta.get('HTTPStatusCode')}; Error Code: {code}; Request ID: {meta.get('RequestId')}; Proxy: null)"
    )
    return f"SageMaker.{name or 'AmazonSageMakerException'}", cause


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return int(value.timestamp() * 1000)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _sagemaker_service_class() -> type:
    from botocore.exceptions import ClientError
    from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import (
        ResourceCondition,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (  # noqa: E501
        StateTaskServiceCallback,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
    from moto.stepfunctions.parser.asl.utils.encoding import to_json_str

    class StateTaskServiceSageMaker(StateTaskServiceCallback):
        def __init__(self) -> None:
            # WaitForTaskToken is listed only so that moto's callback machinery sets up its endpoint.
            super().__init__(
                supported_integration_patterns={ResourceCondition.Sync, ResourceCondition.WaitForTaskToken}
            )

        def _validate_service_integration_is_supported(self) -> None:
            condition = self.resource.condition
            if condition == ResourceCondition.Sync and self.resource.api_action.lower() not in _SYNC_ACTIONS:
                raise ValueError(
                    f"The resource provided {self.resource.resource_arn} is not supported (.sync)."
                )

        def _get_supported_parameters(self) -> set[str] | None:
            return None

        def _client(self, resource_runtime_part: Any, state_credentials: Any) -> Any:
            return _sfn_boto_client_for(resource_runtime_part.region, "sagemaker", state_credentials)

        def _from_error(self, env: Any, ex: Exception) -> Any:
            if not isinstance(ex, ClientError):
                return super()._from_error(env=env, ex=ex)
            error, cause = sagemaker_task_error(ex)
            return FailureEvent(
                env=env,
                error_name=CustomErrorName(error),
                event_type=HistoryEventType.TaskFailed,
                event_details=EventDetails(
                    taskFailedEventDetails=TaskFailedEventDetails(
                        resource=self._get_sfn_resource(),
                        resourceType=self._get_sfn_resource_type(),
                        error=error,
                        cause=cause,
                    )
                ),
            )

        def _eval_service_task(
            self, env: Any, resource_runtime_part: Any, normalised_parameters: dict, state_credentials: Any
        ) -> None:
            client = self._client(resource_runtime_part, state_credentials)
            response = getattr(client, self._get_boto_service_action())(**normalised_parameters)
            env.stack.append(_jsonable(response))

        def _build_sync_resolver(
            self, env: Any, resource_runtime_part: Any, normalised_parameters: dict, state_credentials: Any
        ) -> Callable[[], Any]:
            describe, name_key, status_key = _SYNC_ACTIONS[self.resource.api_action.lower()]
            env.stack.pop()  # the Create* response
            client = self._client(resource_runtime_part, state_credentials)
            name = normalised_parameters[name_key]

            def resolve() -> Any:
                job = _jsonable(getattr(client, describe)(**{name_key: name}))
                status = job.get(status_key)
                if status not in _TERMINAL:
                    return None
                if status == "Completed":
                    return job
                raise FailureEventException(
                    FailureEvent(
                        env=env,
                        error_name=StatesErrorName(typ=StatesErrorNameType.StatesTaskFailed),
                        event_type=HistoryEventType.TaskFailed,
                        event_details=EventDetails(
                            taskFailedEventDetails=TaskFailedEventDetails(
                                resource=self._get_sfn_resource(),
                                resourceType=self._get_sfn_resource_type(),
                                error=StatesErrorNameType.StatesTaskFailed.to_name(),
                                cause=to_json_str(job),
                            )
                        ),
                    )
                )

            return resolve

    return StateTaskServiceSageMaker


def _iso_timestamps(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _iso_timestamps(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso_timestamps(v) for v in value]
    return value


def _install_sfn_sagemaker() -> None:
    # Imported before the factory is patched, for the reason given in _install_sfn_credentials: it imports
    # the factory function by name.
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task_factory
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_factory as factory,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk import (  # noqa: E501
        StateTaskServiceAwsSdk,
    )

    sdk_task = StateTaskServiceAwsSdk._eval_service_task

    def eval_sdk_task(
        self: Any,
        env: Any,
        resource_runtime_part: Any,
        normalised_parameters: dict,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        import botocore.session
        from moto.stepfunctions.parser.utils import camel_to_snake_case

        model = botocore.session.get_session().get_service_model(self._get_boto_service_name())
        wanted = camel_to_snake_case(self.resource.api_action)
        operation = next((o for o in model.operation_names if camel_to_snake_case(o) == wanted), None)
        if operation is not None and model.operation_model(operation).input_shape is not None:
            self._to_boto_request(normalised_parameters, model.operation_model(operation).input_shape)
        sdk_task(self, env, resource_runtime_part, normalised_parameters, *args, **kwargs)
        env.stack.append(_iso_timestamps(env.stack.pop()))

    _patch(StateTaskServiceAwsSdk, "_eval_service_task", eval_sdk_task)

    service_class = _sagemaker_service_class()
    original = factory.state_task_service_for

    def state_task_service_for(service_name: str) -> Any:
        if service_name == "sagemaker":
            return service_class()
        return original(service_name)

    _patch(factory, "state_task_service_for", state_task_service_for)
    # Modules that imported the factory function by name.
    if hasattr(state_task_factory, "state_task_service_for"):
        _patch(state_task_factory, "state_task_service_for", state_task_service_for)


def _reproduce_sfn_sagemaker(emulator: Any) -> bool:
    actions = ["sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob", "iam:PassRole"]
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}
    request = {
        "TrainingJobName": "p-repro-" + "x" * 64,  # longer than SageMaker's 63: refused
        "AlgorithmSpecification": {"TrainingImage": "xgboost", "TrainingInputMode": "File"},
        "OutputDataConfig": {"S3OutputPath": "s3://p-repro-no-bucket/models/"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
        "StoppingCondition": {"MaxRuntimeInSeconds": 60},
    }
    described = _execute(
        emulator,
        lambda role: {
            "Type": "Task",
            "Resource": "arn:aws:states:::sagemaker:createTrainingJob.sync",
            "Parameters": {**request, "RoleArn": role},
        },
        policy,
    )
    return not (described.get("error") or "").startswith("SageMaker.")


register(
    Patch(
        "P4",
        "sfn-sagemaker",
        "moto's ASL interpreter has no SageMaker integration (only .waitForTaskToken) and names SageMaker's "
        "errors States.Runtime.",
        _install_sfn_sagemaker,
        _reproduce_sfn_sagemaker,
    )
)
