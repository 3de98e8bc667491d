"""Every request that reaches the embedded AWS authorized as AWS would authorize it, before moto serves it.

`Authorizer` wraps moto's WSGI app (the Emulator installs it). Per request:
  1. the operation: X-Amz-Target (JSON protocols), the Action parameter (query protocols), or the method and
     path (S3 by hand, path-style; Lambda and the SageMaker runtime through botocore's request URIs);
  2. the caller, from the SigV4 access key: keys moto's STS issued (an assumed role, in the role's account),
     the outside caller (the organisation's management account, which creates the accounts), or a service
     principal assuming a service role (`service_credentials`, what Step Functions, SageMaker, Lambda and
     CodePipeline do for a resource configured with that role);
  3. the IAM action(s), resource ARN(s) and request context of the operation (`_rules`), and the resource's
     policy (bucket, key, trust, topic, Lambda policy), then `iam_eval.explain` with the caller's identity
     policies (inline + attached managed) and permissions boundary, read from moto's IAM backend. The requests
     a service makes on the caller's behalf are authorized too: S3's KMS calls for SSE-KMS objects and
     iam:PassRole when an operation hands a role to a service.
A denial answers with the error AWS answers (S3: 403 AccessDenied XML; JSON protocols: AccessDeniedException;
query protocols: AccessDenied / SNS AuthorizationError), message "User: <arn> is not authorized to perform:
<action> on resource: <arn> because ...". A request whose operation, resource or context cannot be derived is
denied, except the operations in NOT_COVERED, which are served unauthorized and counted as such.

AWS pages behind the rules:
  - evaluation logic (explicit deny, same/cross account, key and trust policies must allow):
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
  - cross-account: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
  - the denial message: https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
  - actions, resources and condition keys per service (the tables below):
    https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
"""

from __future__ import annotations

import contextvars
import io
import json
import re
import threading
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import iam_eval

from .emulator import ORGANIZATION_ACCOUNT

# Operations served without authorization, each with its reason. Everything else is authorized or denied.
NOT_COVERED: dict[tuple[str, str], str] = {}

# AWS answers these whoever asks: "No permissions are required to perform this operation" (GetCallerIdentity,
# https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
NO_PERMISSION_REQUIRED = {("sts", "GetCallerIdentity")}

_CURRENT: contextvars.ContextVar[Request | None] = contextvars.ContextVar("authz_request", default=None)


class Underivable(Exception):
    """The operation, resource or context of a request cannot be derived: the request is denied."""


# --------------------------------------------------------------------------------------------- callers
@dataclass(frozen=True)
class Caller:
    arn: str  # the principal as policies name it: role ARN, account root, or a service principal
    account: str
    display: str  # as AWS names it in errors: arn:aws:sts::<acct>:assumed-role/<role>/<session>
    identity_policies: tuple[Any, ...] = ()
    boundary: Any = None
    session_policy: Any = None
    context: tuple[tuple[str, str], ...] = ()  # keys a service principal's request carries

    @property
    def is_service(self) -> bool:
        return not self.arn.startswith("arn:")


_SERVICE_KEYS: dict[str, Caller] = {}
_SERVICE_LOCK = threading.Lock()


def service_credentials(service: str, source_account: str, source_arn: str | None) -> str:
    """An access key that signs as `service` (e.g. states.amazonaws.com) acting for the resource `source_arn`:
    AWS adds aws:SourceAccount and aws:SourceArn to the AssumeRole call a service makes for a resource
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html)."""
    key = "ASIASVC" + uuid.uuid4().hex[:13].upper()
    caller = Caller(
        arn=service,
        account="",
        display=service,
        context=(("aws:SourceAccount", source_account),)
        + ((("aws:SourceArn", source_arn),) if source_arn else ()),
    )
    with _SERVICE_LOCK:
        _SERVICE_KEYS[key] = caller
    return key


def _role_policies(account: str, role_name: str) -> tuple[tuple[Any, ...], Any]:
    from moto.iam.models import iam_backends

    backend = iam_backends[account]["aws"]
    role = backend.roles.get(_role_id(backend, role_name))
    if role is None:
        return (), None
    policies: list[Any] = list(role.policies.values())
    for managed in role.managed_policies.values():
        policies.append(next(v.document for v in managed.versions if v.is_default))
    boundary = None
    if role.permissions_boundary_arn:
        managed = backend.managed_policies.get(role.permissions_boundary_arn)
        if managed is None:  # a boundary that names a missing policy: nothing is allowed
            boundary = {"Version": "2012-10-17", "Statement": []}
        else:
            boundary = next(v.document for v in managed.versions if v.is_default)
    return tuple(policies), boundary


def _role_id(backend: Any, role_name: str) -> str | None:
    for role_id, role in backend.roles.items():
        if role.name == role_name:
            return role_id
    return None


def _caller(access_key: str | None, bootstrap_key: str) -> Caller:
    if access_key is None:
        raise Underivable("the request is not signed")
    with _SERVICE_LOCK:
        service = _SERVICE_KEYS.get(access_key)
    if service is not None:
        return service
    if access_key == bootstrap_key:  # the management account's operator: every identity permission
        root = f"arn:aws:iam::{ORGANIZATION_ACCOUNT}:root"
        return Caller(root, ORGANIZATION_ACCOUNT, root, (iam_eval.ALLOW_ALL,))
    from moto.sts.models import sts_backends

    from .compat import _principal_for_access_key

    principal = _principal_for_access_key(access_key)
    if principal is None:
        raise Underivable(f"access key {access_key} is unknown")  # AWS: InvalidClientTokenId
    role_arn, account_id = principal
    if ":role/" not in role_arn:
        raise Underivable(f"{role_arn} is not a role: the rehearsal issues only assumed-role keys")
    session_name, session_policy = "", None
    for assumed in sts_backends[account_id]["aws"].assumed_roles:
        if assumed.access_key_id == access_key:
            session_name, session_policy = assumed.session_name, assumed.policy
            break
    role_name = role_arn.rsplit("/", 1)[-1]
    policies, boundary = _role_policies(account_id, role_name)
    return Caller(
        arn=role_arn,
        account=account_id,
        display=f"arn:aws:sts::{account_id}:assumed-role/{role_name}/{session_name}",
        identity_policies=policies,
        boundary=boundary,
        session_policy=json.loads(session_policy) if session_policy else None,
    )


