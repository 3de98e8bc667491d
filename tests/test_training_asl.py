"""The training state machine's definition, as planned by modules/training-sfn.

Plans the module with the two inventory cases (spot off / on), takes the rendered ASL from the module output
`state_machine_definition` (known at plan time), and checks:
- the structure: every transition lands on a state, every state is reachable, the Train task's request
  (resource, encryption, isolation, spot fields on/off);
- the behaviour of every state around Train, by running them with a small JSONPath evaluator limited to what
  the definition uses (paths, one filter form, Choice rules, four intrinsics). The Train task's result is
  stubbed with what .sync returns (DescribeTrainingJob). The output must match
  pipeline/schemas/training-output.schema.json exactly; the gate must pass, fail and name its metric as
  documented.
This evaluator is a test double for the quality-gate logic only; the rehearsal runs the real flow.
"""

from __future__ import annotations

import base64
import hashlib
import json
import operator
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import tfplan
from inventory import case, case_dir
from rehearsal.compat import validate_definition

REPO = Path(__file__).resolve().parents[1]
CONFIG_SCHEMA = json.loads((REPO / "pipeline" / "schemas" / "training-config.schema.json").read_text())
OUTPUT_SCHEMA = json.loads((REPO / "pipeline" / "schemas" / "training-output.schema.json").read_text())
EXAMPLE_CONFIG = json.loads((REPO / "pipeline" / "training-config.json").read_text())
SHARED_KEY = "arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555"
BUCKET = "mlops-artifacts-111111111111-eu-west-1"
EXECUTION_NAME = "mlops-pipeline-0f8fad5b-d9cb-469f-a165-70867728950e"

pytestmark = [pytest.mark.plan, pytest.mark.target("modules/training-sfn")]


def plan_definition(name: str) -> dict:
    # The inventory case's plan (made once per session, tests/tfplan.py).
    plan = case("module", "training-sfn", name).plan()
    return json.loads(tfplan.planned_outputs(plan)["state_machine_definition"])


@pytest.fixture(scope="module")
def spot_off() -> dict:
    return plan_definition("spot-off")


@pytest.fixture(scope="module")
def spot_on() -> dict:
    return plan_definition("spot-on")


# ------------------------------------------------------------------------------------------------ evaluator
class Missing(Exception):
    """A path selected nothing: Step Functions' States.Runtime, which no Retry or Catch takes ("Error handling
    in Step Functions", States.ALL). A filter that matches nothing is such a path (moto's interpreter, ported
    from LocalStack's AWS-parity one: only a slice or a [*] wildcard yields an empty list)."""


class TaskError(Exception):
    """A Task's error output: {"Error": error, "Cause": cause}."""

    def __init__(self, error: str, cause: str):
        super().__init__(error, cause)
        self.error, self.cause = error, cause


_FILTER = re.compile(
    r"^(?P<base>[^\[]+)\[\?\(@\.(?P<key>\w+) == (?:'(?P<value>[^']*)'|(?P<literal>true|false))\)\]"
    r"(?:\.(?P<field>\w+))?$"
)
_WILDCARD = re.compile(r"^(?P<base>[^\[]+)\[\*\]\.(?P<field>\w+)$")
_INDEX = re.compile(r"^\$\[(?P<index>[0-9]+)\]$")


def path_get(data: Any, path: str, context: dict) -> Any:
    root, path = (context, path[2:]) if path.startswith("$$") else (data, path[1:])
    match = _FILTER.match("$" + path)
    if match:
        items = path_get(root, match["base"], {})
        value = match["value"] if match["literal"] is None else json.loads(match["literal"])
        found = [i for i in items if match["key"] in i and i[match["key"]] == value]
        if match["field"]:
            found = [i[match["field"]] for i in found]
        if not found:
            raise Missing(path)
        return found
    match = _INDEX.match("$" + path)
    if match:  # an element of a list (the Parallel's result)
        if not isinstance(root, list) or int(match["index"]) >= len(root):
            raise Missing(path)
        return root[int(match["index"])]
    match = _WILDCARD.match("$" + path)
    if match:  # a wildcard over a list: a list, empty for an empty list
        return [i[match["field"]] for i in path_get(root, match["base"], {})]
    if path.endswith(".*"):  # a wildcard over an object: its values
        node = path_get(root, "$" + path[:-2], {})
        assert isinstance(node, dict), path
        return list(node.values())
    node = root
    for key in [k for k in path.split(".") if k]:
        if not isinstance(node, dict) or key not in node:
            raise Missing(path)
        node = node[key]
    return node


def path_set(data: dict, path: str, value: Any) -> dict:
    if path == "$":
        return value
    keys = path[2:].split(".")
    node = data
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value
    return data


def _split_args(text: str) -> list[str]:
    args, depth, quoted, current = [], 0, False, ""
    for i, char in enumerate(text):
        if char == "'" and (i == 0 or text[i - 1] != "\\"):
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        if char == "," and not quoted and depth == 0:
            args.append(current.strip())
            current = ""
        else:
            current += char
    return [*args, current.strip()] if current.strip() else args


def _format(args: list, expr: str) -> str:
    template, *values = args
    parts = template.split("{}")
    assert len(parts) == len(values) + 1, expr
    text = parts[0]
    for value, part in zip(values, parts[1:], strict=True):
        text += (value if isinstance(value, str) else json.dumps(value)) + part
    return text


def _hash(args: list, expr: str) -> str:
    assert args[1] == "MD5", expr
    return hashlib.md5(args[0].encode()).hexdigest()


def _array_get_item(args: list, expr: str) -> Any:
    if not 0 <= args[1] < len(args[0]):
        raise Missing(f"{expr}: index {args[1]} out of range")
    return args[0][args[1]]


def _json_merge(args: list, expr: str) -> dict:
    # Shallow merge ("Intrinsic functions in Step Functions": the third argument false), the second
    # object's values winning; a non-object is an intrinsic failure (States.Runtime).
    assert args[2] is False, expr
    if not isinstance(args[0], dict) or not isinstance(args[1], dict):
        raise Missing(f"{expr}: JsonMerge of a non-object")
    return {**args[0], **args[1]}


# The intrinsics the definition uses: each takes its evaluated arguments and the expression (for messages).
_INTRINSICS = {
    "States.Format": _format,
    "States.Hash": _hash,
    "States.ArrayLength": lambda args, expr: len(args[0]),
    "States.ArrayGetItem": _array_get_item,
    "States.ArrayContains": lambda args, expr: args[1] in args[0],
    "States.Array": lambda args, expr: args,
    "States.MathAdd": lambda args, expr: args[0] + args[1],
    "States.JsonMerge": _json_merge,
    "States.JsonToString": lambda args, expr: json.dumps(args[0], separators=(",", ":")),
}


def evaluate(expr: str, data: Any, context: dict) -> Any:
    expr = expr.strip()
    if expr.startswith("'"):
        return expr[1:-1].replace("\\'", "'")
    if expr.startswith("$"):
        return path_get(data, expr, context)
    if re.fullmatch(r"-?[0-9.]+|true|false|null", expr):
        return json.loads(expr)
    name, inner = re.fullmatch(r"(States\.\w+)\((.*)\)", expr, flags=re.S).groups()
    args = [evaluate(a, data, context) for a in _split_args(inner)]
    if name not in _INTRINSICS:
        raise AssertionError(f"intrinsic not expected in this definition: {name}")
    return _INTRINSICS[name](args, expr)


