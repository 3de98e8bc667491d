"""The project's one IAM policy engine, built on principalmapper's local authorization check.

Used by the access proof (tests/access: the declared matrix, evaluated on the applied policies) and by the
rehearsal's emulator (rehearsal.authz authorizes every request with `explain()`; compat P1 evaluates bucket
policies for moto with `resource_policy_effect()`), so both read a policy the same way.

Why principalmapper: a well-known engine (NCC Group) whose `local_check_authorization_full` implements
the AWS evaluation logic we need: explicit deny anywhere wins; same-account vs cross-account resource
policies; IAM trust and KMS key policies must allow even in the same account; permissions boundaries;
session policies. We wrap it in `evaluate()` / `explain()` and fix what is wrong or missing for us.

Compatibility shim (Python >= 3.10): principalmapper 1.1.5 does `from collections import Mapping,
MutableMapping`, aliases removed from `collections` in Python 3.10. `_install_collections_aliases()`
puts the `collections.abc` classes back on `collections` *before* principalmapper is imported.

Condition-operator fixes (`_patch_condition_operators()`), each pinned by tests/iam_eval/test_engine.py:
  * String*: AWS treats a missing key as "condition true" for every negated operator (StringNotEquals,
    StringNotLike, IgnoreCase forms) and "false" for positive ones unless ...IfExists; principalmapper
    returned false for a missing key under StringNotLike. Policy variables (`${aws:PrincipalAccount}`)
    in condition values are substituted from the request context, as AWS does.
  * *Like and Resource/Action wildcards: principalmapper escaped only `.`, `$`, `^` when building
    regexes, so `+`, `(`, `[` or `|` in a name was regex syntax; we escape all but `*` and `?`.
  * Arn*: AWS matches each of the six colon-separated ARN parts on its own (a `*` never spans a `:`),
    case-sensitively; principalmapper matched the whole string case-insensitively.
  * Bool/Null/...: policies built with `jsonencode()` may carry JSON booleans or numbers as condition
    values (`"aws:SecureTransport": false`); AWS reads them as strings, principalmapper compared them
    with "true"/"false" and never matched. `normalize_policy()` stringifies them first.
  * An unknown operator (a typo such as "StringEqual") was ignored by principalmapper, which makes the
    condition *match*; AWS rejects such a policy. We raise `PolicyError`.
Note (AWS semantics, kept): `...IfExists` on an absent key makes the condition TRUE, so in a Deny it
denies; a Deny that must let an absent header through needs `Null: {key: "false"}` in the same statement.

Principals (`principal_arn`):
  * an IAM role or user ARN: evaluated with its identity policies (and optional permissions boundary);
  * an account root, `arn:aws:iam::<acct>:root`: the root user, which holds every identity permission
    (pass `identity_policies=[ALLOW_ALL]`; also models "an administrator of that account");
  * `anonymous` (or `*`): an unauthenticated caller; only `Principal: "*"` resource-policy grants apply;
  * a service principal such as `sagemaker.amazonaws.com`: only a resource/trust policy statement naming
    the service can grant (the context should carry aws:SourceAccount / aws:SourceArn).
"""

from __future__ import annotations

import collections
import collections.abc
import fnmatch
import functools
import re
from dataclasses import dataclass, field
from typing import Any


def _install_collections_aliases() -> None:
    """Re-add the pre-3.10 `collections.Mapping` etc. aliases that principalmapper 1.1.5 imports."""
    for name in (
        "Mapping",
        "MutableMapping",
        "Sequence",
        "MutableSequence",
        "Set",
        "MutableSet",
        "Iterable",
        "Callable",
    ):
        if not hasattr(collections, name):
            setattr(collections, name, getattr(collections.abc, name))


_install_collections_aliases()

from principalmapper.common import Node, Policy  # noqa: E402
from principalmapper.querying import local_policy_simulation as lps  # noqa: E402
from principalmapper.querying import query_interface as qi  # noqa: E402
from principalmapper.util.case_insensitive_dict import CaseInsensitiveDict  # noqa: E402

ALLOW_ALL: dict = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
ANONYMOUS = "anonymous"

_BASE_OPERATORS = {
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
}


class PolicyError(ValueError):
    """A policy that AWS would reject (or that this engine cannot evaluate faithfully)."""


def _check_operator(block: str) -> None:
    op = block.split(":", 1)[1] if block.startswith(("ForAllValues:", "ForAnyValue:")) else block
    if op == "Null":
        return
    if op.endswith("IfExists"):
        op = op[: -len("IfExists")]
    if op not in _BASE_OPERATORS:
        raise PolicyError(f"unknown condition operator {block!r}")