# --------------------------------------------------------------------------------------------- requests
@dataclass
class Request:
    service: str  # the signing name: s3, kms, sts, states, sagemaker, lambda, ...
    operation: str
    region: str
    params: dict[str, Any]
    headers: dict[str, str]  # lower-case names
    secure: bool
    access_key: str | None
    protocol: str  # "s3" | "json" | "rest-json" | "query"
    caller: Caller | None = None
    context: dict[str, Any] = field(default_factory=dict)


def current() -> Request | None:
    """The request being served on this thread (compat P1 reads the caller and context from it)."""
    return _CURRENT.get()


_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")


def _read_body(environ: dict[str, Any]) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def parse(environ: dict[str, Any]) -> Request:
    """Service, operation and parameters of one WSGI request."""
    headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    match = _CREDENTIAL.search(headers.get("authorization", ""))
    if match is None:
        raise Underivable("the request is not signed with SigV4")
    access_key, region, service = match.groups()
    secure = environ.get("wsgi.url_scheme") == "https"
    path = environ.get("PATH_INFO", "")
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    base = dict(headers=headers, secure=secure, access_key=access_key, region=region)
    if service == "s3":
        operation, params = _s3_operation(environ["REQUEST_METHOD"], path, query, headers, environ)
        return Request("s3", operation, params=params, protocol="s3", **base)
    target = headers.get("x-amz-target")
    if target:
        body = _read_body(environ)
        params = json.loads(body or b"{}")
        return Request(service, target.rsplit(".", 1)[-1], params=params, protocol="json", **base)
    if service in _REST_SERVICES:
        operation, params = _rest_operation(service, environ["REQUEST_METHOD"], path)
        body = _read_body(environ)
        if body and headers.get("content-type", "").startswith("application/json"):
            params.update(json.loads(body))
        params.update({k: v[0] for k, v in query.items()})
        return Request(service, operation, params=params, protocol="rest-json", **base)
    body = _read_body(environ)
    form = urllib.parse.parse_qs(body.decode(), keep_blank_values=True) if body else query
    params = {k: v[0] for k, v in form.items()}
    if "Action" not in params:
        raise Underivable(f"no operation in the {service} request {path}")
    return Request(service, params.pop("Action"), params=params, protocol="query", **base)


# Lambda and the SageMaker runtime are REST services: the operation is found by method and request URI, from
# botocore's service model (the one the SDKs are generated from). Signing name -> botocore service name.
_REST_SERVICES = {"lambda": "lambda", "sagemaker": "sagemaker-runtime"}
_REST_ROUTES: dict[str, list[tuple[str, str, re.Pattern, list[str], int]]] = {}


def _rest_operation(service: str, method: str, path: str) -> tuple[str, dict[str, Any]]:
    routes = _REST_ROUTES.get(service)
    if routes is None:
        import botocore.session

        model = botocore.session.get_session().get_service_model(_REST_SERVICES[service])
        routes = []
        for name in model.operation_names:
            http = model.operation_model(name).http
            uri = http["requestUri"].split("?", 1)[0]
            pattern, names, literal = "", [], 0
            for token in re.split(r"({[^}]+})", uri):
                if token.startswith("{"):
                    names.append(token.strip("{}+"))
                    pattern += "(.+)" if token.endswith("+}") else "([^/]+)"
                else:
                    pattern += re.escape(token)
                    literal += len(token)
            routes.append((http["method"], name, re.compile(f"^{pattern}/?$"), names, literal))
        routes.sort(key=lambda r: -r[4])  # the most literal request URI wins (…/functions/{F}/policy)
        _REST_ROUTES[service] = routes
    for route_method, operation, pattern, names, _ in routes:
        match = pattern.match(path)
        if route_method == method and match:
            values = [urllib.parse.unquote(v) for v in match.groups()]
            return operation, dict(zip(names, values, strict=True))
    raise Underivable(f"no {service} operation for {method} {path}")


# S3 (path-style, as every client of the rehearsal addresses it): bucket subresources in the query name the
# operation; method -> (operation, IAM action). "Actions, resources, and condition keys for Amazon S3":
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
_S3_BUCKET_SUBRESOURCES = {
    "policy": ("BucketPolicy", "BucketPolicy"),
    "acl": ("BucketAcl", "BucketAcl"),
    "versioning": ("BucketVersioning", "BucketVersioning"),
    "encryption": ("BucketEncryption", "EncryptionConfiguration"),
    "publicAccessBlock": ("PublicAccessBlock", "BucketPublicAccessBlock"),
    "ownershipControls": ("BucketOwnershipControls", "BucketOwnershipControls"),
    "tagging": ("BucketTagging", "BucketTagging"),
    "lifecycle": ("BucketLifecycleConfiguration", "LifecycleConfiguration"),
    "notification": ("BucketNotificationConfiguration", "BucketNotification"),
    "cors": ("BucketCors", "BucketCORS"),
    "website": ("BucketWebsite", "BucketWebsite"),
    "accelerate": ("BucketAccelerateConfiguration", "AccelerateConfiguration"),
    "requestPayment": ("BucketRequestPayment", "BucketRequestPayment"),
    "logging": ("BucketLogging", "BucketLogging"),
    "replication": ("BucketReplication", "ReplicationConfiguration"),
    "object-lock": ("ObjectLockConfiguration", "BucketObjectLockConfiguration"),
    "policyStatus": ("BucketPolicyStatus", "BucketPolicyStatus"),
}
_S3_VERB = {"GET": "Get", "PUT": "Put", "DELETE": "Delete"}


# The query parameters a plain bucket listing (GET), HEAD, PUT or DELETE of a bucket may carry.
_S3_LISTING_QUERY = frozenset(
    {"list-type", "prefix", "delimiter", "max-keys", "encoding-type", "continuation-token", "start-after"}
    | {"marker", "fetch-owner"}
)