def render(template: Any, data: Any, context: dict) -> Any:
    if isinstance(template, dict):
        out = {}
        for key, value in template.items():
            if key.endswith(".$"):
                out[key[:-2]] = evaluate(value, data, context)
            else:
                out[key] = render(value, data, context)
        return out
    if isinstance(template, list):
        return [render(v, data, context) for v in template]
    return template


def string_matches(value: str, pattern: str) -> bool:
    # ASL StringMatches: "*" matches any run of characters; no other wildcard (none is escaped here).
    return re.fullmatch(".*".join(map(re.escape, pattern.split("*"))), value, flags=re.S) is not None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# One function per Choice operator family, each taking the family's test, the Variable's value, the rule's
# operand and the state's input.
def _presence(test: Any, value: Any, expected: Any, data: Any) -> bool:
    # Reached only when the Variable selected something (rule_matches answers a missing one).
    return expected is True


def _type_check(test: Any, value: Any, expected: Any, data: Any) -> bool:
    return test(value) == expected


# A comparison of a value of another type is false, not an error.
def _string_comparison(test: Any, value: Any, expected: Any, data: Any) -> bool:
    return isinstance(value, str) and test(value, expected)


def _boolean_comparison(test: Any, value: Any, expected: Any, data: Any) -> bool:
    return isinstance(value, bool) and test(value, expected)


def _numeric_comparison(test: Any, value: Any, expected: Any, data: Any) -> bool:
    return _is_number(value) and test(value, expected)


def _numeric_path_comparison(test: Any, value: Any, expected: Any, data: Any) -> bool:
    # The operand is a path in the input, read only for a number (a missing one is then States.Runtime).
    return _is_number(value) and test(value, path_get(data, expected, {}))


# The operators the definition uses: (family, test).
_CHOICE_OPERATORS = {
    "IsPresent": (_presence, None),
    "IsString": (_type_check, lambda value: isinstance(value, str)),
    "IsNumeric": (_type_check, _is_number),
    "IsBoolean": (_type_check, lambda value: isinstance(value, bool)),
    "IsNull": (_type_check, lambda value: value is None),
    "StringEquals": (_string_comparison, operator.eq),
    "StringMatches": (_string_comparison, string_matches),
    "BooleanEquals": (_boolean_comparison, operator.eq),
    "NumericEquals": (_numeric_comparison, operator.eq),
    "NumericLessThan": (_numeric_comparison, operator.lt),
    "NumericGreaterThanEquals": (_numeric_comparison, operator.ge),
    "NumericLessThanEquals": (_numeric_comparison, operator.le),
    "NumericGreaterThanEqualsPath": (_numeric_path_comparison, operator.ge),
    "NumericLessThanEqualsPath": (_numeric_path_comparison, operator.le),
}


def rule_matches(rule: dict, data: Any) -> bool:
    if "And" in rule:
        return all(rule_matches(r, data) for r in rule["And"])
    if "Or" in rule:
        return any(rule_matches(r, data) for r in rule["Or"])
    if "Not" in rule:
        return not rule_matches(rule["Not"], data)
    try:
        value = path_get(data, rule["Variable"], {})
    except Missing:
        if "IsPresent" in rule:
            return rule["IsPresent"] is False
        raise
    # A rule has one operator: the first key that is not Variable or Next.
    op = next((key for key in rule if key not in ("Variable", "Next")), None)
    if op is None:
        raise AssertionError(f"empty rule {rule}")
    if op not in _CHOICE_OPERATORS:
        raise AssertionError(f"Choice operator not expected in this definition: {op}")
    family, test = _CHOICE_OPERATORS[op]
    return family(test, value, rule[op], data)


def _matches(error_equals: list[str], error: str) -> bool:
    # States.ALL takes every error but States.Runtime (which never reaches here) and DataLimitExceeded.
    return error in error_equals or "States.ALL" in error_equals


def call_task(state: dict, name: str, request: dict, tasks: Any, calls: list) -> Any:
    """The Task's result, after its Retry; raises the TaskError its retriers give up on."""
    retriers = state.get("Retry", [])
    attempts = [0] * len(retriers)
    while True:
        calls.append((name, request))
        try:
            return tasks(name, request)
        except TaskError as failure:
            i = next((i for i, r in enumerate(retriers) if _matches(r["ErrorEquals"], failure.error)), None)
            if i is None or attempts[i] >= retriers[i].get("MaxAttempts", 3):
                raise
            attempts[i] += 1


class Run:
    """One execution: `status` SUCCEEDED/FAILED, `output` (the output or {"Error", "Cause"}), `visited`
    (the states entered, in order), `calls` ([(state, request)] of every Task attempt), `waits` (seconds
    waited)."""

    def __init__(self, status: str, output: Any, visited: list[str], calls: list, waits: list):
        self.status, self.output, self.visited, self.calls, self.waits = status, output, visited, calls, waits


def run(definition: dict, execution_input: dict, tasks: Any = None) -> Run:
    """Run to the end. `tasks(state_name, request)` answers each Task attempt: a result, or raises TaskError.
    A path that selects nothing ends the execution with States.Runtime, as in Step Functions. The states of
    Parallel branches and Map iterations are entered in `visited` too (the execution history lists them)."""
    context = {
        "Execution": {
            "Name": EXECUTION_NAME,
            "Id": f"arn:aws:states:eu-west-1:222222222222:execution:mlops-training:{EXECUTION_NAME}",
        }
    }
    visited: list[str] = []
    calls: list = []
    waits: list = []
    return run_states(
        definition, json.loads(json.dumps(execution_input)), context, tasks, visited, calls, waits
    )


class _Execution:
    """What the states of one execution share: the context object, the Task stub, and the records every Run
    returns (`visited`, `calls`, `waits`, appended to by Parallel branches and Map iterations too)."""

    def __init__(self, context: dict, tasks: Any, visited: list, calls: list, waits: list):
        self.context, self.tasks, self.visited, self.calls, self.waits = context, tasks, visited, calls, waits

    def end(self, status: str, output: Any) -> Run:
        return Run(status, output, self.visited, self.calls, self.waits)

    def run(self, definition: dict, data: Any) -> Run:
        return run_states(definition, data, self.context, self.tasks, self.visited, self.calls, self.waits)


# Each state type's handler returns the Run when the state ends the execution (a failure), else
# (data, next): the state's output and the state to go to, None for the state's own End or Next.
def _choice_state(name: str, state: dict, data: Any, execution: _Execution) -> Run | tuple[Any, str | None]:
    following = next((r["Next"] for r in state["Choices"] if rule_matches(r, data)), state.get("Default"))
    if following is None:
        return execution.end("FAILED", {"Error": "States.NoChoiceMatched"})
    return data, following


def _fail_state(name: str, state: dict, data: Any, execution: _Execution) -> Run:
    cause = (
        evaluate(state["CausePath"], data, execution.context) if "CausePath" in state else state.get("Cause")
    )
    return execution.end("FAILED", {"Error": state.get("Error"), "Cause": cause})


def _wait_state(name: str, state: dict, data: Any, execution: _Execution) -> tuple[Any, None]:
    execution.waits.append(
        path_get(data, state["SecondsPath"], {}) if "SecondsPath" in state else state["Seconds"]
    )
    return data, None


def _pass_state(name: str, state: dict, data: Any, execution: _Execution) -> tuple[Any, None]:
    effective = render(state["Parameters"], data, execution.context) if "Parameters" in state else data
    return path_set(data, state.get("ResultPath", "$"), effective), None


