"""The policy engine itself, on cases whose AWS answer is known (IAM policy evaluation logic and the condition
operator reference). If one of these fails, the access matrix proves nothing."""

import pytest

from iam_eval import ALLOW_ALL, PolicyError, evaluate, explain

A, B, C = "111111111111", "222222222222", "333333333333"
BUCKET = f"mlops-artifacts-{A}-eu-west-1"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
OBJECT = f"{BUCKET_ARN}/models/run-1/model.tar.gz"
KEY_ARN = f"arn:aws:kms:eu-west-1:{A}:key/11111111-2222-3333-4444-555555555555"
OTHER_KEY = f"arn:aws:kms:eu-west-1:{A}:key/99999999-2222-3333-4444-555555555555"
PIPELINE = f"arn:aws:iam::{A}:role/mlops-pipeline"
B_ACTION = f"arn:aws:iam::{B}:role/mlops-training-action"
B_OTHER = f"arn:aws:iam::{B}:role/someone-else"
C_ACTION = f"arn:aws:iam::{C}:role/mlops-deploy-action"


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource="*", **extra):
    return policy({"Effect": "Allow", "Action": action, "Resource": resource, **extra})


DENY_NON_TLS = {
    "Sid": "DenyNonTLS",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": [BUCKET_ARN, f"{BUCKET_ARN}/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


def grant_account(account, role_arn, actions, resource):
    """The contract pattern: an account principal narrowed to exact role ARNs by aws:PrincipalArn."""
    return {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": actions,
        "Resource": resource,
        "Condition": {"ArnEquals": {"aws:PrincipalArn": role_arn}},
    }


# ------------------------------------------------------------------------------------------------ TLS
@pytest.mark.parametrize(
    ("secure", "expected"), [("true", True), ("false", False), (True, True), (False, False)]
)
def test_deny_non_tls_bucket_policy(secure, expected):
    rp = policy(DENY_NON_TLS)
    assert (
        evaluate(
            PIPELINE,
            "s3:GetObject",
            OBJECT,
            {"aws:SecureTransport": secure},
            [allow("s3:*")],
            rp,
            resource_owner=A,
        )
        is expected
    )


def test_deny_non_tls_written_with_json_boolean():
    """jsonencode() turns `false` into a JSON boolean; AWS reads it as the string "false"."""
    rp = policy({**DENY_NON_TLS, "Condition": {"Bool": {"aws:SecureTransport": False}}})
    assert not evaluate(
        PIPELINE,
        "s3:GetObject",
        OBJECT,
        {"aws:SecureTransport": "false"},
        [allow("s3:*")],
        rp,
        resource_owner=A,
    )
    assert evaluate(
        PIPELINE,
        "s3:GetObject",
        OBJECT,
        {"aws:SecureTransport": "true"},
        [allow("s3:*")],
        rp,
        resource_owner=A,
    )


# ------------------------------------------------------------ SSE-KMS denies
KEY_ID_HEADER = "s3:x-amz-server-side-encryption-aws-kms-key-id"
SSE_HEADER = "s3:x-amz-server-side-encryption"
DENY_WRONG_KEY_IFEXISTS = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:PutObject",
    "Resource": f"{BUCKET_ARN}/*",
    "Condition": {"StringNotEqualsIfExists": {KEY_ID_HEADER: KEY_ARN}},
}
DENY_WRONG_KEY_NULL = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:PutObject",
    "Resource": f"{BUCKET_ARN}/*",
    "Condition": {"StringNotEquals": {KEY_ID_HEADER: KEY_ARN}, "Null": {KEY_ID_HEADER: "false"}},
}
DENY_WRONG_SSE_NULL = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:PutObject",
    "Resource": f"{BUCKET_ARN}/*",
    "Condition": {"StringNotEquals": {SSE_HEADER: "aws:kms"}, "Null": {SSE_HEADER: "false"}},
}
# The seed's form: a plain StringNotEquals is TRUE when the header is absent (negated operator, missing
# key), so
# it refuses every plain upload. ...IfExists does not help in a Deny: "if the key is not present, evaluate the
# condition element as true" (IAM reference, IfExists) - the Deny applies. Only `Null: false` ("the header is
# present") in the same statement lets a plain upload through.
DENY_WRONG_KEY_NAIVE = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:PutObject",
    "Resource": f"{BUCKET_ARN}/*",
    "Condition": {"StringNotEquals": {KEY_ID_HEADER: KEY_ARN}},
}


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, True),  # plain upload: bucket default encryption applies
        ({SSE_HEADER: "aws:kms", KEY_ID_HEADER: KEY_ARN}, True),
        ({SSE_HEADER: "aws:kms", KEY_ID_HEADER: OTHER_KEY}, False),
    ],
    ids=["no-header", "right-key", "wrong-key"],
)
def test_deny_wrong_kms_key_with_null_allows_absent_header(headers, expected):
    rp = policy(DENY_NON_TLS, DENY_WRONG_KEY_NULL)
    assert (
        evaluate(PIPELINE, "s3:PutObject", OBJECT, headers, [allow("s3:PutObject")], rp, resource_owner=A)
        is expected
    )