def _s3_bucket_operation(
    method: str, query: dict[str, list[str]], params: dict[str, Any], environ: dict[str, Any]
) -> str:
    for name, (operation, action) in _S3_BUCKET_SUBRESOURCES.items():
        if name in query and method in _S3_VERB:
            params["action"] = f"s3:{_S3_VERB[method]}{action}"
            return f"{_S3_VERB[method]}{operation}"
    if "location" in query and method == "GET":
        params["action"] = "s3:GetBucketLocation"
        return "GetBucketLocation"
    if method == "POST" and "delete" in query:
        body = _read_body(environ).decode()
        params["Keys"] = [urllib.parse.unquote(k) for k in re.findall(r"<Key>(.*?)</Key>", body)]
        return "DeleteObjects"
    listings = {"versions": "ListObjectVersions", "uploads": "ListMultipartUploads"}
    for name, operation in listings.items():
        if method == "GET" and name in query:
            return operation
    simple = {"GET": "ListObjects", "HEAD": "HeadBucket", "PUT": "CreateBucket", "DELETE": "DeleteBucket"}
    if method in simple and not query.keys() - _S3_LISTING_QUERY:
        if simple[method] == "ListObjects" and query.get("list-type") == ["2"]:
            return "ListObjectsV2"
        return simple[method]
    raise Underivable(f"S3 {method} on bucket {params['Bucket']} with {sorted(query)}")


def _s3_object_operation(method: str, query: dict[str, list[str]], headers: dict[str, str]) -> str | None:
    if "tagging" in query and method in _S3_VERB:
        return f"{_S3_VERB[method]}ObjectTagging"
    if method == "POST" and "uploads" in query:
        return "CreateMultipartUpload"
    if "uploadId" in query:
        return {"PUT": "UploadPart", "POST": "CompleteMultipartUpload", "DELETE": "AbortMultipartUpload"}.get(
            method
        )
    if not query.keys() - {"versionId", "x-id", "partNumber"} or method == "GET":
        if method == "PUT":
            return "CopyObject" if "x-amz-copy-source" in headers else "PutObject"
        return {"GET": "GetObject", "HEAD": "HeadObject", "DELETE": "DeleteObject"}.get(method)
    return None


