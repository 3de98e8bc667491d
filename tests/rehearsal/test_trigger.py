"""The pipeline's own trigger and definition, and a second plan of every env after the rehearsal.

The source writer's put is the S3 "Object Created" event that the applied EventBridge rule matches and whose
target starts the pipeline as the events role; the runner then follows the applied definition (GetPipeline),
publishes the approval notification to the applied topic, and a second `terraform plan` of each env shows no
changes. Emulator tests (group "emulator"): they share the session's applied envs with test_e2e.py.
"""

from __future__ import annotations

import copy
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import DATA
from rehearsal import apply as tf
from rehearsal import compat
from rehearsal.runner import DEFAULT_CONFIG, EVENTS_SERVICE, PipelineRunner, StageFailed

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("emulator")]


@pytest.fixture(scope="module")
def runner(aws, applied):
    return PipelineRunner(aws, applied["states"], log=lambda _m: None, work_dir=applied["workspace"].dir)


def executions(aws, runner) -> set[str]:
    listed = aws.client("codepipeline", "shared").list_pipeline_executions(pipelineName=runner.pipeline_name)
    return {e["pipelineExecutionId"] for e in listed["pipelineExecutionSummaries"]}


@pytest.fixture(scope="module")
def rejected(aws, runner):
    """One execution up to Approve, rejected there (no deployment)."""
    before = executions(aws, runner)
    result = runner.run(json.loads(DEFAULT_CONFIG.read_text()), approval="reject", score=False)
    return {"result": result, "before": before}


def published(aws, topic_arn: str) -> dict[str, str]:
    """Message id -> message of what SNS took for delivery on the topic (the emulator's own record)."""
    from moto.sns.models import sns_backends

    topic = sns_backends[aws.accounts["shared"]][aws.region].topics[topic_arn]
    return {message_id: message for message_id, message, *_ in topic.sent_notifications}


# ------------------------------------------------------------------------------------------------ P12
def test_bucket_reports_its_eventbridge_setting(aws):
    s3 = aws.client("s3", "shared")
    bucket = f"p12-eventbridge-{aws.accounts['shared']}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": aws.region})
    try:
        assert "EventBridgeConfiguration" not in s3.get_bucket_notification_configuration(Bucket=bucket)
        s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}}
        )
        assert s3.get_bucket_notification_configuration(Bucket=bucket)["EventBridgeConfiguration"] == {}
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
        assert "EventBridgeConfiguration" not in s3.get_bucket_notification_configuration(Bucket=bucket)
    finally:
        s3.delete_bucket(Bucket=bucket)


# -------------------------------------------------------------------------------------------- trigger
def test_source_put_starts_the_pipeline_through_the_applied_rule(aws, applied, runner, rejected):
    result = rejected["result"]
    assert result.failed.stage == "Approve"  # got there: Source and Train ran on the started execution
    assert [s[0] for s in result.stages] == ["Source", "Train", "Approve"]
    (applied_rule,) = [
        r for r in tf.resources(applied["states"]["shared"]) if r["type"] == "aws_cloudwatch_event_rule"
    ]
    events = aws.client("events", "shared")
    rule = events.describe_rule(Name=result.trigger["rule"])
    assert rule["Arn"] == applied_rule["values"]["arn"]
    (target,) = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
    assert result.trigger == {
        "rule": rule["Name"],
        "target": runner.pipeline_arn,
        "role": target["RoleArn"],
        "execution": result.pipeline_execution_id,
    }
    assert target["Arn"] == runner.pipeline_arn and target["RoleArn"].endswith("-events")
    # Exactly one new execution: the source object's event; the data writer's two uploads started nothing.
    assert executions(aws, runner) - rejected["before"] == {result.pipeline_execution_id}
    # The observer reads what CodePipeline reports: the execution failed (rejected at Approve).
    execution = runner.persona_client("codepipeline", "observers").get_pipeline_execution(
        pipelineName=runner.pipeline_name, pipelineExecutionId=result.pipeline_execution_id
    )["pipelineExecution"]
    assert execution["status"] == "Failed" and "rejected" in execution["statusSummary"]


def test_events_that_the_rule_does_not_match_start_nothing(aws, runner, rejected):
    conf = runner._action("Source", "S3")["configuration"]
    put = {"ETag": '"0"', "VersionId": "v", "ResponseMetadata": {"RequestId": "r"}}
    source = runner.object_created_event(conf["S3Bucket"], conf["S3ObjectKey"], 1, put)
    wrong_key = copy.deepcopy(source)
    wrong_key["detail"]["object"]["key"] = "source/other.zip"
    deleted = dict(copy.deepcopy(source), **{"detail-type": "Object Deleted"})
    data = runner.object_created_event(conf["S3Bucket"], "data/train/train.csv", 1, put)
    before = executions(aws, runner)
    for event in (wrong_key, deleted, data):
        assert runner.trigger(event) == []
    assert executions(aws, runner) == before