@pytest.mark.parametrize(
    ("headers", "expected"), [({}, True), ({SSE_HEADER: "aws:kms"}, True), ({SSE_HEADER: "AES256"}, False)]
)
def test_deny_other_sse_type(headers, expected):
    rp = policy(DENY_WRONG_SSE_NULL)
    assert (
        evaluate(PIPELINE, "s3:PutObject", OBJECT, headers, [allow("s3:PutObject")], rp, resource_owner=A)
        is expected
    )


@pytest.mark.parametrize(
    "deny", [DENY_WRONG_KEY_NAIVE, DENY_WRONG_KEY_IFEXISTS], ids=["StringNotEquals", "IfExists"]
)
def test_deny_without_null_refuses_plain_upload(deny):
    rp = policy(deny)
    assert not evaluate(PIPELINE, "s3:PutObject", OBJECT, {}, [allow("s3:PutObject")], rp, resource_owner=A)
    # ... while still refusing the wrong key and accepting the right one
    assert not evaluate(
        PIPELINE,
        "s3:PutObject",
        OBJECT,
        {KEY_ID_HEADER: OTHER_KEY},
        [allow("s3:PutObject")],
        rp,
        resource_owner=A,
    )
    assert evaluate(
        PIPELINE,
        "s3:PutObject",
        OBJECT,
        {KEY_ID_HEADER: KEY_ARN},
        [allow("s3:PutObject")],
        rp,
        resource_owner=A,
    )


# ------------------------------------------------------------ cross-account
BUCKET_POLICY = policy(
    DENY_NON_TLS,
    grant_account(B, B_ACTION, ["s3:GetObject", "s3:PutObject"], f"{BUCKET_ARN}/*"),
)


@pytest.mark.parametrize(
    ("principal", "identity", "expected"),
    [
        (B_ACTION, [allow("s3:GetObject", f"{BUCKET_ARN}/*")], True),  # both sides allow
        (B_ACTION, [], False),  # cross account: the bucket policy alone is not enough
        (B_OTHER, [ALLOW_ALL], False),  # account principal, but aws:PrincipalArn does not match
        (f"arn:aws:iam::{B}:root", [ALLOW_ALL], False),  # B's root / admin: no matching principal ARN
        (C_ACTION, [ALLOW_ALL], False),  # an account the bucket policy does not name
        ("anonymous", [], False),
    ],
)
def test_cross_account_needs_both_sides(principal, identity, expected):
    assert (
        evaluate(principal, "s3:GetObject", OBJECT, {}, identity, BUCKET_POLICY, resource_owner=A) is expected
    )