def _s3_operation(
    method: str, path: str, query: dict[str, list[str]], headers: dict[str, str], environ: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    bucket, _, key = urllib.parse.unquote(path.lstrip("/")).partition("/")
    params: dict[str, Any] = {"Bucket": bucket, "Key": key, "query": {k: v[0] for k, v in query.items()}}
    if not bucket:
        if method == "GET":
            return "ListBuckets", params
        raise Underivable(f"S3 {method} / is no operation")
    if not key:
        return _s3_bucket_operation(method, query, params, environ), params
    operation = _s3_object_operation(method, query, headers)
    if operation is None:
        raise Underivable(f"S3 {method} on object {bucket}/{key} with {sorted(query)}")
    return operation, params


# --------------------------------------------------------------------------------------------- checks
@dataclass(frozen=True)
class Check:
    """One authorization AWS makes: `caller` may do `action` on `resource` (with `resource_policy`)."""

    action: str
    resource: str
    resource_policy: Any = None
    resource_owner: str | None = None
    context: tuple[tuple[str, Any], ...] = ()
    via: str = ""  # "S3 -> KMS" when a service makes the call on the caller's behalf (in the record)


def _arn(request: Request, service: str, resource: str, account: str | None = None) -> str:
    return f"arn:aws:{service}:{request.region}:{account or request.caller.account}:{resource}"


# ------------------------------------------------------------------------------------------- resources
def _bucket_owner(bucket: str) -> str:
    from moto.s3.models import s3_backends

    owner = s3_backends.bucket_accounts.get(bucket)
    if owner is None:
        raise Underivable(f"bucket {bucket} does not exist")  # S3 would answer NoSuchBucket
    return owner[1]


def _bucket(bucket: str) -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[_bucket_owner(bucket)]["aws"].buckets[bucket]


def _bucket_policy(bucket: str) -> Any:
    policy = _bucket(bucket).policy
    return json.loads(policy) if policy else None


def key_arn(region: str, account: str, key_id: str) -> tuple[str, Any]:
    """(key ARN, key policy) of a key id, key ARN, alias name or alias ARN (in `account` unless an ARN)."""
    from moto.kms.models import kms_backends

    if key_id.startswith("arn:"):
        parts = key_id.split(":")
        region, account, key_id = parts[3], parts[4], parts[5]
        if key_id.startswith("key/"):
            key_id = key_id[4:]
    backend = kms_backends[account][region]
    try:
        resolved = backend.any_id_to_key_id(key_id)
        key = backend.keys[resolved]
    except Exception as error:  # KeyError, or moto's NotFoundException for an unknown alias
        raise Underivable(f"KMS key {key_id} not found in {account}") from error
    return key.arn, json.loads(key.policy)


def _role(arn: str) -> Any:
    from moto.iam.models import iam_backends

    account = arn.split(":")[4]
    backend = iam_backends[account]["aws"]
    role = backend.roles.get(_role_id(backend, arn.rsplit("/", 1)[-1]) or "")
    if role is None:
        raise Underivable(f"role {arn} does not exist")  # AWS: the role cannot be assumed or passed
    return role


def _pass_role(role_arn: str | None, service: str) -> list[Check]:
    """iam:PassRole when an operation hands a role to a service, with iam:PassedToService
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html)."""
    if not role_arn:
        return []
    return [Check("iam:PassRole", role_arn, context=(("iam:PassedToService", service),))]


# --------------------------------------------------------------------------------------------- rules
Rule = Callable[[Request], list[Check]]
_RULES: dict[tuple[str, str], Rule] = {}


def rule(service: str, *operations: str) -> Callable[[Rule], Rule]:
    def register(function: Rule) -> Rule:
        for operation in operations:
            _RULES[(service, operation)] = function
        return function

    return register


def checks_for(request: Request) -> list[Check]:
    """The authorizations AWS makes for `request` (raises Underivable when it cannot tell)."""
    function = _RULES.get((request.service, request.operation))
    if function is None and request.service in _IDENTIFIERS:
        function = _generic
    if function is None:
        raise Underivable(f"no authorization rule for {request.service}:{request.operation}")
    return function(request)


# ---------------------------------------------------------------------------------------------------- STS
@rule("sts", "AssumeRole")
def _assume_role(request: Request) -> list[Check]:
    # The trust policy is the role's resource policy and must allow, also in the same account; a
    # cross-account caller also needs an identity policy allowing sts:AssumeRole.
    role_arn = request.params.get("RoleArn") or ""
    role = _role(role_arn)
    return [Check("sts:AssumeRole", role_arn, role.assume_role_policy_document, role_arn.split(":")[4])]


# ----------------------------------------------------------------------------------------------------- S3
_S3_CONTEXT_HEADERS = (
    "x-amz-server-side-encryption",
    "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-server-side-encryption-customer-algorithm",
    "x-amz-acl",
    "x-amz-copy-source",
)


def s3_context(request: Request) -> dict[str, Any]:
    """The S3 condition keys a request carries (a header not sent is a key absent from the context)."""
    context = {f"s3:{h}": request.headers[h] for h in _S3_CONTEXT_HEADERS if h in request.headers}
    context["aws:SecureTransport"] = str(request.secure).lower()
    return context


def _s3_check(request: Request, action: str, resource: str) -> Check:
    bucket = request.params["Bucket"]
    context = dict(s3_context(request))
    query = request.params["query"]
    if action in ("s3:ListBucket", "s3:ListBucketVersions"):
        context.update({f"s3:{n}": query[n] for n in ("prefix", "delimiter", "max-keys") if n in query})
    return Check(action, resource, _bucket_policy(bucket), _bucket_owner(bucket), tuple(context.items()))


def _object_arn(request: Request, bucket: str | None = None, key: str | None = None) -> str:
    key = request.params["Key"] if key is None else key
    return f"arn:aws:s3:::{bucket or request.params['Bucket']}/{key}"


def _bucket_arn(request: Request) -> str:
    return f"arn:aws:s3:::{request.params['Bucket']}"


def _kms_via_s3(request: Request, action: str, key_id: str, bucket: str) -> Check:
    """A KMS call S3 makes for the requester: kms:ViaService s3.<region>.amazonaws.com, kms:CallerAccount the
    requester's account. With an S3 Bucket Key, S3 still calls KMS as the requester (GenerateDataKey for the
    bucket-level key, Decrypt of it), https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html;
    the permissions: https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html"""
    owner = _bucket_owner(bucket)
    arn, policy = key_arn(request.region, owner, key_id)
    context = (
        ("kms:ViaService", f"s3.{request.region}.amazonaws.com"),
        ("kms:CallerAccount", request.caller.account),
        ("kms:EncryptionContext:aws:s3:arn", f"arn:aws:s3:::{bucket}"),
    )
    return Check(action, arn, policy, arn.split(":")[4], context, via="S3 -> KMS")


def _sse_kms_key_for_write(request: Request, bucket: str) -> str | None:
    """The key S3 encrypts a new object with: the request's, or the bucket's default (SSE-KMS)."""
    headers = request.headers
    if headers.get("x-amz-server-side-encryption") == "aws:kms":
        key = headers.get("x-amz-server-side-encryption-aws-kms-key-id")
        if key:
            return key
    elif "x-amz-server-side-encryption" in headers:
        return None  # SSE-S3 / another algorithm named: no KMS call
    encryption = _bucket(bucket).encryption
    if not encryption:
        return None
    default = encryption["Rule"]["ApplyServerSideEncryptionByDefault"]
    if default.get("SSEAlgorithm") != "aws:kms":
        return None
    # aws:kms without a key id is the AWS managed key aws/s3
    return default.get("KMSMasterKeyID") or "alias/aws/s3"


def _stored_kms_key(bucket: str, key: str, version_id: str | None) -> str | None:
    from moto.s3.models import s3_backends

    backend = s3_backends[_bucket_owner(bucket)]["aws"]
    try:
        stored = backend.get_object(bucket, key, version_id=version_id)
    except Exception:
        return None
    if stored is None or stored.encryption != "aws:kms":
        return None
    return stored.kms_key_id


@rule("s3", "ListBuckets")
def _s3_list_buckets(request: Request) -> list[Check]:
    return [Check("s3:ListAllMyBuckets", "*")]


@rule("s3", "CreateBucket")
def _s3_create_bucket(request: Request) -> list[Check]:
    return [Check("s3:CreateBucket", _bucket_arn(request))]


@rule("s3", "HeadBucket", "ListObjects", "ListObjectsV2")
def _s3_list(request: Request) -> list[Check]:
    return [_s3_check(request, "s3:ListBucket", _bucket_arn(request))]


@rule("s3", "ListObjectVersions")
def _s3_list_versions(request: Request) -> list[Check]:
    return [_s3_check(request, "s3:ListBucketVersions", _bucket_arn(request))]


@rule("s3", "ListMultipartUploads")
def _s3_list_uploads(request: Request) -> list[Check]:
    return [_s3_check(request, "s3:ListBucketMultipartUploads", _bucket_arn(request))]


@rule("s3", "DeleteBucket")
def _s3_delete_bucket(request: Request) -> list[Check]:
    return [_s3_check(request, "s3:DeleteBucket", _bucket_arn(request))]


@rule("s3", "GetBucketLocation")
@rule("s3", *[f"{verb}{op}" for op, _ in _S3_BUCKET_SUBRESOURCES.values() for verb in _S3_VERB.values()])
def _s3_bucket_configuration(request: Request) -> list[Check]:
    return [_s3_check(request, request.params["action"], _bucket_arn(request))]


# Multipart uploads have no rule (denied): S3 also needs kms:Decrypt as the requester for the parts of an
# SSE-KMS upload, which is not modelled (https://repost.aws/knowledge-center/s3-large-file-encryption-kms-key);
# nothing the product runs uploads in parts.
@rule("s3", "PutObject")
def _s3_put_object(request: Request) -> list[Check]:
    checks = [_s3_check(request, "s3:PutObject", _object_arn(request))]
    key = _sse_kms_key_for_write(request, request.params["Bucket"])
    if key:
        checks.append(_kms_via_s3(request, "kms:GenerateDataKey", key, request.params["Bucket"]))
    return checks


@rule("s3", "GetObject", "HeadObject")
def _s3_get_object(request: Request) -> list[Check]:
    version = request.params["query"].get("versionId")
    action = "s3:GetObjectVersion" if version else "s3:GetObject"
    checks = [_s3_check(request, action, _object_arn(request))]
    if request.operation == "GetObject":  # HEAD returns metadata only: S3 does not decrypt
        key = _stored_kms_key(request.params["Bucket"], request.params["Key"], version)
        if key:
            checks.append(_kms_via_s3(request, "kms:Decrypt", key, request.params["Bucket"]))
    return checks


@rule("s3", "CopyObject")
def _s3_copy_object(request: Request) -> list[Check]:
    source = urllib.parse.unquote(request.headers["x-amz-copy-source"]).lstrip("/")
    source, _, version = source.partition("?versionId=")
    source_bucket, _, source_key = source.partition("/")
    read = "s3:GetObjectVersion" if version else "s3:GetObject"
    checks = [
        _s3_check(request, "s3:PutObject", _object_arn(request)),
        Check(
            read,
            _object_arn(request, source_bucket, source_key),
            _bucket_policy(source_bucket),
            _bucket_owner(source_bucket),
            (("aws:SecureTransport", str(request.secure).lower()),),
        ),
    ]
    stored = _stored_kms_key(source_bucket, source_key, version or None)
    if stored:
        checks.append(_kms_via_s3(request, "kms:Decrypt", stored, source_bucket))
    written = _sse_kms_key_for_write(request, request.params["Bucket"])
    if written:
        checks.append(_kms_via_s3(request, "kms:GenerateDataKey", written, request.params["Bucket"]))
    return checks


@rule("s3", "DeleteObject")
def _s3_delete_object(request: Request) -> list[Check]:
    action = "s3:DeleteObjectVersion" if request.params["query"].get("versionId") else "s3:DeleteObject"
    return [_s3_check(request, action, _object_arn(request))]


@rule("s3", "DeleteObjects")
def _s3_delete_objects(request: Request) -> list[Check]:
    # AWS authorizes s3:DeleteObject for each key of the request.
    return [
        _s3_check(request, "s3:DeleteObject", _object_arn(request, key=k)) for k in request.params["Keys"]
    ]


@rule("s3", "GetObjectTagging", "PutObjectTagging", "DeleteObjectTagging")
def _s3_object_tagging(request: Request) -> list[Check]:
    return [_s3_check(request, f"s3:{request.operation}", _object_arn(request))]


# ---------------------------------------------------------------------------------------------------- KMS
# Every KMS operation on a key is authorized by its key policy (the resource policy must allow, also in the
# same account: https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
@rule(
    "kms",
    "DescribeKey",
    "GetKeyPolicy",
    "GetKeyRotationStatus",
    "ListResourceTags",
    "EnableKeyRotation",
    "DisableKeyRotation",
    "PutKeyPolicy",
    "ScheduleKeyDeletion",
    "CancelKeyDeletion",
    "TagResource",
    "UntagResource",
    "UpdateKeyDescription",
    "Encrypt",
    "Decrypt",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "ReEncryptFrom",
    "ReEncryptTo",
    "EnableKey",
    "DisableKey",
    "ListKeyPolicies",
    "ListGrants",
    "CreateGrant",
)
def _kms_key(request: Request) -> list[Check]:
    key = request.params.get("KeyId")
    if not key:
        raise Underivable(f"kms:{request.operation} without KeyId")
    arn, policy = key_arn(request.region, request.caller.account, key)
    context = (("kms:CallerAccount", request.caller.account),)
    return [Check(f"kms:{request.operation}", arn, policy, arn.split(":")[4], context)]


@rule("kms", "CreateKey", "ListKeys", "ListAliases")
def _kms_account(request: Request) -> list[Check]:
    # No key resource: identity policies only (the Service Authorization Reference lists "*").
    return [Check(f"kms:{request.operation}", "*")]


@rule("kms", "CreateAlias", "UpdateAlias", "DeleteAlias")
def _kms_alias(request: Request) -> list[Check]:
    # Both the alias (IAM policy) and the key (key policy) must allow:
    # https://docs.aws.amazon.com/kms/latest/developerguide/alias-access.html
    alias = request.params.get("AliasName") or ""
    checks = [Check(f"kms:{request.operation}", _arn(request, "kms", alias))]
    if request.params.get("TargetKeyId"):
        arn, policy = key_arn(request.region, request.caller.account, request.params["TargetKeyId"])
        checks.append(Check(f"kms:{request.operation}", arn, policy, arn.split(":")[4]))
    return checks


# ------------------------------------------------------------------------------ services without resource
# policies: IAM, CloudWatch Logs, EventBridge, SageMaker, Step Functions, CodePipeline, CodeCommit (and Lambda
# and SNS, which have them, below). The IAM action is "<prefix>:<operation>" (the Service Authorization
# Reference names them after the API), the resource is the one the operation's identifying parameter names, in
# the caller's account (these services act only in the caller's account); an operation on no resource (List*,
# Create* of a new kind) is on "*" only where that reference lists no resource type for it.
_PREFIX = {"states": "states", "sagemaker": "sagemaker", "logs": "logs", "events": "events", "iam": "iam"}
_PREFIX |= {"codepipeline": "codepipeline", "codecommit": "codecommit", "lambda": "lambda", "sns": "sns"}
_ACTION_NAMES = {
    ("lambda", "Invoke"): "lambda:InvokeFunction",
    ("lambda", "InvokeAsync"): "lambda:InvokeFunction",
}
_ON_NOTHING = {
    "iam": {"ListRoles", "ListPolicies", "GetAccountAuthorizationDetails"},
    "logs": {"DescribeLogGroups"},
    "events": {"ListRules"},
    "sagemaker": {
        "ListModels",
        "ListEndpointConfigs",
        "ListEndpoints",
        "ListTrainingJobs",
        "ListModelPackageGroups",
        "ListModelPackages",
    },
    "states": {"ValidateStateMachineDefinition", "ListStateMachines"},
    # No resource-level permissions for job workers: "Permissions required to use the CodePipeline console" /
    # CodePipeline permissions reference (PutJobSuccessResult, PutJobFailureResult, GetJobDetails: "*").
    "codepipeline": {"ListPipelines", "PutJobSuccessResult", "PutJobFailureResult", "GetJobDetails"},
    "lambda": {"ListFunctions"},
    "sns": {"ListTopics"},
}


def _name_arn(service: str, kind: str, sep: str = "/", lower: bool = False) -> Callable[[Request, str], str]:
    def build(request: Request, value: str) -> str:
        if value.startswith("arn:"):
            return value
        name = value.lower() if lower else value
        region = "" if service == "iam" else request.region
        return f"arn:aws:{service}:{region}:{request.caller.account}:{kind}{sep}{name}"

    return build


def _iam_role_arn(request: Request, name: str) -> str:
    from moto.iam.models import iam_backends

    backend = iam_backends[request.caller.account]["aws"]
    role = backend.roles.get(_role_id(backend, name) or "")
    return role.arn if role else f"arn:aws:iam::{request.caller.account}:role/{name}"


def _iam_new_policy_arn(request: Request, name: str) -> str:
    path = request.params.get("Path") or "/"
    return f"arn:aws:iam::{request.caller.account}:policy{path}{name}"


def _lambda_arn(request: Request, value: str) -> str:
    name = value.split(":")[6] if value.startswith("arn:") else value.split(":")[0]
    return f"arn:aws:lambda:{request.region}:{request.caller.account}:function:{name}"


def _log_group_arn(request: Request, name: str) -> str:
    return f"arn:aws:logs:{request.region}:{request.caller.account}:log-group:{name}"


def _pipeline_arn(request: Request, name: str) -> str:
    return f"arn:aws:codepipeline:{request.region}:{request.caller.account}:{name}"


def _topic_of_subscription(request: Request, arn: str) -> str:
    return arn.rsplit(":", 1)[0]


# parameter -> ARN builder, first present wins (a role before the policy attached to it; an endpoint before
# its config).
_IDENTIFIERS: dict[str, list[tuple[str, Callable[[Request, str], str]]]] = {
    "iam": [
        ("RoleName", _iam_role_arn),
        ("PolicyArn", lambda r, v: v),
        ("InstanceProfileName", _name_arn("iam", "instance-profile")),
        ("PolicyName", _iam_new_policy_arn),
    ],
    "logs": [("logGroupName", _log_group_arn), ("resourceArn", lambda r, v: v.removesuffix(":*"))],
    "events": [
        ("ResourceARN", lambda r, v: v),
        ("Rule", _name_arn("events", "rule")),
        ("Name", _name_arn("events", "rule")),
    ],
    "sagemaker": [
        ("ResourceArn", lambda r, v: v),
        ("TrainingJobName", _name_arn("sagemaker", "training-job", lower=True)),
        ("EndpointName", _name_arn("sagemaker", "endpoint", lower=True)),
        ("EndpointConfigName", _name_arn("sagemaker", "endpoint-config", lower=True)),
        ("ModelName", _name_arn("sagemaker", "model", lower=True)),
        ("ModelPackageGroupName", _name_arn("sagemaker", "model-package-group", lower=True)),
        ("ModelPackageName", _name_arn("sagemaker", "model-package", lower=True)),
    ],
    "states": [
        ("resourceArn", lambda r, v: v),
        ("executionArn", lambda r, v: v),
        ("stateMachineArn", lambda r, v: v),
        ("name", _name_arn("states", "stateMachine", sep=":")),
    ],
    "codepipeline": [
        ("resourceArn", lambda r, v: v),
        ("pipelineName", _pipeline_arn),
        ("name", _pipeline_arn),
    ],
    "codecommit": [("resourceArn", lambda r, v: v), ("repositoryName", _name_arn("codecommit", "", sep=""))],
    "lambda": [("Resource", lambda r, v: v), ("ARN", lambda r, v: v), ("FunctionName", _lambda_arn)],
    "sns": [
        ("TopicArn", lambda r, v: v),
        ("ResourceArn", lambda r, v: v),
        ("SubscriptionArn", _topic_of_subscription),
        ("Name", _name_arn("sns", "", sep="")),
    ],
}


def _identified_resource(request: Request) -> str:
    if request.operation in _ON_NOTHING.get(request.service, ()):
        return "*"
    params = request.params
    if (request.service, request.operation) == ("codepipeline", "PutApprovalResult"):
        # The resource is the approval action: <pipeline ARN>/<stage>/<action> (CodePipeline permissions
        # reference, https://docs.aws.amazon.com/codepipeline/latest/userguide/permissions-reference.html).
        pipeline = _pipeline_arn(request, params.get("pipelineName") or "")
        return f"{pipeline}/{params.get('stageName')}/{params.get('actionName')}"
    if request.service == "codepipeline" and isinstance(params.get("pipeline"), dict):
        params = params["pipeline"]  # CreatePipeline / UpdatePipeline carry the declaration
    for name, build in _IDENTIFIERS[request.service]:
        value = params.get(name)
        if isinstance(value, str) and value:
            return build(request, value)
    raise Underivable(f"{request.service}:{request.operation}: no parameter names its resource")


def _resource_policy(request: Request, resource: str) -> tuple[Any, str | None]:
    """(policy, owner) of a resource that has one: a Lambda function's, an SNS topic's."""
    account = resource.split(":")[4] if resource.startswith("arn:") else ""
    if request.service == "lambda" and resource != "*":
        from moto.awslambda.models import lambda_backends

        try:
            policy = lambda_backends[account][request.region].get_policy(resource.split(":")[6])
        except Exception:  # no function or no policy yet: identity policies decide
            return None, None
        return json.loads(policy), account
    if request.service == "sns" and resource != "*":
        from moto.sns.models import sns_backends

        topic = sns_backends[account][request.region].topics.get(resource)
        return (json.loads(topic.policy), account) if topic is not None else (None, None)
    return None, None


# The role an operation hands to a service (iam:PassRole with iam:PassedToService).
_PASSED_ROLES = {
    ("sagemaker", "CreateTrainingJob"): ("RoleArn", "sagemaker.amazonaws.com"),
    ("sagemaker", "CreateModel"): ("ExecutionRoleArn", "sagemaker.amazonaws.com"),
    ("states", "CreateStateMachine"): ("roleArn", "states.amazonaws.com"),
    ("states", "UpdateStateMachine"): ("roleArn", "states.amazonaws.com"),
    ("lambda", "CreateFunction"): ("Role", "lambda.amazonaws.com"),
    ("lambda", "UpdateFunctionConfiguration"): ("Role", "lambda.amazonaws.com"),
    ("codepipeline", "CreatePipeline"): ("roleArn", "codepipeline.amazonaws.com"),
    ("codepipeline", "UpdatePipeline"): ("roleArn", "codepipeline.amazonaws.com"),
}

# Operations authorized on more than one resource (the Service Authorization Reference lists both types as
# required): an endpoint and the endpoint config it is built from.
_ALSO_ON = {
    ("sagemaker", "CreateEndpoint"): ("EndpointConfigName", "endpoint-config"),
    ("sagemaker", "UpdateEndpoint"): ("EndpointConfigName", "endpoint-config"),
}


def _kms_via_sns(request: Request, topic_arn: str) -> list[Check]:
    """Publishing to an SSE-KMS topic: SNS generates and decrypts the data key as the publisher, who needs
    kms:GenerateDataKey* and kms:Decrypt on the topic's key ("Managing Amazon SNS encryption keys and costs",
    https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html)."""
    from moto.sns.models import sns_backends

    account = topic_arn.split(":")[4]
    topic = sns_backends[account][request.region].topics.get(topic_arn)
    key_id = getattr(topic, "kms_master_key_id", None) if topic is not None else None
    if not key_id:
        return []
    arn, policy = key_arn(request.region, account, key_id)
    context = (
        ("kms:ViaService", f"sns.{request.region}.amazonaws.com"),
        ("kms:CallerAccount", request.caller.account),
    )
    owner = arn.split(":")[4]
    return [
        Check(action, arn, policy, owner, context, via="SNS -> KMS")
        for action in ("kms:GenerateDataKey", "kms:Decrypt")
    ]


def _create_training_job_context(request: Request) -> tuple[tuple[str, Any], ...]:
    """The condition keys AWS sets for sagemaker:CreateTrainingJob from the request ("Actions, resources,
    and condition keys for Amazon SageMaker AI", Service Authorization Reference): the Bool keys always
    (false when the flag is not sent), the key ARNs only when the request names them,
    sagemaker:InstanceTypes (multivalued) from ResourceConfig and any InstanceGroups."""
    params = request.params
    resources = params.get("ResourceConfig") or {}
    types = [resources["InstanceType"]] if resources.get("InstanceType") else []
    types += [g["InstanceType"] for g in resources.get("InstanceGroups") or [] if g.get("InstanceType")]
    context: list[tuple[str, Any]] = [
        ("sagemaker:NetworkIsolation", str(bool(params.get("EnableNetworkIsolation"))).lower()),
        (
            "sagemaker:InterContainerTrafficEncryption",
            str(bool(params.get("EnableInterContainerTrafficEncryption"))).lower(),
        ),
    ]
    if resources.get("VolumeKmsKeyId"):
        context.append(("sagemaker:VolumeKmsKey", resources["VolumeKmsKeyId"]))
    if (params.get("OutputDataConfig") or {}).get("KmsKeyId"):
        context.append(("sagemaker:OutputKmsKey", params["OutputDataConfig"]["KmsKeyId"]))
    if types:
        context.append(("sagemaker:InstanceTypes", types))
    return tuple(context)


def _create_model_context(request: Request) -> tuple[tuple[str, Any], ...]:
    """sagemaker:NetworkIsolation for sagemaker:CreateModel: EnableNetworkIsolation, false when not sent
    (Service Authorization Reference, "Actions, resources, and condition keys for Amazon SageMaker AI")."""
    return (("sagemaker:NetworkIsolation", str(bool(request.params.get("EnableNetworkIsolation"))).lower()),)


# The condition keys an operation's request sets, beyond the global ones.
_REQUEST_CONTEXTS: dict[tuple[str, str], Callable[[Request], tuple[tuple[str, Any], ...]]] = {
    ("sagemaker", "CreateTrainingJob"): _create_training_job_context,
    ("sagemaker", "CreateModel"): _create_model_context,
}


def _generic(request: Request) -> list[Check]:
    action = _ACTION_NAMES.get((request.service, request.operation)) or (
        f"{_PREFIX[request.service]}:{request.operation}"
    )
    resource = _identified_resource(request)
    policy, owner = _resource_policy(request, resource)
    contexts = _REQUEST_CONTEXTS.get((request.service, request.operation))
    context = contexts(request) if contexts else ()
    checks = [Check(action, resource, policy, owner, context)]
    also = _ALSO_ON.get((request.service, request.operation))
    if also and request.params.get(also[0]):
        checks.append(
            Check(action, _name_arn("sagemaker", also[1], lower=True)(request, request.params[also[0]]))
        )
    passed = _PASSED_ROLES.get((request.service, request.operation))
    if passed:
        params = (
            request.params.get("pipeline", request.params)
            if request.service == "codepipeline"
            else request.params
        )
        checks += _pass_role(params.get(passed[0]), passed[1])
    if (
        request.service == "sagemaker"
        and request.operation.startswith("Create")
        and request.params.get("Tags")
    ):
        # Tags given at creation need sagemaker:AddTags on the new resource as well ("Grant permission to tag
        # resources during creation", SageMaker developer guide: security_iam_id-based-policy-examples).
        checks.append(Check("sagemaker:AddTags", resource))
    if request.service == "sns" and request.operation == "Publish":
        checks += _kms_via_sns(request, resource)
    if request.service == "events" and request.operation == "PutTargets":
        for target in request.params.get("Targets", []):
            checks += _pass_role(target.get("RoleArn"), "events.amazonaws.com")
    return checks


# --------------------------------------------------------------------------------------------- evaluation
@dataclass(frozen=True)
class Decision:
    allowed: bool
    covered: bool
    message: str = ""
    via: str = ""  # the service that made the refused call for the caller ("S3 -> KMS"), if any


def _context(request: Request, check: Check, caller: Caller) -> dict[str, Any]:
    context: dict[str, Any] = {
        "aws:SecureTransport": str(request.secure).lower(),
        "aws:RequestedRegion": request.region,
    }
    if not caller.is_service:
        context["aws:PrincipalArn"] = caller.arn
        context["aws:PrincipalAccount"] = caller.account
    context.update(dict(caller.context))
    context.update(dict(check.context))
    return context


def _because(reason: str, check: Check) -> str:
    # The wording AWS uses in its denial messages (troubleshoot_access-denied.html).
    if "explicit deny" in reason or "=deny" in reason:
        return "with an explicit deny"
    if "resource policy=no_match" in reason or "needs a resource" in reason or "resource policy " in reason:
        kind = "key policy" if check.action.startswith("kms:") else "resource-based policy"
        if "identity=none" in reason and "cross-account" not in reason:
            return f"no identity-based policy or {kind} allows the {check.action} action"
        return f"no {kind} allows the {check.action} action"
    return f"no identity-based policy allows the {check.action} action"


def decide(request: Request) -> Decision:
    """Authorize one parsed request: every check of its operation must be allowed."""
    key = (request.service, request.operation)
    if key in NO_PERMISSION_REQUIRED:
        return Decision(True, True)
    if key in NOT_COVERED:
        return Decision(True, False)
    for check in checks_for(request):
        caller = request.caller
        result = iam_eval.explain(
            caller.arn,
            check.action,
            check.resource,
            _context(request, check, caller),
            list(caller.identity_policies),
            check.resource_policy,
            check.resource_owner,
            caller.boundary,
            caller.session_policy,
        )
        if not result.allowed:
            message = (
                f"User: {caller.display} is not authorized to perform: {check.action} on resource: "
                f"{check.resource} because {_because(result.reason, check)}"
            )
            return Decision(False, True, message, check.via)
    return Decision(True, True)


# --------------------------------------------------------------------------------------------- errors
def _denial(request: Request | None, message: str) -> tuple[str, list[tuple[str, str]], bytes]:
    request_id = str(uuid.uuid4())
    protocol = request.protocol if request else "s3"
    if protocol == "s3":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
            f"<Message>{_xml(message)}</Message><RequestId>{request_id}</RequestId></Error>"
        )
        return "403 Forbidden", [("Content-Type", "application/xml")], body.encode()
    if protocol in ("json", "rest-json"):
        body = json.dumps({"__type": "AccessDeniedException", "message": message, "Message": message})
        status = "403 Forbidden" if protocol == "rest-json" else "400 Bad Request"
        headers = [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-ErrorType", "AccessDeniedException"),
            ("x-amzn-RequestId", request_id),
        ]
        return status, headers, body.encode()
    code = "AuthorizationError" if request.service == "sns" else "AccessDenied"
    body = (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{_xml(message)}</Message>"
        f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return "403 Forbidden", [("Content-Type", "text/xml")], body.encode()


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --------------------------------------------------------------------------------------------- middleware
@dataclass
class Record:
    """What the authorizer saw: per (service, operation), how many requests were authorized, denied, or
    served without authorization (NOT_COVERED)."""

    authorized: Counter = field(default_factory=Counter)
    denied: Counter = field(default_factory=Counter)
    not_covered: Counter = field(default_factory=Counter)
    denials: list[str] = field(default_factory=list)

    def operations(self) -> set[tuple[str, str]]:
        return set(self.authorized) | set(self.denied) | set(self.not_covered)

    def summary(self) -> str:
        return (
            f"{sum(self.authorized.values())} calls authorized, {sum(self.denied.values())} denied, "
            f"{len(self.not_covered)} operations not covered"
            + (f" ({', '.join(sorted(f'{s}:{o}' for s, o in self.not_covered))})" if self.not_covered else "")
        )


class Authorizer:
    """WSGI middleware: authorize, record, then let moto serve (or answer AWS's denial).

    `enforce=False` (tests only) records the decisions and serves every request, to show a gap exists
    without enforcement."""

    def __init__(self, app: Any, bootstrap_key: str, enforce: bool = True) -> None:
        self.app = app
        self.bootstrap_key = bootstrap_key
        self.enforce = enforce
        self.record = Record()
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/moto-api"):  # the emulator's own control plane, not an AWS API
            return self.app(environ, start_response)
        request: Request | None = None
        try:
            request = parse(environ)
            request.caller = _caller(request.access_key, self.bootstrap_key)
            decision = decide(request)
        except Exception as error:
            who = request.caller.display if request and request.caller else "an unknown caller"
            reason = error if isinstance(error, Underivable) else f"{type(error).__name__}: {error}"
            decision = Decision(False, True, f"User: {who} is not authorized: {reason}")
        key = (request.service, request.operation) if request else ("?", "unparsed")
        with self._lock:
            if not decision.covered:
                self.record.not_covered[key] += 1
            elif decision.allowed:
                self.record.authorized[key] += 1
            else:
                self.record.denied[key] += 1
                via = f" ({decision.via})" if decision.via else ""
                self.record.denials.append(f"{key[0]}:{key[1]}{via}: {decision.message}")
        if not decision.allowed and self.enforce:
            status, headers, body = _denial(request, decision.message)
            start_response(status, [*headers, ("Content-Length", str(len(body)))])
            return [body]
        token = _CURRENT.set(request)
        try:
            return self.app(environ, start_response)
        finally:
            _CURRENT.reset(token)