# ------------------------------------------------------------ pattern matching
# Both are pure functions of a string, called for every statement of every evaluation (62,000 times for the
# access matrix's 1,690 cells, over a few hundred distinct patterns): cached.
@functools.lru_cache(maxsize=4096)
def _wildcard_regex(pattern: str) -> str:
    """`*` -> any run of characters, `?` -> one character, everything else literal."""
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)


_POLICY_VARIABLE = re.compile(r"\$\{([^}]+)\}")
_SPECIAL_VARIABLES = {"*": "*", "?": "?", "$": "$"}


def _substitute_variables(value: str, context: CaseInsensitiveDict | None) -> str:
    """Replace `${key}` policy variables with their context value (AWS: `${*}`, `${?}`, `${$}` are
    literals)."""

    def repl(m: re.Match) -> str:
        key = m.group(1)
        if key in _SPECIAL_VARIABLES:
            return _SPECIAL_VARIABLES[key]
        if context is not None and key in context and isinstance(context[key], str):
            return context[key]
        return m.group(0)  # an unresolved variable never matches a real value

    return _POLICY_VARIABLE.sub(repl, value)


@functools.lru_cache(maxsize=4096)
def _compose_pattern(string_to_transform: str) -> re.Pattern:
    # Same contract as principalmapper's (case-insensitive: used for actions and resources), but fully
    # escaped.

    return re.compile("^" + _wildcard_regex(string_to_transform) + "$", re.IGNORECASE | re.DOTALL)


def _matches_after_expansion(
    string_to_check: str, string_to_check_against: str, condition_keys: CaseInsensitiveDict | None = None
) -> bool:
    """An Action or Resource element against the request's: policy variables resolved as in conditions.
    principalmapper replaced `${k}` for every context key in every element, once per statement (a third of
    the access matrix's time), and put a multivalued key's Python repr into an ARN; AWS resolves only
    single-valued keys there (IAM User Guide, "IAM policy elements: Variables and tags")."""
    pattern = _compose_pattern(_substitute_variables(string_to_check_against, condition_keys))
    return pattern.match(string_to_check) is not None


def _like(pattern: str, value: str) -> bool:
    return re.fullmatch(_wildcard_regex(pattern), value, flags=re.DOTALL) is not None


def _arn_like(pattern: str, value: str) -> bool:
    """AWS ArnLike/ArnEquals: six colon-delimited parts, each matched on its own, case-sensitively."""
    p_parts = pattern.split(":", 5)
    v_parts = value.split(":", 5)
    if len(p_parts) != 6 or len(v_parts) != 6:
        return False
    return all(fnmatch.fnmatchcase(v, p.replace("[", "[[]")) for p, v in zip(p_parts, v_parts, strict=True))