def _store_result(state: dict, result: Any, data: Any, context: dict) -> Any:
    if "ResultSelector" in state:
        result = render(state["ResultSelector"], result, context)
    return path_set(data, state.get("ResultPath", "$"), result)


def _join(state: dict, runs: list[Run], data: Any, execution: _Execution) -> Run | tuple[Any, None]:
    """A Parallel's or a Map's result from its branches' or iterations' runs."""
    failed = next((r for r in runs if r.status == "FAILED"), None)
    if failed is not None:
        return execution.end("FAILED", failed.output)
    return _store_result(state, [r.output for r in runs], data, execution.context), None


# A branch's or an iteration's failure fails the state; no Parallel or Map here has a Catch.
def _parallel_state(name: str, state: dict, data: Any, execution: _Execution) -> Run | tuple[Any, None]:
    assert "Catch" not in state and "Retry" not in state, name
    runs = [execution.run(b, json.loads(json.dumps(data))) for b in state["Branches"]]
    return _join(state, runs, data, execution)


def _map_state(name: str, state: dict, data: Any, execution: _Execution) -> Run | tuple[Any, None]:
    assert "Catch" not in state and "Retry" not in state, name
    runs = []
    for index, item in enumerate(path_get(data, state["ItemsPath"], execution.context)):
        item_context = {**execution.context, "Map": {"Item": {"Index": index, "Value": item}}}
        runs.append(execution.run(state["ItemProcessor"], render(state["ItemSelector"], data, item_context)))
    return _join(state, runs, data, execution)


def _task_state(name: str, state: dict, data: Any, execution: _Execution) -> Run | tuple[Any, str | None]:
    assert execution.tasks is not None, f"the run reached the Task {name} without a stub"
    request = render(state["Parameters"], data, execution.context)
    try:
        result = call_task(state, name, request, execution.tasks, execution.calls)
    except TaskError as failure:
        error = {"Error": failure.error, "Cause": failure.cause}
        catcher = next((c for c in state.get("Catch", []) if _matches(c["ErrorEquals"], failure.error)), None)
        if catcher is None:
            return execution.end("FAILED", error)
        return path_set(data, catcher["ResultPath"], error), catcher["Next"]
    return _store_result(state, result, data, execution.context), None


_STATE_HANDLERS = {
    "Choice": _choice_state,
    "Fail": _fail_state,
    "Wait": _wait_state,
    "Pass": _pass_state,
    "Parallel": _parallel_state,
    "Map": _map_state,
    "Task": _task_state,
}


def run_states(
    definition: dict, data: Any, context: dict, tasks: Any, visited: list, calls: list, waits: list
) -> Run:
    """The states of `definition` (a state machine, a Parallel branch or a Map's ItemProcessor) on `data`."""
    execution = _Execution(context, tasks, visited, calls, waits)
    name = definition["StartAt"]
    try:
        while True:
            assert len(visited) < 500, f"the execution does not end: {visited[-20:]}"
            visited.append(name)
            state = definition["States"][name]
            if state["Type"] not in _STATE_HANDLERS:
                raise AssertionError(f"state type not expected: {state['Type']}")
            outcome = _STATE_HANDLERS[state["Type"]](name, state, data, execution)
            if isinstance(outcome, Run):
                return outcome
            data, following = outcome
            if following is None and state.get("End"):
                return execution.end("SUCCEEDED", data)
            name = state["Next"] if following is None else following
    except Missing as missing:
        return execution.end("FAILED", {"Error": "States.Runtime", "Cause": str(missing)})


def describe_training_job(metrics: list[dict] | None, name: str = "", status: str = "Completed") -> dict:
    """A DescribeTrainingJob response (the .sync result), with FinalMetricDataList left out when None, as
    SageMaker leaves it out for a job that reported no metric."""
    described = {
        "TrainingJobName": name,
        "TrainingJobStatus": status,
        "ModelArtifacts": {"S3ModelArtifacts": f"s3://{BUCKET}/models/{name}/output/model.tar.gz"},
        "AlgorithmSpecification": {
            "TrainingImage": "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"
        },
    }
    if metrics is not None:
        described["FinalMetricDataList"] = metrics
    return described


MODEL_BYTES = b"the model archive SageMaker wrote"
# What S3 answers a CopyObject with ChecksumAlgorithm SHA256 in a versioned bucket (CopyObject response: the
# new VersionId, CopyObjectResult.ChecksumSHA256 the base64 of the SHA-256 digest), as the AWS SDK integration
# returns it (the SDK's member names).
PINNED_VERSION = "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"
PINNED_SHA256 = base64.b64encode(hashlib.sha256(MODEL_BYTES).digest()).decode()


def copy_object(request: dict) -> dict:
    return {
        "VersionId": PINNED_VERSION,
        "CopySourceVersionId": "older",
        "ServerSideEncryption": "aws:kms",
        "SsekmsKeyId": request["SsekmsKeyId"],
        "BucketKeyEnabled": True,
        "CopyObjectResult": {"ETag": '"abc"', "ChecksumSHA256": PINNED_SHA256},
    }


