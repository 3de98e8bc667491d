"""Failure paths: every one ends in exactly one PutJobFailureResult with a clear message and the right type,
except the two where no answer is possible (not a job event; the callback role cannot be assumed)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from deployer_testkit import (
    ACCOUNT_A,
    ARTIFACT_BUCKET,
    ARTIFACT_KEY,
    CALLBACK_ROLE,
    EXAMPLE_OUTPUT,
    JOB_ID,
    SERVERLESS,
    World,
    failure,
    zip_bytes,
)

from prod_deployer.errors import CannotReport


class _Response:
    def __init__(self, status: int) -> None:
        self.status_code = status
        self.headers: dict[str, str] = {}


def deny_with(code: str, message: str, status: int = 403) -> Any:
    """A botocore before-call hook that makes exactly one operation fail the way AWS would."""

    def hook(**_: Any) -> tuple[_Response, dict[str, Any]]:
        return _Response(status), {"Error": {"Code": code, "Message": message}}

    return hook


# --- events that cannot be answered -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [{}, {"CodePipeline.job": {}}, {"CodePipeline.job": {"id": "not-a-job-id"}}, [], None],
    ids=["empty", "no-id", "bad-id", "list", "none"],
)
def test_not_a_job_event_is_logged_and_raised(world: World, event: Any) -> None:
    with pytest.raises(CannotReport):
        world.run(event)
    assert world.recorder.calls == []
    assert world.sim.mutating_calls() == []


def test_assume_role_denied_cannot_answer(world: World) -> None:
    # moto does not enforce trust policies: stub exactly sts:AssumeRole with IAM's answer.
    world.clients.sts().meta.events.register(
        "before-call.sts.AssumeRole",
        deny_with("AccessDenied", f"not authorized to perform: sts:AssumeRole on resource: {CALLBACK_ROLE}"),
    )
    world.put_artifact(EXAMPLE_OUTPUT)
    with pytest.raises(CannotReport, match=r"sts:AssumeRole of .* denied: AccessDenied"):
        world.run()
    assert world.recorder.calls == []
    assert world.sim.mutating_calls() == []  # nothing deployed that nobody could report


def test_no_usable_callback_role_anywhere(world: World) -> None:
    world.env.pop("CALLBACK_ROLE_ARN")
    with pytest.raises(CannotReport, match="no callback role"):
        world.run(world.event(user_parameters="{}"))
    assert world.recorder.calls == []


# --- malformed job events (answered through CALLBACK_ROLE_ARN) ----------------------------------------------


def test_job_without_input_artifact(world: World) -> None:
    event = world.event()
    event["CodePipeline.job"]["data"]["inputArtifacts"] = []
    world.run(event)
    assert world.recorder.only() == failure(
        "ConfigurationError",
        "the deploy action has no input artifact: give it the Train stage's output artifact",
    )


def test_job_without_artifact_credentials(world: World) -> None:
    event = world.event()
    del event["CodePipeline.job"]["data"]["artifactCredentials"]
    world.run(event)
    assert world.recorder.only() == failure("ConfigurationError", "job event has no artifactCredentials")


def test_job_without_data(world: World) -> None:
    world.run({"CodePipeline.job": {"id": JOB_ID, "accountId": ACCOUNT_A}})
    assert world.recorder.only() == failure(
        "ConfigurationError",
        "action user parameters are missing: expected a JSON object with callback_role_arn",
    )


def test_garbage_continuation_token(world: World) -> None:
    world.run(world.event(token="not json"))
    assert world.recorder.only() == failure(
        "JobFailed", "continuation token is not JSON written by this deployer"
    )


# --- the input artifact -------------------------------------------------------------------------------------


def test_missing_artifact(world: World) -> None:
    world.run()
    assert world.recorder.only() == failure(
        "JobFailed", f"input artifact s3://{ARTIFACT_BUCKET}/{ARTIFACT_KEY} does not exist (NoSuchKey)"
    )


def test_artifact_access_denied(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # moto does not evaluate the bucket/key policies here: stub exactly s3:GetObject with S3's AccessDenied.
    make_s3 = world.clients.s3

    def s3_denied(credentials: Any) -> Any:
        client = make_s3(credentials)
        client.meta.events.register("before-call.s3.GetObject", deny_with("AccessDenied", "Access Denied"))
        return client

    monkeypatch.setattr(world.clients, "s3", s3_denied)
    world.put_artifact(EXAMPLE_OUTPUT)
    world.run()
    assert world.recorder.only() == failure(
        "PermissionError",
        f"cannot read input artifact s3://{ARTIFACT_BUCKET}/{ARTIFACT_KEY} with the job's artifact "
        "credentials (AccessDenied)",
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"PK\x03\x04 this is not a zip", "input artifact is not a readable zip: File is not a zip file"),
        (
            zip_bytes({"a.json": b"{}", "b.json": b"{}"}),
            "input artifact zip must hold exactly one JSON file, found: a.json, b.json",
        ),
        (zip_bytes({}), "input artifact zip must hold exactly one JSON file, found: none"),
        (
            zip_bytes({"out.json": b"{not json"}),
            "input artifact out.json is not valid JSON: Expecting property name enclosed in double quotes: "
            "line 1 column 2 (char 1)",
        ),
        (
            b"not json",
            "input artifact (bare object) is not valid JSON: Expecting value: line 1 column 1 (char 0)",
        ),
        (b"[1, 2]", "training output must be a JSON object, got list"),
        (
            json.dumps({**EXAMPLE_OUTPUT, "model_data_url": "https://example.com/model.tar.gz"}).encode(),
            "training output does not match training-output.schema.json: model_data_url must be "
            "s3://<bucket>/<key>/model.tar.gz, got 'https://example.com/model.tar.gz'",
        ),
        (
            json.dumps(
                {"training_job_name": "-bad", "metrics": [{"MetricName": 1}], "quality_gate": {}}
            ).encode(),
            "training output does not match training-output.schema.json: model_data_url is required; "
            "model_version_id is required; model_sha256 is required; training_execution_arn is required; "
            "image_uri is required; training_job_name is not a SageMaker training job name: '-bad'; "
            "metrics[0].MetricName must be a string; metrics[0].Value must be a number; "
            "quality_gate.metric must be a string; "
            "quality_gate.value must be a number; quality_gate.threshold must be a number",
        ),
    ],
    ids=[
        "bad-zip",
        "two-files",
        "empty-zip",
        "zip-bad-json",
        "bare-bad-json",
        "not-object",
        "bad-url",
        "many",
    ],
)
def test_unreadable_artifact(world: World, body: bytes, message: str) -> None:
    world.put_artifact(body)
    world.run()
    assert world.recorder.only() == failure("JobFailed", message)
    assert world.sim.mutating_calls() == []


def test_bare_json_artifact_is_accepted(world: World) -> None:
    pinned = world.put_model(EXAMPLE_OUTPUT)
    world.put_artifact(json.dumps(pinned).encode())
    world.approved = {f: pinned[f] for f in ("training_job_name", "model_version_id", "model_sha256")}
    world.run()
    assert world.recorder.only()[0] == "put_job_success_result"


# --- user parameters ----------------------------------------------------------------------------------------

OTHER_ROLE = "arn:aws:iam::444444444444:role/evil"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ("", "action user parameters are missing: expected a JSON object with callback_role_arn"),
        (
            "{oops",
            "action user parameters are not valid JSON: Expecting property name enclosed in double quotes "
            "at position 1",
        ),
        ('"a string"', "action user parameters must be a JSON object"),
        (
            "{}",
            "invalid action user parameters: user parameter callback_role_arn is required; "
            "user parameter mode must be one of verify, deploy, got None",
        ),
        (
            json.dumps({"callback_role_arn": "arn:aws:iam::111111111111:user/bob", "mode": "verify"}),
            "invalid action user parameters: user parameter callback_role_arn must be an IAM role ARN, got "
            "'arn:aws:iam::111111111111:user/bob'",
        ),
        (
            json.dumps(
                {
                    "callback_role_arn": CALLBACK_ROLE,
                    "mode": "verify",
                    "training_execution_arn": "nope",
                    "extra": 1,
                }
            ),
            "invalid action user parameters: user parameter training_execution_arn is not a Step Functions "
            "execution ARN: 'nope'; unknown user parameters: extra",
        ),
        (
            json.dumps({"callback_role_arn": OTHER_ROLE, "mode": "verify"}),
            f"user parameter callback_role_arn {OTHER_ROLE} is not this deployer's callback role "
            f"{CALLBACK_ROLE} (CALLBACK_ROLE_ARN): fix the deploy action or the deployer",
        ),
    ],
    ids=["empty", "bad-json", "not-object", "no-role", "user-arn", "bad-sfn-arn", "other-role"],
)
def test_invalid_user_parameters(world: World, params: str, message: str) -> None:
    world.put_artifact(EXAMPLE_OUTPUT)
    world.run(world.event(user_parameters=params))
    assert world.recorder.only() == failure("ConfigurationError", message)
    # The answer went through the configured role, never through one named by the event.
    (creds,) = world.clients.callback_credentials
    assert creds["AccessKeyId"]
    assert world.sim.mutating_calls() == []


# --- environment (the module's settings) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ENDPOINT_NAME": ""}, "environment variable ENDPOINT_NAME is required"),
        ({"ENDPOINT_NAME": "bad_name"}, "ENDPOINT_NAME 'bad_name' is not a valid SageMaker name"),
        ({"NAME_PREFIX": "x" * 41}, f"NAME_PREFIX '{'x' * 41}' must be 1-40 characters"),
        (
            {"MODEL_EXECUTION_ROLE_ARN": "role"},
            "MODEL_EXECUTION_ROLE_ARN must be an IAM role ARN, got 'role'",
        ),
        ({"ENDPOINT_CONFIG": "{"}, "ENDPOINT_CONFIG is not valid JSON"),
        (
            {"ENDPOINT_CONFIG": '{"type": "gpu"}'},
            'ENDPOINT_CONFIG.type must be "serverless" or "instance", got \'gpu\'',
        ),
        (
            {"ENDPOINT_CONFIG": '{"type": "serverless"}'},
            'ENDPOINT_CONFIG.serverless must be an object when type is "serverless"',
        ),
        (
            {
                "ENDPOINT_CONFIG": json.dumps(
                    {"type": "serverless", "serverless": {"memory_mb": 1000, "max_concurrency": 0}}
                )
            },
            "ENDPOINT_CONFIG.serverless.memory_mb must be one of [1024, 2048, 3072, 4096, 5120, 6144], "
            "got 1000; "
            "ENDPOINT_CONFIG.serverless.max_concurrency must be between 1 and 200, got 0",
        ),
        (
            {
                "ENDPOINT_CONFIG": json.dumps(
                    {
                        "type": "instance",
                        "instance": {
                            "instance_type": "m5.large",
                            "instance_count": 1,
                            "canary_size_percent": 80,
                            "canary_wait_seconds": 60,
                        },
                    }
                )
            },
            "ENDPOINT_CONFIG.instance.instance_type must look like ml.m5.large, got 'm5.large'; "
            "ENDPOINT_CONFIG.instance.canary_size_percent must be between 1 and 50, got 80",
        ),
        ({"KEEP_VERSIONS": "-1"}, "KEEP_VERSIONS must be an integer from 0 (no clean-up) to 100, got '-1'"),
        ({"RESOURCE_TAGS": "[]"}, "RESOURCE_TAGS must be a JSON object of string values"),
    ],
    ids=[
        "no-endpoint",
        "bad-endpoint",
        "long-prefix",
        "bad-role",
        "bad-json",
        "bad-type",
        "no-serverless",
        "serverless-range",
        "instance-range",
        "keep",
        "tags",
    ],
)
def test_invalid_environment(world: World, overrides: dict[str, str], message: str) -> None:
    world.env.update(overrides)
    world.put_artifact(EXAMPLE_OUTPUT)
    world.run()
    kind, args = world.recorder.only()
    assert kind == "put_job_failure_result"
    assert args["failureDetails"]["type"] == "ConfigurationError"
    assert args["failureDetails"]["message"].startswith("invalid deployer configuration: ")
    assert message in args["failureDetails"]["message"]
    assert world.sim.mutating_calls() == []


def test_invalid_environment_exact_message(world: World) -> None:
    world.env.pop("ENDPOINT_CONFIG")
    world.env["NAME_PREFIX"] = "-bad"
    world.run()
    assert world.recorder.only() == failure(
        "ConfigurationError",
        "invalid deployer configuration: NAME_PREFIX '-bad' must be 1-40 characters of letters, digits and "
        "hyphens, starting and ending with a letter or digit; environment variable ENDPOINT_CONFIG is "
        "required",
    )


def test_missing_callback_role_env_is_reported_through_the_user_parameter_role(world: World) -> None:
    world.env.pop("CALLBACK_ROLE_ARN")
    world.run()
    assert world.recorder.only() == failure(
        "ConfigurationError",
        "invalid deployer configuration: environment variable CALLBACK_ROLE_ARN is required",
    )


def test_terraform_jsonencode_shape_is_accepted(world: World) -> None:
    """jsonencode(var.endpoint) of the module writes null for the unused branch and optional attributes."""
    world.env["ENDPOINT_CONFIG"] = json.dumps({**SERVERLESS, "instance": None})
    world.put_artifact(EXAMPLE_OUTPUT)
    world.run()
    assert world.recorder.only()[0] == "put_job_success_result"


def test_failure_answer_error_propagates(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(**_: Any) -> None:
        raise RuntimeError("codepipeline unavailable")

    monkeypatch.setattr(world.recorder, "put_job_failure_result", broken)
    with pytest.raises(RuntimeError, match="codepipeline unavailable"):
        world.run()