# ------------------------------------------------------------ operator patches
def _values(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _get_str_match(block: str, policy_key: str, policy_value, context: CaseInsensitiveDict) -> bool:
    op = block.split(":", 1)[1] if ":" in block else block
    if_exists = op.endswith("IfExists")
    op = op.removesuffix("IfExists")
    negated = "Not" in op
    if policy_key not in context:
        return if_exists or negated
    policy_values = [_substitute_variables(str(v), context) for v in _values(policy_value)]
    context_values = [str(v) for v in _values(context[policy_key])]

    def one(pv: str, cv: str) -> bool:
        if op in ("StringEquals", "StringNotEquals"):
            return pv == cv
        if op in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
            return pv.lower() == cv.lower()
        return _like(pv, cv)  # StringLike, StringNotLike

    hit = any(one(pv, cv) for pv in policy_values for cv in context_values)
    return not hit if negated else hit


def _get_arn_match(block: str, policy_key: str, policy_value, context: CaseInsensitiveDict) -> bool:
    op = block.split(":", 1)[1] if ":" in block else block
    if_exists = op.endswith("IfExists")
    negated = "Not" in op
    if policy_key not in context:
        return if_exists or negated
    policy_values = [_substitute_variables(str(v), context) for v in _values(policy_value)]
    hit = any(_arn_like(pv, str(cv)) for pv in policy_values for cv in _values(context[policy_key]))
    return not hit if negated else hit


_original_get_condition_match = lps._get_condition_match


def _get_condition_match(condition: dict, context: CaseInsensitiveDict) -> bool:
    for block in condition:
        _check_operator(block)
    return _original_get_condition_match(condition, context)


def _patch_condition_operators() -> None:
    lps._get_str_match = _get_str_match
    lps._get_arn_match = _get_arn_match
    lps._compose_pattern = _compose_pattern
    lps._matches_after_expansion = _matches_after_expansion
    lps._get_condition_match = _get_condition_match


_patch_condition_operators()


# --------------------------------------------------------------------------------------------- policies
def normalize_policy(policy: dict | str | bytes | None) -> dict | None:
    """Parse a JSON string if needed; stringify JSON booleans/numbers in Condition values (AWS reads them as
    strings); validate condition operators."""
    if policy is None:
        return None
    if isinstance(policy, str | bytes):
        import json

        policy = json.loads(policy)
    # New containers only where a value changes (the Condition blocks), never the caller's: a deep copy of
    # every policy was half the access matrix's evaluation time.
    statements = policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    normalized = []
    for st in statements:
        if st.get("Condition"):
            for block in st["Condition"]:
                _check_operator(block)
            st = {
                **st,
                "Condition": {
                    block: {
                        key: [_stringify(v) for v in value] if isinstance(value, list) else _stringify(value)
                        for key, value in keys.items()
                    }
                    for block, keys in st["Condition"].items()
                },
            }
        normalized.append(st)
    return {**policy, "Statement": normalized}


def _stringify(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


# --------------------------------------------------------------------------------------------- principals
class _Principal(Node):
    """A Node without principalmapper's user/role-only validation (so account roots can be modelled)."""

    def __init__(self, arn: str, policies: list[dict], boundary: dict | None):
        self.arn = arn
        self.id_value = "AROAEXAMPLE" + re.sub(r"[^A-Za-z0-9]", "", arn)[-12:].upper()
        self.attached_policies = [Policy(arn, f"p{i}", p) for i, p in enumerate(policies)]
        self.group_memberships = []
        self.trust_policy = None
        self.instance_profile = None
        self.active_password = False
        self.access_keys = 0
        self.is_admin = False
        self.permissions_boundary = Policy(arn, "boundary", boundary) if boundary is not None else None
        self.has_mfa = False
        self.tags = {}
        self.cache = {}


_ANONYMOUS_STANDIN = "arn:aws:iam::000000000000:user/anonymous-caller"


def _is_service(principal: str) -> bool:
    return not principal.startswith("arn:") and principal.endswith(".amazonaws.com")


def _account_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 else ""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    details: dict = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.allowed


def explain(
    principal_arn: str,
    action: str,
    resource_arn: str,
    context: dict | None = None,
    identity_policies: list[dict] | None = None,
    resource_policy: dict | str | None = None,
    resource_owner: str | None = None,
    permissions_boundary: dict | None = None,
    session_policy: dict | None = None,
) -> Decision:
    """Evaluate one request; see `evaluate`. Returns a Decision with a short reason."""
    ctx = {
        k: _stringify(v) if not isinstance(v, list) else [_stringify(x) for x in v]
        for k, v in (context or {}).items()
    }
    rp = normalize_policy(resource_policy)
    owner = resource_owner or _account_of(resource_arn)
    if rp is not None and not owner:
        raise ValueError(f"resource_owner is required for {resource_arn} (its ARN has no account)")
    service = resource_arn.split(":")[2] if resource_arn.startswith("arn:") else ""

    if principal_arn in (ANONYMOUS, "*"):
        return _explain_anonymous(action, resource_arn, ctx, rp)
    if _is_service(principal_arn):
        return _explain_service(principal_arn, action, resource_arn, ctx, rp)

    if rp is None and owner and _account_of(principal_arn) != owner:
        rp = {"Version": "2012-10-17", "Statement": []}  # cross account without a resource policy: no grant
    policies = [normalize_policy(p) for p in (identity_policies or [])]
    node = _Principal(principal_arn, policies, normalize_policy(permissions_boundary))
    # A key is usable only through its key policy, a role only assumable through its trust policy; other
    # requests on them (an alias, iam:PassRole, iam:GetRole) are decided by identity policies alone.
    key_use = service == "kms" and ":key/" in resource_arn
    if rp is None and (key_use or action.lower().startswith("sts:assumerole")):
        raise ValueError(
            f"{resource_arn}: a KMS key or IAM role is only usable through its key/trust policy; pass it"
        )
    allowed = qi.local_check_authorization_full(
        node,
        action,
        resource_arn,
        CaseInsensitiveDict(ctx),
        rp,
        owner if rp is not None else None,
        None,
        normalize_policy(session_policy),
    )
    return Decision(bool(allowed), _reason(node, action, resource_arn, ctx, rp, owner, allowed))


def _reason(node, action, resource, ctx, rp, owner, allowed) -> str:
    keys = CaseInsensitiveDict(ctx)
    keys.update(qi._infer_condition_keys(node, keys))
    if rp is not None:
        res = lps.resource_policy_authorization(node, owner, rp, action, resource, keys)
        rp_txt = res.name.lower()
    else:
        rp_txt = "no resource policy"
    id_deny = qi.has_matching_statement(node, "Deny", action, resource, keys)
    id_allow = qi.has_matching_statement(node, "Allow", action, resource, keys)
    where = "" if not owner else ", same-account" if _account_of(node.arn) == owner else ", cross-account"
    return (
        f"{'allow' if allowed else 'deny'}: "
        f"identity={'deny' if id_deny else 'allow' if id_allow else 'none'}, "
        f"resource policy={rp_txt}{where}"
    )


def _explain_anonymous(action: str, resource: str, ctx: dict, rp: dict | None) -> Decision:
    if rp is None:
        return Decision(False, "deny: anonymous caller and no resource policy")
    keys = CaseInsensitiveDict(ctx)
    keys.setdefault("aws:SecureTransport", "true")
    stand_in = _Principal(_ANONYMOUS_STANDIN, [], None)
    matching = lps.resource_policy_matching_statements(stand_in, rp, action, resource, keys)
    if any(st["Effect"] == "Deny" for st in matching):
        return Decision(False, "deny: explicit deny in resource policy")
    for st in matching:
        principal = st.get("Principal")
        if principal == "*" or (isinstance(principal, dict) and "*" in _values(principal.get("AWS", []))):
            return Decision(True, "allow: resource policy grants Principal '*'")
    return Decision(False, "deny: no public grant in resource policy")


def _explain_service(service: str, action: str, resource: str, ctx: dict, rp: dict | None) -> Decision:
    if rp is None:
        return Decision(False, f"deny: {service} needs a resource/trust policy grant")
    keys = CaseInsensitiveDict(ctx)
    keys.setdefault("aws:SecureTransport", "true")
    res = lps.resource_policy_authorization(service, "", rp, action, resource, keys)
    if res is lps.ResourcePolicyEvalResult.SERVICE_MATCH:
        return Decision(True, "allow: resource policy grants the service principal")
    return Decision(False, f"deny: resource policy {res.name.lower()} for {service}")


def resource_policy_effect(
    principal_arn: str,
    action: str,
    resource_arn: str,
    resource_policy: dict | str,
    resource_owner: str,
    context: dict | None = None,
) -> str | None:
    """The resource policy on its own: "Deny" when an explicit Deny applies to the request, "Allow" when a
    statement grants it to the principal (its role, its account root, or `*`), None when no statement applies.
    For a service that asks only "does the resource policy refuse or grant this?" (moto's S3 bucket check)."""
    ctx = CaseInsensitiveDict(
        {
            k: _stringify(v) if not isinstance(v, list) else [_stringify(x) for x in v]
            for k, v in (context or {}).items()
        }
    )
    rp = normalize_policy(resource_policy)
    if _is_service(principal_arn):
        subject: Node | str = principal_arn
    else:
        anonymous = principal_arn in (ANONYMOUS, "*")
        subject = _Principal(_ANONYMOUS_STANDIN if anonymous else principal_arn, [], None)
        ctx.update(qi._infer_condition_keys(subject, ctx))
    ctx.setdefault("aws:SecureTransport", "true")
    result = lps.resource_policy_authorization(subject, resource_owner, rp, action, resource_arn, ctx)
    if result is lps.ResourcePolicyEvalResult.DENY_MATCH:
        return "Deny"
    if result is lps.ResourcePolicyEvalResult.NO_MATCH:
        return None
    if not _is_service(principal_arn) and principal_arn in (ANONYMOUS, "*"):
        return "Allow" if _explain_anonymous(action, resource_arn, dict(ctx), rp).allowed else None
    return "Allow"


def evaluate(
    principal_arn: str,
    action: str,
    resource_arn: str,
    context: dict | None = None,
    identity_policies: list[dict] | None = None,
    resource_policy: dict | str | None = None,
    resource_owner: str | None = None,
    permissions_boundary: dict | None = None,
    session_policy: dict | None = None,
) -> bool:
    """Would AWS allow `principal_arn` to perform `action` on `resource_arn`?

    - `context`: request context keys (aws:SecureTransport, s3:x-amz-server-side-encryption...,
      aws:SourceArn...). aws:PrincipalArn, aws:PrincipalAccount, aws:userid are inferred from the
      principal; aws:SecureTransport defaults to "true".
    - `identity_policies`: the principal's identity-based policies (inline + attached), dicts or JSON.
    - `resource_policy`: the policy on the resource: bucket policy (S3), key policy (KMS; required),
      trust policy (sts:AssumeRole on a role ARN; required), Lambda/SNS resource policy.
    - `resource_owner`: account owning the resource; taken from the ARN when it has one (S3's has none).
    Rules: an explicit Deny anywhere wins. Same account: identity OR resource policy allows (for KMS keys
    and IAM roles the key/trust policy must allow; its account-root principal delegates to identity
    policies). Cross account: the resource policy AND the identity policy must allow.
    """
    return explain(
        principal_arn,
        action,
        resource_arn,
        context,
        identity_policies,
        resource_policy,
        resource_owner,
        permissions_boundary,
        session_policy,
    ).allowed