# The training data in the bucket, as ListObjectVersions of each channel's prefix answers (S3 API Reference,
# "ListObjectVersions": every version under the prefix, IsLatest on the current one; a deleted object's
# current version is a delete marker, listed under DeleteMarkers, not Versions), as the AWS SDK integration
# returns it.
def object_version(key: str, version_id: str, latest: bool) -> dict:
    return {
        "ETag": '"9b2cf535f27731c974343645a3985328"',
        "Size": 1024,
        "StorageClass": "STANDARD",
        "Key": key,
        "VersionId": version_id,
        "IsLatest": latest,
        "LastModified": "2026-01-01T00:00:00Z",
        "Owner": {"ID": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
    }


def listing(
    prefix: str, versions: list[dict], delete_markers: list[dict] = (), truncated: bool = False
) -> dict:
    answer = {
        "IsTruncated": truncated,
        "KeyMarker": "",
        "VersionIdMarker": "",
        "Name": BUCKET,
        "Prefix": prefix,
        "MaxKeys": 500,
    }
    if versions:  # S3 leaves the element out when it lists none
        answer["Versions"] = versions
    if delete_markers:
        answer["DeleteMarkers"] = list(delete_markers)
    return answer


DATA_LISTINGS = {
    "data/train/": listing(
        "data/train/",
        [
            object_version("data/train/part-1.csv", "t1-current", True),
            object_version("data/train/part-1.csv", "t1-older", False),
            object_version("data/train/part-2.csv", "t2-current", True),
            object_version("data/train/removed.csv", "r-older", False),
        ],
        [{"Key": "data/train/removed.csv", "VersionId": "r-marker", "IsLatest": True}],
    ),
    "data/validation/": listing(
        "data/validation/", [object_version("data/validation/validation.csv", "v-current", True)]
    ),
}
# What the training output records of DATA_LISTINGS: the current versions only.
RECORDED_DATA = {
    "train": [
        {"key": "data/train/part-1.csv", "version_id": "t1-current"},
        {"key": "data/train/part-2.csv", "version_id": "t2-current"},
    ],
    "validation": [{"key": "data/validation/validation.csv", "version_id": "v-current"}],
}
LISTED = ["List_train", "List_validation"]


def list_object_versions(request: dict, listings: dict | None = None) -> dict:
    assert set(request) == {"Bucket", "Prefix", "MaxKeys"} and request["Bucket"] == BUCKET, request
    return (DATA_LISTINGS if listings is None else listings)[request["Prefix"]]


def trains(metrics: list[dict] | None, listings: dict | None = None):
    """A Train task whose job completes with these metrics (and S3 answering the model's pinning copy and the
    data listings, DATA_LISTINGS unless given)."""

    def answer(state: str, request: dict) -> dict:
        if state == "PinModel":
            return copy_object(request)
        if state.startswith("List_"):
            return list_object_versions(request, listings)
        assert state == "Train", state
        return describe_training_job(metrics, request["TrainingJobName"])

    return answer


def sagemaker_error(code: str, message: str, modeled: bool = False) -> TaskError:
    """A SageMaker error answer as the optimized integration reports it: the AWS SDK for Java's exception
    class (SageMaker.<Code>Exception for the errors SageMaker models, SageMaker.AmazonSageMakerException for
    the others) and its message format (aws/aws-cdk#11594 shows one)."""
    error = f"SageMaker.{code}Exception" if modeled else "SageMaker.AmazonSageMakerException"
    cause = (
        f"{message} (Service: AmazonSageMaker; Status Code: 400; Error Code: {code}; "
        "Request ID: 3c22b7ab-4687-475a-b82c-643a75f21a13; Proxy: null)"
    )
    return TaskError(error, cause)


def already_exists(name: str) -> TaskError:
    # SageMaker's answer to a second CreateTrainingJob with a name in use
    # (aws/amazon-sagemaker-examples#3108).
    arn = f"arn:aws:sagemaker:eu-west-1:222222222222:training-job/{name}"
    return sagemaker_error(
        "ResourceInUse",
        "Training job names must be unique within an AWS account and region, and a training job with this "
        f"name already exists ({arn})",
        modeled=True,
    )


def scripted(*answers: Any):
    """A task stub answering each call with the next answer: a dict (a result) or a TaskError (raised)."""
    queue = list(answers)

    def answer(state: str, request: dict) -> dict:
        if state == "PinModel" and not (queue and queue[0][0] == "PinModel"):
            return copy_object(request)
        if state.startswith("List_") and not (queue and queue[0][0] == state):
            return list_object_versions(request)
        assert queue, f"unexpected call of {state}"
        state_expected, reply = queue.pop(0)
        assert state == state_expected, (state, state_expected)
        if isinstance(reply, TaskError):
            raise reply
        return reply

    answer.left = queue
    return answer


AUC_METRICS = [
    {"MetricName": "validation:logloss", "Value": 0.5023, "Timestamp": 1767225600.0},
    {"MetricName": "validation:auc", "Value": 0.8338, "Timestamp": 1767225600.0},
    {"MetricName": "train:auc", "Value": 0.9096, "Timestamp": 1767225600.0},
]
JOB_NAME = "mlops-train-" + hashlib.md5(EXECUTION_NAME.encode()).hexdigest()


# ------------------------------------------------------------------------------------------------ structure
def test_every_transition_lands_and_every_state_is_reachable(spot_off):
    # The project's one ASL validator (the emulator's and the plan harness's): transitions, reachability and
    # state names in every scope, after moto's ASL parser.
    assert validate_definition(json.dumps(spot_off))["diagnostics"] == []
    assert "QueryLanguage" not in spot_off or spot_off["QueryLanguage"] == "JSONPath"


def test_train_task_request(spot_off):
    train = spot_off["States"]["Train"]
    request = train["Parameters"]
    assert train["Resource"] == "arn:aws:states:::sagemaker:createTrainingJob.sync"
    assert request["OutputDataConfig"] == {"S3OutputPath": f"s3://{BUCKET}/models/", "KmsKeyId": SHARED_KEY}
    assert request["ResourceConfig"] == {
        "InstanceType": "ml.m5.large",
        "InstanceCount": 1,
        "VolumeSizeInGB": 30,
        "VolumeKmsKeyId": SHARED_KEY,
    }
    assert request["EnableNetworkIsolation"] is True
    assert request["EnableInterContainerTrafficEncryption"] is True
    assert request["RoleArn"] == "arn:aws:iam::222222222222:role/mlops-training-sagemaker"
    assert request["AlgorithmSpecification"] == {
        "TrainingImage": "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1",
        "TrainingInputMode": "File",
    }
    assert request["HyperParameters.$"] == "$.hyperparameters"
    channels = {c["ChannelName"]: c for c in request["InputDataConfig"]}
    assert set(channels) == {"train", "validation"}
    for name, channel in channels.items():
        assert channel["ContentType"] == "text/csv"
        assert channel["DataSource"]["S3DataSource"]["S3Uri"] == f"s3://{BUCKET}/data/{name}/"
        assert channel["DataSource"]["S3DataSource"]["S3DataType"] == "S3Prefix"
    assert train["ResultPath"] == "$.job.description"
    assert [c["ErrorEquals"] for c in train["Catch"]][-1] == ["States.ALL"]
    assert train["TimeoutSeconds"] == 3600 + 3600


def test_spot_off_has_no_spot_fields(spot_off):
    request = spot_off["States"]["Train"]["Parameters"]
    assert "EnableManagedSpotTraining" not in request
    assert "CheckpointConfig" not in request
    assert request["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600}


def test_spot_on_checkpoints_per_job(spot_on):
    train = spot_on["States"]["Train"]
    request = train["Parameters"]
    assert request["EnableManagedSpotTraining"] is True
    assert request["StoppingCondition"] == {"MaxRuntimeInSeconds": 7200, "MaxWaitTimeInSeconds": 10800}
    assert request["ResourceConfig"]["InstanceCount"] == 2
    assert train["TimeoutSeconds"] == 10800 + 3600
    job = {"job": {"name": "mlops-train-abc"}}
    uri = evaluate(request["CheckpointConfig"]["S3Uri.$"], job, {})
    assert uri == f"s3://{BUCKET}/checkpoints/mlops-train-abc/"


def test_gate_metrics_match_the_config_schema(spot_off):
    choices = spot_off["States"]["SelectGateMetric"]["Choices"]
    in_asl = sorted(c["StringEquals"] for c in choices)
    assert in_asl == sorted(CONFIG_SCHEMA["properties"]["quality_gate"]["properties"]["metric"]["enum"])
    for choice in choices:
        read = spot_off["States"][choice["Next"]]
        assert read["Parameters"]["metric"] == choice["StringEquals"]
        assert f"'{choice['StringEquals']}'" in read["Parameters"]["values.$"]
    # the direction each metric must have: the same in the ASL's check and the schema's rules
    asl_directions = {
        rule["And"][0]["StringEquals"]: rule["And"][1]["BooleanEquals"]
        for rule in spot_off["States"]["ValidateGate"]["Choices"][0]["And"][3]["Or"]
    }
    schema_directions = {
        r["if"]["properties"]["quality_gate"]["properties"]["metric"]["const"]: r["then"]["properties"][
            "quality_gate"
        ]["properties"]["higher_is_better"]["const"]
        for r in CONFIG_SCHEMA["allOf"]
    }
    assert asl_directions == schema_directions


# ------------------------------------------------------------------------------------------------ behaviour
def test_training_job_name_fits_sagemaker(spot_off):
    result = run(spot_off, EXAMPLE_CONFIG, trains(AUC_METRICS))
    name = result.output["training_job_name"]
    assert name == JOB_NAME
    assert re.fullmatch(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", name)


EXECUTION_ARN = f"arn:aws:states:eu-west-1:222222222222:execution:mlops-training:{EXECUTION_NAME}"


def test_example_config_passes_with_the_training_output_shape(spot_off):
    result = run(spot_off, EXAMPLE_CONFIG, trains(AUC_METRICS))
    assert result.status == "SUCCEEDED", result.output
    output = result.output
    Draft202012Validator(OUTPUT_SCHEMA).validate(output)
    assert set(output) == set(OUTPUT_SCHEMA["properties"])
    # The platform's floor (spot-off.tfvars: validation:auc, 0.7) is looser than the configuration's 0.75.
    assert output["quality_gate"] == {
        "metric": "validation:auc",
        "value": 0.8338,
        "threshold": 0.75,
        "configured_threshold": 0.75,
        "floor": 0.7,
        "higher_is_better": True,
    }
    assert output["metrics"] == AUC_METRICS
    assert output["model_data_url"] == f"s3://{BUCKET}/models/{JOB_NAME}/output/model.tar.gz"
    assert output["model_version_id"] == PINNED_VERSION
    assert output["model_sha256"] == PINNED_SHA256
    assert output["training_execution_arn"] == EXECUTION_ARN
    assert output["image_uri"].endswith("/sagemaker-xgboost:1.7-1")
    assert result.visited[-2:] == ["PinModel", "TrainingOutput"]


# ------------------------------------------------------------------------------------ the data versions
def test_the_output_records_the_current_version_of_every_data_object(spot_off):
    result = run(spot_off, EXAMPLE_CONFIG, trains(AUC_METRICS))
    assert result.status == "SUCCEEDED", result.output
    # Current versions only: not the older version of part-1.csv, not removed.csv (deleted: its current
    # version is a delete marker), and only the key and version id of each.
    assert result.output["data"] == RECORDED_DATA
    # Listed before the job starts, one request per channel prefix, one page of at most 500.
    assert [c[0] for c in result.calls][:3] == [*LISTED, "Train"]
    assert [request for _, request in result.calls[:2]] == [
        {"Bucket": BUCKET, "Prefix": f"data/{channel}/", "MaxKeys": 500}
        for channel in ("train", "validation")
    ]
    assert {
        spot_off["States"]["RecordData"]["Branches"][i]["States"][f"List_{c}"]["Resource"]
        for i, c in enumerate(("train", "validation"))
    } == {"arn:aws:states:::aws-sdk:s3:listObjectVersions"}


@pytest.mark.parametrize(
    "validation",
    [
        listing("data/validation/", []),
        # Every object deleted: only noncurrent versions and current delete markers.
        listing(
            "data/validation/",
            [object_version("data/validation/validation.csv", "v-older", False)],
            [{"Key": "data/validation/validation.csv", "VersionId": "v-marker", "IsLatest": True}],
        ),
    ],
    ids=["nothing under the prefix", "only deleted objects"],
)
def test_an_empty_channel_fails_before_training_naming_its_prefix(spot_off, validation):
    listings = {**DATA_LISTINGS, "data/validation/": validation}
    result = run(spot_off, EXAMPLE_CONFIG, trains(AUC_METRICS, listings))
    assert result.status == "FAILED"
    assert result.output == {
        "Error": "InvalidTrainingData",
        "Cause": f"invalid training data: s3://{BUCKET}/data/validation/ holds no object (no current object "
        "version under that prefix): upload the validation channel's CSV files there before training",
    }
    assert "Train" not in result.visited


def test_more_versions_than_one_page_fail_saying_the_limit(spot_off):
    page = listing(
        "data/train/", [object_version("data/train/part-1.csv", "t1-current", True)], truncated=True
    )
    result = run(spot_off, EXAMPLE_CONFIG, trains(AUC_METRICS, {**DATA_LISTINGS, "data/train/": page}))
    assert result.output["Error"] == "InvalidTrainingData"
    assert result.output["Cause"].startswith(
        f"invalid training data: s3://{BUCKET}/data/train/ holds more than 500 object versions"
    )
    assert "Train" not in result.visited


def test_a_listing_the_bucket_refuses_fails_with_s3s_answer(spot_off):
    denied = TaskError("S3.S3Exception", "Access Denied (Service: S3, Status Code: 403)")
    result = run(spot_off, EXAMPLE_CONFIG, scripted(("List_train", denied)))
    assert result.output == {
        "Error": "TrainingDataListingFailed",
        "Cause": f"could not list the object versions under s3://{BUCKET}/data/train/ (S3 "
        "ListObjectVersions, needed to record the data versions of the training job): "
        "Access Denied (Service: S3, Status Code: 403)",
    }
    assert "Train" not in result.visited


def test_the_model_is_pinned_by_an_in_place_copy_with_a_sha256_checksum(spot_off):
    result = run(spot_off, EXAMPLE_CONFIG, trains(AUC_METRICS))
    (pin,) = [request for state, request in result.calls if state == "PinModel"]
    key = f"models/{JOB_NAME}/output/model.tar.gz"
    # What the bucket policy accepts (aws:kms with the artifact key) and what makes S3 compute a SHA-256.
    assert pin == {
        "Bucket": BUCKET,
        "Key": key,
        "CopySource": f"{BUCKET}/{key}",
        "ChecksumAlgorithm": "SHA256",
        "ServerSideEncryption": "aws:kms",
        "SsekmsKeyId": SHARED_KEY,
        "BucketKeyEnabled": True,
    }
    assert spot_off["States"]["PinModel"]["Resource"] == "arn:aws:states:::aws-sdk:s3:copyObject"
    # The output's model_data_url is the object that was pinned.
    assert result.output["model_data_url"] == f"s3://{pin['Bucket']}/{pin['Key']}"


def test_a_failed_pin_fails_the_execution(spot_off):
    denied = TaskError("S3.AccessDeniedException", "Access Denied (Service: S3, Status Code: 403)")
    tasks = scripted(("Train", describe_training_job(AUC_METRICS, JOB_NAME)), ("PinModel", denied))
    result = run(spot_off, EXAMPLE_CONFIG, tasks)
    assert result.status == "FAILED"
    assert result.output["Error"] == "ModelPinFailed"
    assert JOB_NAME in result.output["Cause"] and "Access Denied" in result.output["Cause"]


def test_threshold_is_inclusive(spot_off):
    config = json.loads(json.dumps(EXAMPLE_CONFIG))
    config["quality_gate"]["threshold"] = 0.8338
    assert run(spot_off, config, trains(AUC_METRICS)).status == "SUCCEEDED"


def test_below_threshold_fails_the_gate(spot_off):
    config = json.loads(json.dumps(EXAMPLE_CONFIG))
    config["quality_gate"]["threshold"] = 0.9
    result = run(spot_off, config, trains(AUC_METRICS))
    assert result.status == "FAILED"
    assert result.output["Error"] == "QualityGateFailed"
    assert result.output["Cause"].startswith(
        "quality gate: validation:auc = 0.8338 is below the threshold 0.9"
    )


RMSE_CONFIG = {
    "hyperparameters": {"objective": "reg:squarederror", "num_round": "50", "eval_metric": "rmse"},
    "quality_gate": {"metric": "validation:rmse", "threshold": 0.3, "higher_is_better": False},
}


@pytest.fixture(scope="module")
def rmse_platform() -> dict:
    """The definition for a platform that gates on validation:rmse (lower is better) with floor 0.28."""
    case_file = case_dir("module", "training-sfn") / "spot-off.tfvars"
    overrides = {"quality_gate": {"metric": "validation:rmse", "floor": 0.28}}
    plan = tfplan.load_plan(tfplan.plan_file("module", "training-sfn", [case_file], overrides))
    return json.loads(tfplan.planned_outputs(plan)["state_machine_definition"])


def test_lower_is_better_metric_takes_the_lower_of_floor_and_threshold(rmse_platform):
    metrics = [{"MetricName": "train:rmse", "Value": 0.1}, {"MetricName": "validation:rmse", "Value": 0.25}]
    result = run(rmse_platform, RMSE_CONFIG, trains(metrics))
    # The configuration's 0.3 is looser than the floor 0.28: the floor applies.
    assert result.status == "SUCCEEDED", result.output
    assert result.output["quality_gate"] == {
        "metric": "validation:rmse",
        "value": 0.25,
        "threshold": 0.28,
        "configured_threshold": 0.3,
        "floor": 0.28,
        "higher_is_better": False,
    }
    metrics[1]["Value"] = 0.29  # within the configuration's 0.3, above the floor
    result = run(rmse_platform, RMSE_CONFIG, trains(metrics))
    assert result.output["Error"] == "QualityGateFailed"
    assert result.output["Cause"].startswith(
        "quality gate: validation:rmse = 0.29 is above the threshold 0.28 (lower is better; the platform "
        "floor is 0.28)"
    )
    stricter = {**RMSE_CONFIG, "quality_gate": {**RMSE_CONFIG["quality_gate"], "threshold": 0.2}}
    metrics[1]["Value"] = 0.25  # within the floor, above the configuration's stricter 0.2
    result = run(rmse_platform, stricter, trains(metrics))
    assert result.output["Error"] == "QualityGateFailed"
    assert "is above the threshold 0.2 (lower is better" in result.output["Cause"]


def test_a_threshold_below_the_floor_is_raised_to_the_floor(spot_off):
    # The --loosen-gate attack: a configuration that asks for less than the platform's floor (0.7).
    loose = json.loads(json.dumps(EXAMPLE_CONFIG))
    loose["quality_gate"]["threshold"] = 0.5
    weak = [{"MetricName": "validation:auc", "Value": 0.65}]
    result = run(spot_off, loose, trains(weak))
    assert result.status == "FAILED"
    assert result.output["Error"] == "QualityGateFailed"
    assert result.output["Cause"].startswith(
        "quality gate: validation:auc = 0.65 is below the threshold 0.7 (higher is better; the platform "
        "floor is 0.7)"
    )
    result = run(spot_off, loose, trains(AUC_METRICS))
    assert result.status == "SUCCEEDED"
    gate = result.output["quality_gate"]
    assert (gate["threshold"], gate["configured_threshold"], gate["floor"]) == (0.7, 0.5, 0.7)


def test_the_floor_itself_passes(spot_off):
    loose = json.loads(json.dumps(EXAMPLE_CONFIG))
    loose["quality_gate"]["threshold"] = 0.1
    result = run(spot_off, loose, trains([{"MetricName": "validation:auc", "Value": 0.7}]))
    assert result.status == "SUCCEEDED", result.output


def test_a_configuration_gating_on_another_metric_is_refused(spot_off):
    config = {
        "hyperparameters": {**EXAMPLE_CONFIG["hyperparameters"], "eval_metric": "logloss"},
        "quality_gate": {"metric": "validation:logloss", "threshold": 0.2, "higher_is_better": False},
    }
    result = run(spot_off, config, trains(AUC_METRICS))
    assert result.status == "FAILED" and result.output["Error"] == "InvalidTrainingConfig"
    cause = result.output["Cause"]
    assert "validation:logloss" in cause and "validation:auc" in cause
    assert "Train" not in result.visited


# ----------------------------------------------------------------------------------- hyperparameter allowlist
# The names of "XGBoost hyperparameters" (SageMaker developer guide,
# https://docs.aws.amazon.com/sagemaker/latest/dg/xgboost_hyperparameters.html), read off the page.
XGBOOST_DOCUMENTED = {
    "num_class", "num_round", "alpha", "base_score", "booster", "colsample_bylevel", "colsample_bynode",
    "colsample_bytree", "csv_weights", "deterministic_histogram", "early_stopping_rounds", "eta",
    "eval_metric",
    "gamma", "grow_policy", "interaction_constraints", "lambda", "lambda_bias", "max_bin", "max_delta_step",
    "max_depth", "max_leaves", "min_child_weight", "monotone_constraints", "normalize_type", "nthread",
    "objective", "one_drop", "process_type", "rate_drop", "refresh_leaf", "sample_type", "scale_pos_weight",
    "seed", "single_precision_histogram", "sketch_eps", "skip_drop", "subsample", "tree_method",
    "tweedie_variance_power", "updater", "use_dask_gpu_training", "verbosity",
}  # fmt: skip


def test_the_default_allowlist_is_the_documented_xgboost_hyperparameters(spot_off):
    allowed = set(spot_off["States"]["AllowedHyperparameters"]["Parameters"]["allowed"])
    assert allowed == XGBOOST_DOCUMENTED
    # Every hyperparameter the configuration schema describes is allowed.
    assert set(CONFIG_SCHEMA["properties"]["hyperparameters"]["properties"]) <= allowed


def refused(definition: dict, hyperparameters: dict) -> Run:
    config = {**EXAMPLE_CONFIG, "hyperparameters": hyperparameters}
    result = run(definition, config, trains(AUC_METRICS))
    assert result.status == "FAILED", result.output
    assert result.output["Error"] == "InvalidTrainingConfig"
    assert "Train" not in result.visited and result.calls == []
    return result


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("_kfold", "5"),
        ("_", "1"),
        ("sagemaker_program", "train.py"),
        ("sagemaker_submit_directory", "s3://x"),
    ],
)
def test_a_reserved_hyperparameter_is_refused_before_training(spot_off, name, value):
    result = refused(spot_off, {**EXAMPLE_CONFIG["hyperparameters"], name: value})
    assert name in result.output["Cause"]
    assert "remove it from hyperparameters" in result.output["Cause"]


@pytest.mark.parametrize(
    ("name", "value"),
    [("feature_selector", "cyclic"), ("my_flag", True), ("x", {"nested": "1"})],
    ids=["undocumented name", "boolean value of an unknown name", "object value"],
)
def test_a_hyperparameter_outside_the_allowlist_is_refused_before_training(spot_off, name, value):
    # A value of true under an unknown name is the allowlist's own marker: the count of names still tells.
    result = refused(spot_off, {**EXAMPLE_CONFIG["hyperparameters"], name: value})
    assert f'"{name}"' in result.output["Cause"]
    assert "allowed_hyperparameters" in result.output["Cause"]


def test_a_reserved_prefix_inside_a_value_is_not_a_reserved_name(spot_off):
    hyperparameters = {**EXAMPLE_CONFIG["hyperparameters"], "eval_metric": "auc", "updater": 'a,"_x'}
    config = {**EXAMPLE_CONFIG, "hyperparameters": hyperparameters}
    assert run(spot_off, config, trains(AUC_METRICS)).status == "SUCCEEDED"


@pytest.mark.parametrize("value", [100, True, None, ["1"]])
def test_a_hyperparameter_value_must_be_a_string(spot_off, value):
    result = refused(spot_off, {**EXAMPLE_CONFIG["hyperparameters"], "num_round": value})
    assert "must be a string" in result.output["Cause"]


@pytest.mark.parametrize("hyperparameters", ["num_round=1", 3, None])
def test_hyperparameters_must_be_an_object(spot_off, hyperparameters):
    refused(spot_off, hyperparameters)


@pytest.mark.parametrize(
    "metrics",
    [
        [m for m in AUC_METRICS if m["MetricName"] != "validation:auc"],
        [],
        None,
    ],
    ids=["other metrics only", "empty FinalMetricDataList", "no FinalMetricDataList"],
)
def test_metric_not_reported_fails_the_gate(spot_off, metrics):
    # Not States.Runtime (a path matching nothing, which no Catch takes): the gate's own failure, naming the
    # metric and the job.
    result = run(spot_off, EXAMPLE_CONFIG, trains(metrics))
    assert result.status == "FAILED"
    assert result.output == {
        "Error": "QualityGateFailed",
        "Cause": f"quality gate: metric validation:auc was not reported by training job {JOB_NAME}: the job "
        "reported no such metric (FinalMetricDataList); list its name after the channel in "
        "hyperparameters.eval_metric",
    }


@pytest.mark.parametrize(
    "change",
    [
        {"hyperparameters": None},
        {"quality_gate": None},
        {"quality_gate": {"metric": "validation:auc", "threshold": "0.75", "higher_is_better": True}},
        {"quality_gate": {"metric": "validation:auc", "threshold": 0.75, "higher_is_better": False}},
        {"quality_gate": {"metric": "train:auc", "threshold": 0.75, "higher_is_better": True}},
        {"quality_gate": {"metric": "validation:auc", "threshold": 0.75}},
    ],
    ids=[
        "no hyperparameters",
        "no gate",
        "threshold string",
        "wrong direction",
        "train metric",
        "no direction",
    ],
)
def test_invalid_input_fails_before_training(spot_off, change):
    config = {k: v for k, v in {**EXAMPLE_CONFIG, **change}.items() if v is not None}
    result = run(spot_off, config)
    assert result.status == "FAILED" and result.output["Error"] == "InvalidTrainingConfig"
    assert "Train" not in result.visited


def test_training_failure_cause(spot_off):
    state = spot_off["States"]["TrainingFailed"]
    data = {"error": {"Error": "States.TaskFailed", "Cause": "AlgorithmError: XGBoost training failed"}}
    assert state["Error"] == "TrainingFailed"
    assert (
        evaluate(state["CausePath"], data, {}) == "training failed: AlgorithmError: XGBoost training failed"
    )
    assert spot_off["States"]["TrainingTimedOut"]["Cause"].startswith("training failed: ")


def test_a_failed_job_is_not_retried(spot_off):
    tasks = scripted(
        ("Train", TaskError("States.TaskFailed", '{"FailureReason": "AlgorithmError: bad data"}'))
    )
    result = run(spot_off, EXAMPLE_CONFIG, tasks)
    assert result.output == {
        "Error": "TrainingFailed",
        "Cause": 'training failed: {"FailureReason": "AlgorithmError: bad data"}',
    }
    assert [c[0] for c in result.calls] == [*LISTED, "Train"]


# ---------------------------------------------------------------------------- retries: transient errors only
@pytest.mark.parametrize(
    "failure",
    [
        sagemaker_error(
            "ValidationException",
            "1 validation error detected: Value 'ml.x' at 'resourceConfig.instanceType'",
        ),
        sagemaker_error(
            "AccessDeniedException", "User: ... is not authorized to perform: sagemaker:CreateTrainingJob"
        ),
        sagemaker_error(
            "ResourceLimitExceeded",
            "The account-level service limit 'ml.m5.large for training job usage' is 0 Instances",
            modeled=True,
        ),
        sagemaker_error("ResourceInUse", "Resource in use for an unrelated reason", modeled=True),
    ],
    ids=["validation", "access denied", "quota", "other ResourceInUse"],
)
def test_a_permanent_sagemaker_error_fails_at_once(spot_off, failure):
    # SageMaker.AmazonSageMakerException also carries ValidationException: the name alone cannot be retried.
    result = run(spot_off, EXAMPLE_CONFIG, scripted(("Train", failure)))
    assert result.output == {"Error": "TrainingFailed", "Cause": f"training failed: {failure.cause}"}
    assert [c[0] for c in result.calls] == [*LISTED, "Train"]
    assert result.waits == []


@pytest.mark.parametrize("code", ["ThrottlingException", "InternalFailure", "ServiceUnavailable"])
def test_a_transient_sagemaker_error_is_retried_after_a_wait(spot_off, code):
    tasks = scripted(
        ("Train", sagemaker_error(code, "Rate exceeded")),
        ("Train", describe_training_job(AUC_METRICS, JOB_NAME)),
    )
    result = run(spot_off, EXAMPLE_CONFIG, tasks)
    assert result.status == "SUCCEEDED", result.output
    assert [c[0] for c in result.calls] == [*LISTED, "Train", "Train", "PinModel"]
    assert result.calls[2][1] == result.calls[3][1]  # the same request, hence the same job name
    assert result.waits == [15]


def test_transient_retries_are_bounded(spot_off):
    throttled = sagemaker_error("ThrottlingException", "Rate exceeded")
    result = run(spot_off, EXAMPLE_CONFIG, scripted(*[("Train", throttled)] * 4))
    assert result.output == {"Error": "TrainingFailed", "Cause": f"training failed: {throttled.cause}"}
    assert [c[0] for c in result.calls] == [*LISTED, *["Train"] * 4]
    assert result.waits == [15, 60, 240]


# ------------------------------------------------------------------ resuming the job of an earlier attempt
def test_a_retry_after_the_job_was_created_resumes_it(spot_off):
    # The first create went through but its answer was lost (throttled on the way back): the retry finds
    # the name in use, and the execution follows the job it already started, to the same gate and output.
    tasks = scripted(
        ("Train", sagemaker_error("ThrottlingException", "Rate exceeded")),
        ("Train", already_exists(JOB_NAME)),
        ("DescribeExistingJob", describe_training_job(None, JOB_NAME, status="InProgress")),
        ("DescribeExistingJob", describe_training_job(AUC_METRICS, JOB_NAME)),
    )
    result = run(spot_off, EXAMPLE_CONFIG, tasks)
    assert result.status == "SUCCEEDED", result.output
    assert tasks.left == []
    assert result.calls[4][1] == {"TrainingJobName": JOB_NAME}
    Draft202012Validator(OUTPUT_SCHEMA).validate(result.output)
    assert result.output["training_job_name"] == JOB_NAME
    assert result.output["quality_gate"]["value"] == 0.8338
    assert result.output["quality_gate"]["threshold"] == 0.75
    assert result.waits == [15, 60]  # the back-off, then one poll interval


def test_resuming_applies_the_same_gate(spot_off):
    config = json.loads(json.dumps(EXAMPLE_CONFIG))
    config["quality_gate"]["threshold"] = 0.9
    tasks = scripted(
        ("Train", already_exists(JOB_NAME)),
        ("DescribeExistingJob", describe_training_job(AUC_METRICS, JOB_NAME)),
    )
    result = run(spot_off, config, tasks)
    assert result.output["Error"] == "QualityGateFailed"
    assert "is below the threshold 0.9" in result.output["Cause"]
    tasks = scripted(
        ("Train", already_exists(JOB_NAME)),
        ("DescribeExistingJob", describe_training_job(None, JOB_NAME)),
    )
    assert run(spot_off, EXAMPLE_CONFIG, tasks).output["Error"] == "QualityGateFailed"


@pytest.mark.parametrize("status", ["Failed", "Stopped"])
def test_a_resumed_job_that_ended_badly_fails_the_training(spot_off, status):
    described = {**describe_training_job(None, JOB_NAME, status=status), "FailureReason": "AlgorithmError: x"}
    tasks = scripted(("Train", already_exists(JOB_NAME)), ("DescribeExistingJob", described))
    result = run(spot_off, EXAMPLE_CONFIG, tasks)
    assert result.output["Error"] == "TrainingFailed"
    assert result.output["Cause"].startswith(
        f"training failed: training job {JOB_NAME} (started by an earlier attempt of this execution) is "
        f"{status}: "
    )
    assert "AlgorithmError: x" in result.output["Cause"]


def test_describing_the_existing_job_retries_only_transient_sdk_errors(spot_off):
    # SDK integrations name errors <Service>.<Error>Exception.
    tasks = scripted(
        ("Train", already_exists(JOB_NAME)),
        ("DescribeExistingJob", TaskError("SageMaker.ThrottlingException", "Rate exceeded")),
        ("DescribeExistingJob", describe_training_job(AUC_METRICS, JOB_NAME)),
    )
    assert run(spot_off, EXAMPLE_CONFIG, tasks).status == "SUCCEEDED"
    denied = TaskError(
        "SageMaker.SageMakerException", "not authorized to perform: sagemaker:DescribeTrainingJob"
    )
    tasks = scripted(("Train", already_exists(JOB_NAME)), ("DescribeExistingJob", denied))
    result = run(spot_off, EXAMPLE_CONFIG, tasks)
    assert result.output == {"Error": "TrainingFailed", "Cause": f"training failed: {denied.cause}"}


def test_polling_stays_within_the_execution_history_quota(spot_off, spot_on):
    # 25,000 events per Standard execution (Step Functions service quotas); a poll (Wait, Task, Choice) adds
    # about 9. The longest a resumed job can run is the Train task's timeout.
    for definition in (spot_off, spot_on):
        seconds = definition["States"]["WaitForExistingJob"]["Seconds"]
        timeout = definition["States"]["Train"]["TimeoutSeconds"]
        assert seconds >= 60
        assert timeout / seconds * 9 < 25000


# ------------------------------------------------------------------------------------- Step Functions role
def sfn_policy(name: str) -> dict:
    plan = case("module", "training-sfn", name).plan()
    return json.loads(tfplan.all_resources(plan)["aws_iam_role_policy.sfn"]["values"]["policy"])


def statements_by_sid(policy: dict) -> dict:
    def listed(value: Any) -> list:
        return sorted(value) if isinstance(value, list) else [value]

    return {
        s["Sid"]: {
            "Effect": s["Effect"],
            "Action": listed(s["Action"]),
            "Resource": listed(s["Resource"]),
            **({"Condition": s["Condition"]} if "Condition" in s else {}),
        }
        for s in policy["Statement"]
    }


def test_sfn_role_policy_is_awss_sync_policy_plus_what_the_definition_needs():
    # AWS's policy for createTrainingJob.sync ("IAM policies for Amazon SageMaker AI", Step Functions
    # developer guide): Create/Describe/StopTrainingJob on the jobs, sagemaker:ListTags on "*", iam:PassRole
    # with iam:PassedToService, events:PutTargets/PutRule/DescribeRule on the managed rule. Added by this
    # definition: AddTags (tags on create), kms:CreateGrant (VolumeKmsKeyId), log delivery, X-Ray. The
    # DescribeExistingJob state (aws-sdk describeTrainingJob) needs sagemaker:DescribeTrainingJob, RecordData
    # (aws-sdk listObjectVersions) s3:ListBucketVersions: no more.
    assert statements_by_sid(sfn_policy("spot-off")) == {
        "TrainingJobs": {
            "Effect": "Allow",
            "Action": [
                "sagemaker:AddTags",
                "sagemaker:DescribeTrainingJob",
                "sagemaker:StopTrainingJob",
            ],
            "Resource": ["arn:aws:sagemaker:eu-west-1:222222222222:training-job/mlops-train-*"],
        },
        # Only the job the definition asks for (condition keys of sagemaker:CreateTrainingJob, Service
        # Authorization Reference).
        "CreateTheConfiguredTrainingJob": {
            "Effect": "Allow",
            "Action": ["sagemaker:CreateTrainingJob"],
            "Resource": ["arn:aws:sagemaker:eu-west-1:222222222222:training-job/mlops-train-*"],
            "Condition": {
                "Bool": {
                    "sagemaker:NetworkIsolation": "true",
                    "sagemaker:InterContainerTrafficEncryption": "true",
                },
                "ArnEquals": {"sagemaker:VolumeKmsKey": SHARED_KEY, "sagemaker:OutputKmsKey": SHARED_KEY},
                "ForAllValues:StringEquals": {"sagemaker:InstanceTypes": "ml.m5.large"},
                "Null": {"sagemaker:InstanceTypes": "false"},
            },
        },
        # PinModel: read and re-store (by copy only) this state machine's model archives.
        "ReadModelArchives": {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion"],
            "Resource": [f"arn:aws:s3:::{BUCKET}/models/mlops-train-*/output/model.tar.gz"],
        },
        # RecordData: ListObjectVersions of exactly the two channel prefixes, nothing else of the bucket.
        "ListTrainingDataVersions": {
            "Effect": "Allow",
            "Action": ["s3:ListBucketVersions"],
            "Resource": [f"arn:aws:s3:::{BUCKET}"],
            "Condition": {"StringEquals": {"s3:prefix": ["data/train/", "data/validation/"]}},
        },
        "PinModelArchivesByCopyOnly": {
            "Effect": "Allow",
            "Action": ["s3:PutObject"],
            "Resource": [f"arn:aws:s3:::{BUCKET}/models/mlops-train-*/output/model.tar.gz"],
            "Condition": {
                "StringLike": {
                    "s3:x-amz-copy-source": [
                        f"{BUCKET}/models/mlops-train-*/output/model.tar.gz",
                        f"/{BUCKET}/models/mlops-train-*/output/model.tar.gz",
                    ]
                }
            },
        },
        "ArtifactKeyThroughS3": {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": [SHARED_KEY],
            "Condition": {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}},
        },
        "SyncListTags": {"Effect": "Allow", "Action": ["sagemaker:ListTags"], "Resource": ["*"]},
        "SyncRule": {
            "Effect": "Allow",
            "Action": ["events:DescribeRule", "events:PutRule", "events:PutTargets"],
            "Resource": [
                "arn:aws:events:eu-west-1:222222222222:rule/StepFunctionsGetEventsForSageMakerTrainingJobsRule"
            ],
        },
        "PassTheTrainingRoleToSageMakerOnly": {
            "Effect": "Allow",
            "Action": ["iam:PassRole"],
            "Resource": ["arn:aws:iam::222222222222:role/mlops-training-sagemaker"],
            "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        },
        "VolumeKeyGrantForSageMaker": {
            "Effect": "Allow",
            "Action": ["kms:CreateGrant"],
            "Resource": [SHARED_KEY],
            "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        },
        "LogDelivery": {
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogDelivery",
                "logs:DeleteLogDelivery",
                "logs:DescribeLogGroups",
                "logs:DescribeResourcePolicies",
                "logs:GetLogDelivery",
                "logs:ListLogDeliveries",
                "logs:PutResourcePolicy",
                "logs:UpdateLogDelivery",
            ],
            "Resource": ["*"],
        },
        "Tracing": {
            "Effect": "Allow",
            "Action": [
                "xray:GetSamplingRules",
                "xray:GetSamplingTargets",
                "xray:PutTelemetryRecords",
                "xray:PutTraceSegments",
            ],
            "Resource": ["*"],
        },
    }
