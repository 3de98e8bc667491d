"""S3: bucket policies with their conditions (P1) and the EventBridge setting of a bucket's notifications
(P12)."""

from __future__ import annotations

from typing import Any

from .server import Patch, _client, _patch, _unique, register


# ============================================================================================ P1 S3 policy
# Gap: moto evaluates a bucket policy without any request context and evaluates only StringEquals; any other
# operator "holds". So a Deny with Condition {"StringNotEquals": {"s3:x-amz-server-side-encryption":
# "aws:kms"}} or {"Bool": {"aws:SecureTransport": "false"}} refuses every object request, even a correct one.
# See it: `_reproduce_s3_policy_conditions`: a Deny of any encryption but AES256, then a put with AES256 ->
# 403 (tests/rehearsal/test_compat.py has the artifact bucket's own policy).
# Fix: moto's bucket check asks the project's one policy engine (iam_eval.resource_policy_effect) about the
# request's caller and context, which the emulator's authorizer derived (rehearsal.authz; it has already
# authorized the request as a whole), so the bucket policy means here what it means in the access proof.
def _install_s3_policy_conditions() -> None:
    from moto.iam import access_control
    from moto.s3 import models as s3_models

    import iam_eval

    from .. import authz

    def get_permission(self: Any, action: str, resource: str) -> Any:
        PermissionResult = access_control.PermissionResult
        if self.policy is None:
            return PermissionResult.NEUTRAL
        request = authz.current()
        if request is None or request.caller is None:  # served without the authorizer: cannot tell
            return PermissionResult.DENIED
        effect = iam_eval.resource_policy_effect(
            request.caller.arn, action, resource, self.policy, self.account_id, authz.s3_context(request)
        )
        if effect == "Deny":
            return PermissionResult.DENIED
        return PermissionResult.PERMITTED if effect == "Allow" else PermissionResult.NEUTRAL

    _patch(s3_models.FakeBucket, "get_permission", get_permission)


def _reproduce_s3_policy_conditions(emulator: Any) -> bool:
    import json

    from botocore.exceptions import ClientError

    s3 = _client(emulator, "s3", "shared")
    bucket = _unique("p-repro-policy")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": emulator.region})
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
        "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "AES256"}},
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [deny]}))
    try:
        s3.put_object(Bucket=bucket, Key="x", Body=b"x", ServerSideEncryption="AES256")
    except ClientError as error:
        return error.response["ResponseMetadata"]["HTTPStatusCode"] == 403  # moto: 403, empty body
    return False


register(
    Patch(
        "P1",
        "s3-policy-conditions",
        "moto evaluates bucket policies without the request's context, so a conditional Deny refuses every "
        "request.",
        _install_s3_policy_conditions,
        _reproduce_s3_policy_conditions,
    )
)


# ================================================================================ P12 S3 EventBridge setting
# Gap: moto stores the EventBridgeConfiguration of PutBucketNotificationConfiguration (and sends its own
# events on it) but GetBucketNotificationConfiguration leaves it out. AWS returns it
# ("EventBridgeConfiguration: Enables delivery of events to Amazon EventBridge",
# https://docs.aws.amazon.com/AmazonS3/latest/API/API_NotificationConfiguration.html). The provider reads
# `eventbridge = false` back after every apply of aws_s3_bucket_notification, so every plan of envs/shared
# with the S3 source wants "eventbridge: false -> true" (a perpetual diff), and whoever asks the bucket
# whether it sends events to EventBridge (the runner, playing S3) is told it does not.
# See it: Emulator(compat=False); put_bucket_notification_configuration(NotificationConfiguration=
# See it: `_reproduce_s3_eventbridge_configuration`: put_bucket_notification_configuration(
# NotificationConfiguration={"EventBridgeConfiguration": {}}); get_bucket_notification_configuration -> no
# EventBridgeConfiguration.
# {"EventBridgeConfiguration": {}}); get_bucket_notification_configuration -> no EventBridgeConfiguration.
# Fix: add the stored setting to the answer; everything else is moto's own answer.
def _install_s3_eventbridge_configuration() -> None:
    from moto.core.responses import ActionResult
    from moto.s3 import responses as s3_responses

    original = s3_responses.S3Response.get_bucket_notification

    def get_bucket_notification(self: Any) -> Any:
        configuration = self.backend.get_bucket_notification_configuration(self.bucket_name)
        if configuration is None or configuration.event_bridge is None:
            return original(self)
        serialized = self.serialized

        def with_event_bridge(answer: Any) -> Any:
            return serialized(ActionResult({**answer.result, "EventBridgeConfiguration": {}}))

        self.serialized = with_event_bridge  # this request's serializer only: moto builds the rest
        return original(self)

    _patch(s3_responses.S3Response, "get_bucket_notification", get_bucket_notification)


def _reproduce_s3_eventbridge_configuration(emulator: Any) -> bool:
    s3 = _client(emulator, "s3", "shared")
    bucket = _unique("p-repro-events")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": emulator.region})
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    return "EventBridgeConfiguration" not in s3.get_bucket_notification_configuration(Bucket=bucket)


register(
    Patch(
        "P12",
        "s3-eventbridge",
        "GetBucketNotificationConfiguration leaves out the EventBridgeConfiguration put on the bucket.",
        _install_s3_eventbridge_configuration,
        _reproduce_s3_eventbridge_configuration,
    )
)