def test_cross_account_identity_alone_is_not_enough():
    assert not evaluate(B_ACTION, "s3:GetObject", OBJECT, {}, [ALLOW_ALL], None, resource_owner=A)
    assert not evaluate(B_ACTION, "s3:GetObject", OBJECT, {}, [ALLOW_ALL], policy(), resource_owner=A)
    assert evaluate(PIPELINE, "s3:GetObject", OBJECT, {}, [ALLOW_ALL], None, resource_owner=A)


def test_same_account_resource_policy_naming_the_role_suffices():
    rp = policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": PIPELINE},
            "Action": "s3:GetObject",
            "Resource": f"{BUCKET_ARN}/*",
        }
    )
    assert evaluate(PIPELINE, "s3:GetObject", OBJECT, {}, [], rp, resource_owner=A)
    assert not evaluate(f"arn:aws:iam::{A}:role/other", "s3:GetObject", OBJECT, {}, [], rp, resource_owner=A)


# ------------------------------------------------------------ explicit deny
def test_explicit_identity_deny_overrides_allows():
    identity = [allow("s3:*"), policy({"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"})]
    rp = policy(
        {"Effect": "Allow", "Principal": {"AWS": PIPELINE}, "Action": "s3:*", "Resource": f"{BUCKET_ARN}/*"}
    )
    assert not evaluate(PIPELINE, "s3:PutObject", OBJECT, {}, identity, rp, resource_owner=A)
    assert evaluate(PIPELINE, "s3:GetObject", OBJECT, {}, identity, rp, resource_owner=A)