def test_run_says_when_no_rule_starts_the_pipeline(aws, runner, rejected):
    events = aws.client("events", "shared")
    rule = rejected["result"].trigger["rule"]
    before = executions(aws, runner)
    events.disable_rule(Name=rule)  # EventBridge matches only ENABLED rules
    try:
        result = runner.run(json.loads(DEFAULT_CONFIG.read_text()), DATA, score=False)
    finally:
        events.enable_rule(Name=rule)
    assert result.failed.stage == "Trigger" and result.stages == []
    assert "matches the Object Created event" in result.failed.reason
    assert f"pipeline {runner.pipeline_name} did not start" in result.failed.reason
    assert result.pipeline_execution_id is None and executions(aws, runner) == before


def test_events_role_is_assumed_only_for_its_rule(aws, runner, rejected):
    role = rejected["result"].trigger["role"]
    other_rule = f"arn:aws:events:{aws.region}:{aws.accounts['shared']}:rule/another-rule"
    with pytest.raises(StageFailed) as refused:
        runner.service_session(role, EVENTS_SERVICE, other_rule)
    assert f"{EVENTS_SERVICE} may not assume {role} for {other_rule}" in refused.value.reason
    with pytest.raises(StageFailed) as refused:
        runner.service_session(role, "codepipeline.amazonaws.com", runner.pipeline_arn)
    assert "codepipeline.amazonaws.com may not assume" in refused.value.reason


# --------------------------------------------------------------------------------------- definition
def test_runner_follows_the_applied_definition(aws, runner):
    # A definition with a stage the rehearsal cannot run after Source: the runner runs Source, then stops
    # at that stage and names its action type (the stage list is the definition's, not a fixed one).
    edited = copy.copy(runner)
    edited.pipeline = copy.deepcopy(runner.pipeline)
    build = {
        "name": "Build",
        "actions": [
            {
                "name": "Compile",
                "actionTypeId": {
                    "category": "Build",
                    "owner": "AWS",
                    "provider": "CodeBuild",
                    "version": "1",
                },
                "runOrder": 1,
            }
        ],
    }
    edited.pipeline["stages"].insert(1, build)
    result = edited.run(json.loads(DEFAULT_CONFIG.read_text()), DATA, score=False)
    assert [s[0] for s in result.stages] == ["Source", "Build"]
    assert result.failed.stage == "Build"
    listed = aws.client("codepipeline", "shared").list_pipeline_executions(pipelineName=runner.pipeline_name)
    statuses = {e["pipelineExecutionId"]: e["status"] for e in listed["pipelineExecutionSummaries"]}
    assert statuses[result.pipeline_execution_id] == "Failed"
    assert set(statuses.values()) <= {"Succeeded", "Failed"}  # every execution the runner ran has ended
    assert "action Compile has action type Build/AWS/CodeBuild (version 1)" in result.failed.reason
    assert "cannot run" in result.failed.reason


# ------------------------------------------------------------------------------------------- approval
def test_approval_notification_is_published_to_the_applied_topic(aws, runner, rejected):
    result = rejected["result"]
    notification = result.approval_notification
    approve = runner._action("Approval", "Manual")
    topic = runner.outputs["shared"]["approval_topic_arn"]
    assert notification["topic"] == approve["configuration"]["NotificationArn"] == topic
    message = json.loads(published(aws, topic)[notification["message_id"]])
    assert message == notification["message"]
    assert set(message) == {"region", "consoleLink", "approval"}
    approval = message["approval"]
    assert set(approval) == {
        "pipelineName",
        "stageName",
        "actionName",
        "token",
        "expires",
        "externalEntityLink",
        "approvalReviewLink",
        "customData",
    }
    assert (approval["pipelineName"], approval["stageName"], approval["actionName"]) == (
        runner.pipeline_name,
        "Approve",
        "Approve",
    )
    answered = compat.APPROVALS[approval["token"]]
    assert answered["status"] == "Rejected" and answered["answer"]["caller"].endswith(":role/ml-approver")
    assert approval["approvalReviewLink"].endswith(f"/Approve/Approve/approve/{approval['token']}")
    # Variables resolved, as CodePipeline resolves them in the action's configuration.
    assert result.training_execution_arn in approval["customData"]
    assert approval["externalEntityLink"].endswith(result.training_execution_arn)


# ------------------------------------------------------------------------------------------ second plan
@pytest.fixture(scope="module")
def second_plans(aws, applied):
    # Side by side, as training and production apply: a plan only reads, and most of its time is the
    # provider's waits (each env's plan alone took 8-10 s).
    with ThreadPoolExecutor(max_workers=len(tf.ENVS)) as pool:
        futures = {env: pool.submit(tf.plan_env, aws, env, applied["workspace"]) for env in tf.ENVS}
        return {env: future.result() for env, future in futures.items()}


@pytest.mark.parametrize("env", tf.ENVS)
def test_second_plan_shows_no_changes(second_plans, env):
    plan = second_plans[env]
    assert not plan.changes, (plan.changed_resources(), plan.output[-3000:])