def test_explicit_resource_deny_overrides_identity_allow():
    rp = policy(
        {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject", "Resource": f"{BUCKET_ARN}/*"}
    )
    assert not evaluate(PIPELINE, "s3:DeleteObject", OBJECT, {}, [ALLOW_ALL], rp, resource_owner=A)


def test_permissions_boundary_limits():
    boundary = allow("s3:GetObject")
    assert evaluate(PIPELINE, "s3:GetObject", OBJECT, {}, [ALLOW_ALL], permissions_boundary=boundary)
    assert not evaluate(PIPELINE, "s3:PutObject", OBJECT, {}, [ALLOW_ALL], permissions_boundary=boundary)


# ------------------------------------------------------------------------------------------------ KMS
KEY_ADMINS = f"arn:aws:iam::{A}:role/key-admin"
KEY_POLICY = policy(
    {
        "Sid": "Admins",
        "Effect": "Allow",
        "Principal": {"AWS": KEY_ADMINS},
        "Action": [
            "kms:Create*",
            "kms:Describe*",
            "kms:Enable*",
            "kms:List*",
            "kms:Put*",
            "kms:Update*",
            "kms:Revoke*",
            "kms:Disable*",
            "kms:Get*",
            "kms:Delete*",
            "kms:ScheduleKeyDeletion",
            "kms:CancelKeyDeletion",
            "kms:TagResource",
            "kms:UntagResource",
        ],
        "Resource": "*",
    },
    {
        "Sid": "UseA",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{A}:root"},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
        "Resource": "*",
        "Condition": {"ArnEquals": {"aws:PrincipalArn": [PIPELINE]}},
    },
    {
        "Sid": "UseB",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{B}:root"},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": "*",
        "Condition": {"ArnEquals": {"aws:PrincipalArn": [B_ACTION]}},
    },
)


@pytest.mark.parametrize(
    ("principal", "action", "identity", "expected"),
    [
        (PIPELINE, "kms:Decrypt", [allow("kms:Decrypt", KEY_ARN)], True),  # root delegation + identity
        (PIPELINE, "kms:Decrypt", [], False),  # root in key policy delegates to IAM: identity must allow
        (f"arn:aws:iam::{A}:role/other-admin", "kms:Decrypt", [ALLOW_ALL], False),  # not in aws:PrincipalArn
        (PIPELINE, "kms:PutKeyPolicy", [ALLOW_ALL], False),  # the pipeline is no key administrator
        (PIPELINE, "kms:ScheduleKeyDeletion", [ALLOW_ALL], False),
        (KEY_ADMINS, "kms:PutKeyPolicy", [], True),  # named directly in the key policy (same account)
        (KEY_ADMINS, "kms:Decrypt", [ALLOW_ALL], False),  # administrators do not use the key
        (B_ACTION, "kms:Decrypt", [allow("kms:Decrypt", KEY_ARN)], True),
        (B_ACTION, "kms:Decrypt", [], False),  # cross account needs its identity policy too
        (B_OTHER, "kms:Decrypt", [ALLOW_ALL], False),
        (f"arn:aws:iam::{B}:root", "kms:Decrypt", [ALLOW_ALL], False),
        (f"arn:aws:iam::{C}:role/mlops-deploy-action", "kms:Decrypt", [ALLOW_ALL], False),
    ],
)
def test_kms_key_policy(principal, action, identity, expected):
    assert evaluate(principal, action, KEY_ARN, {}, identity, KEY_POLICY) is expected


def test_kms_key_policy_is_required():
    with pytest.raises(ValueError, match="key/trust policy"):
        evaluate(PIPELINE, "kms:Decrypt", KEY_ARN, {}, [ALLOW_ALL])


# ------------------------------------------------------------------------------------------------ trust
B_ACTION_TRUST = policy(
    {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{A}:root"},
        "Action": "sts:AssumeRole",
        "Condition": {"ArnEquals": {"aws:PrincipalArn": PIPELINE}},
    }
)


@pytest.mark.parametrize(
    ("principal", "identity", "expected"),
    [
        (PIPELINE, [allow("sts:AssumeRole", B_ACTION)], True),
        (PIPELINE, [], False),  # cross account: the caller's identity policy must allow too
        (f"arn:aws:iam::{A}:role/mlops-pipeline-callback", [ALLOW_ALL], False),
        (f"arn:aws:iam::{A}:root", [ALLOW_ALL], False),
    ],
)
def test_cross_account_assume_role(principal, identity, expected):
    assert evaluate(principal, "sts:AssumeRole", B_ACTION, {}, identity, B_ACTION_TRUST) is expected


def test_same_account_trust_naming_the_role_needs_no_identity_policy():
    trust = policy({"Effect": "Allow", "Principal": {"AWS": PIPELINE}, "Action": "sts:AssumeRole"})
    target = f"arn:aws:iam::{A}:role/target"
    assert evaluate(PIPELINE, "sts:AssumeRole", target, {}, [], trust)
    assert not evaluate(f"arn:aws:iam::{A}:role/other", "sts:AssumeRole", target, {}, [ALLOW_ALL], trust)


SAGEMAKER_TRUST = policy(
    {
        "Effect": "Allow",
        "Principal": {"Service": "sagemaker.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {
            "StringEquals": {"aws:SourceAccount": B},
            "ArnLike": {"aws:SourceArn": f"arn:aws:sagemaker:eu-west-1:{B}:training-job/mlops-train*"},
        },
    }
)


@pytest.mark.parametrize(
    ("principal", "context", "expected"),
    [
        (
            "sagemaker.amazonaws.com",
            {
                "aws:SourceAccount": B,
                "aws:SourceArn": f"arn:aws:sagemaker:eu-west-1:{B}:training-job/mlops-train-1",
            },
            True,
        ),
        (
            "sagemaker.amazonaws.com",
            {
                "aws:SourceAccount": C,
                "aws:SourceArn": f"arn:aws:sagemaker:eu-west-1:{C}:training-job/mlops-train-1",
            },
            False,
        ),  # confused deputy: another account's job
        (
            "sagemaker.amazonaws.com",
            {"aws:SourceAccount": B, "aws:SourceArn": f"arn:aws:sagemaker:eu-west-1:{B}:training-job/other"},
            False,
        ),
        ("sagemaker.amazonaws.com", {}, False),
        ("states.amazonaws.com", {"aws:SourceAccount": B}, False),
        (B_OTHER, {}, False),
    ],
)
def test_service_trust(principal, context, expected):
    sm_role = f"arn:aws:iam::{B}:role/mlops-training-sagemaker"
    assert evaluate(principal, "sts:AssumeRole", sm_role, context, [ALLOW_ALL], SAGEMAKER_TRUST) is expected


def test_anonymous_only_through_public_grant():
    public = policy(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{BUCKET_ARN}/*"}
    )
    assert evaluate("anonymous", "s3:GetObject", OBJECT, {}, [], public, resource_owner=A)
    assert not evaluate("anonymous", "s3:PutObject", OBJECT, {}, [], public, resource_owner=A)
    assert not evaluate("anonymous", "s3:GetObject", OBJECT, {}, [], BUCKET_POLICY, resource_owner=A)


# ------------------------------------------------------------------------------------------------ operators
def cond(condition, context, principal=PIPELINE):
    """Same-account request allowed only by an identity statement with `condition`."""
    identity = [
        policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": condition})
    ]
    return evaluate(principal, "s3:GetObject", OBJECT, context, identity)


@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    [
        ({"StringEquals": {"s3:prefix": "models/"}}, {"s3:prefix": "models/"}, True),
        ({"StringEquals": {"s3:prefix": "models/"}}, {"s3:prefix": "Models/"}, False),  # case-sensitive value
        ({"StringEquals": {"S3:PREFIX": "models/"}}, {"s3:prefix": "models/"}, True),  # case-insensitive key
        ({"StringEquals": {"s3:prefix": "models/"}}, {}, False),
        # OR of values
        ({"StringEquals": {"s3:prefix": ["data/", "models/"]}}, {"s3:prefix": "models/"}, True),
        ({"StringEqualsIgnoreCase": {"s3:prefix": "models/"}}, {"s3:prefix": "MODELS/"}, True),
        ({"StringNotEquals": {"s3:prefix": "models/"}}, {"s3:prefix": "data/"}, True),
        ({"StringNotEquals": {"s3:prefix": "models/"}}, {"s3:prefix": "models/"}, False),
        ({"StringNotEquals": {"s3:prefix": "models/"}}, {}, True),  # negated: absent key -> true
        ({"StringEqualsIfExists": {"s3:prefix": "models/"}}, {}, True),
        ({"StringEqualsIfExists": {"s3:prefix": "models/"}}, {"s3:prefix": "data/"}, False),
        ({"StringLike": {"s3:prefix": "models/*"}}, {"s3:prefix": "models/run-1/"}, True),
        ({"StringLike": {"s3:prefix": "models/?"}}, {"s3:prefix": "models/ab"}, False),
        ({"StringLike": {"s3:prefix": "a+b*"}}, {"s3:prefix": "a+b/x"}, True),  # regex metachar is literal
        ({"StringLike": {"s3:prefix": "a+b*"}}, {"s3:prefix": "aab/x"}, False),
        ({"StringLike": {"s3:prefix": "models/*"}}, {}, False),
        ({"StringNotLike": {"s3:prefix": "models/*"}}, {}, True),  # shimmed: principalmapper said false
        ({"StringNotLike": {"s3:prefix": "models/*"}}, {"s3:prefix": "models/x"}, False),
        ({"StringLikeIfExists": {"s3:prefix": "models/*"}}, {}, True),
        # variable
        ({"StringLike": {"s3:prefix": "${aws:PrincipalAccount}/*"}}, {"s3:prefix": f"{A}/x"}, True),
        ({"StringLike": {"s3:prefix": "${aws:PrincipalAccount}/*"}}, {"s3:prefix": f"{B}/x"}, False),
        ({"ArnEquals": {"aws:PrincipalArn": PIPELINE}}, {}, True),  # inferred aws:PrincipalArn
        ({"ArnEquals": {"aws:PrincipalArn": PIPELINE.upper()}}, {}, False),  # case-sensitive
        ({"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{A}:role/mlops-*"}}, {}, True),
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/mlops-pipeline"}}, {}, True),
        # * spans no colon
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam:*:role/mlops-pipeline"}}, {}, False),
        ({"ArnNotEquals": {"aws:PrincipalArn": PIPELINE}}, {}, False),
        ({"ArnNotLike": {"aws:SourceArn": "arn:aws:s3:::x*"}}, {}, True),  # negated: absent key -> true
        ({"ArnLikeIfExists": {"aws:SourceArn": "arn:aws:s3:::x*"}}, {}, True),
        ({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::x*"}}, {}, False),
        ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "false"}, False),
        ({"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": "true"}, True),
        ({"Bool": {"aws:ViaAWSService": "true"}}, {}, False),
        ({"BoolIfExists": {"aws:ViaAWSService": "true"}}, {}, True),
        ({"Null": {KEY_ID_HEADER: "true"}}, {}, True),
        ({"Null": {KEY_ID_HEADER: "true"}}, {KEY_ID_HEADER: KEY_ARN}, False),
        ({"Null": {KEY_ID_HEADER: "false"}}, {KEY_ID_HEADER: KEY_ARN}, True),
        ({"Null": {KEY_ID_HEADER: False}}, {}, False),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws:TagKeys": ["c", "b"]}, True),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws:TagKeys": ["c"]}, False),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}, {}, False),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws:TagKeys": ["a", "b"]}, True),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws:TagKeys": ["a", "c"]}, False),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}, {}, True),  # AWS: absent key -> true
        # two operators in one block and two keys in one operator are ANDed
        ({"StringEquals": {"aws:SourceAccount": A, "s3:prefix": "m/"}}, {"aws:SourceAccount": A}, False),
        (
            {"StringEquals": {"aws:SourceAccount": A}, "Bool": {"aws:SecureTransport": "true"}},
            {"aws:SourceAccount": A, "aws:SecureTransport": "false"},
            False,
        ),
    ],
)
def test_condition_operators(condition, context, expected):
    assert cond(condition, context) is expected


def test_unknown_operator_is_rejected_not_ignored():
    with pytest.raises(PolicyError, match="StringEqual"):
        cond({"StringEqual": {"s3:prefix": "x"}}, {})
    with pytest.raises(PolicyError):
        cond({"ArnEqual": {"aws:PrincipalArn": "x"}}, {})


def test_resource_wildcards_are_literal_except_star_and_question_mark():
    identity = [allow("s3:GetObject", "arn:aws:s3:::a+b/*")]
    assert evaluate(PIPELINE, "s3:GetObject", "arn:aws:s3:::a+b/x", {}, identity)
    assert not evaluate(PIPELINE, "s3:GetObject", "arn:aws:s3:::aab/x", {}, identity)
    assert not evaluate(PIPELINE, "s3:GetObject", "arn:aws:s3:::a+b-other/x", {}, identity)


@pytest.mark.parametrize(
    ("resource", "context", "expected"),
    [
        (f"{BUCKET_ARN}/home/{A}/x", {}, True),  # ${aws:PrincipalAccount}, inferred from the principal
        (f"{BUCKET_ARN}/home/{B}/x", {}, False),
        (f"{BUCKET_ARN}/tag/blue", {"aws:PrincipalTag/team": "blue"}, True),
        (f"{BUCKET_ARN}/tag/blue", {}, False),  # no value: the statement matches nothing
        # A multivalued key is no variable (principalmapper put its Python repr into the ARN).
        (f"{BUCKET_ARN}/tag/['blue']", {"aws:PrincipalTag/team": ["blue"]}, False),
    ],
)
def test_policy_variables_in_resources(resource, context, expected):
    identity = allow(
        "s3:GetObject",
        [f"{BUCKET_ARN}/home/${{aws:PrincipalAccount}}/*", f"{BUCKET_ARN}/tag/${{aws:PrincipalTag/team}}"],
    )
    assert evaluate(PIPELINE, "s3:GetObject", resource, context, [identity], resource_owner=A) is expected


def test_action_wildcards_and_notaction():
    assert evaluate(PIPELINE, "s3:GetObjectVersion", OBJECT, {}, [allow("s3:Get*")])
    assert not evaluate(PIPELINE, "s3:PutObject", OBJECT, {}, [allow("s3:Get*")])
    not_action = policy({"Effect": "Allow", "NotAction": "kms:*", "Resource": "*"})
    assert evaluate(PIPELINE, "s3:GetObject", OBJECT, {}, [not_action])
    assert not evaluate(
        PIPELINE,
        "kms:Decrypt",
        KEY_ARN,
        {},
        [not_action],
        policy(
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{A}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ),
    )


def test_explain_gives_a_reason():
    d = explain(B_OTHER, "s3:GetObject", OBJECT, {}, [ALLOW_ALL], BUCKET_POLICY, resource_owner=A)
    assert not d.allowed
    assert "no_match" in d.reason
    assert "cross-account" in d.reason


# ------------------------------------------------------------------- the resource policy alone (compat P1)
@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    [
        ({"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": "true"}, None),
        ({"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": "false"}, "Deny"),
        # IAM: a negated operator on a missing key is true; ...IfExists on a missing key is true; Null tests
        # presence.
        ({"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}, {}, "Deny"),
        ({"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption": "aws:kms"}}, {}, "Deny"),
        (
            {
                "StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"},
                "Null": {"s3:x-amz-server-side-encryption": "false"},
            },
            {},
            None,
        ),
        ({"StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}, {}, None),
        # ArnLike matches each ARN part on its own: the role of B matches, C's does not.
        ({"ArnNotLike": {"aws:PrincipalArn": ["arn:aws:iam::2*:role/mlops-*"]}}, {}, None),
    ],
)
def test_bucket_policy_deny_alone(condition, context, expected):
    from iam_eval import resource_policy_effect

    deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": f"{BUCKET_ARN}/*"}
    bucket_policy = policy({**deny, "Condition": condition})
    assert resource_policy_effect(B_ACTION, "s3:PutObject", OBJECT, bucket_policy, A, context) == expected


def test_bucket_policy_grant_alone():
    from iam_eval import ANONYMOUS, resource_policy_effect

    grant = grant_account(B, B_ACTION, "s3:GetObject", OBJECT)
    assert resource_policy_effect(B_ACTION, "s3:GetObject", OBJECT, policy(grant), A) == "Allow"
    assert resource_policy_effect(B_OTHER, "s3:GetObject", OBJECT, policy(grant), A) is None
    assert resource_policy_effect(ANONYMOUS, "s3:GetObject", OBJECT, policy(grant), A) is None


def test_identity_alone_decides_other_requests_on_roles_and_aliases():
    # iam:PassRole is not governed by the role's trust policy; an alias has no key policy.
    role = f"arn:aws:iam::{B}:role/mlops-training-sagemaker"
    alias = f"arn:aws:kms:eu-west-1:{A}:alias/mlops-artifacts"
    assert evaluate(PIPELINE, "iam:PassRole", role, {}, [ALLOW_ALL]) is False  # cross account
    assert evaluate(B_ACTION, "iam:PassRole", role, {}, [allow("iam:PassRole", role)]) is True
    assert evaluate(PIPELINE, "kms:CreateAlias", alias, {}, [allow("kms:CreateAlias", alias)]) is True
    with pytest.raises(ValueError, match="key/trust policy"):
        evaluate(B_ACTION, "sts:AssumeRole", role, {}, [ALLOW_ALL])
