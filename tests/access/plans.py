"""Read identity, resource, trust and key policies (and a bucket's default SSE-KMS key) out of
`terraform show -json` output.

Accepts a saved plan (`planned_values.root_module`) or an applied state (`values.root_module`), walking
child modules at any depth. Each file belongs to one account (given by the caller: plan-time ARNs of roles
are unknown, so role ARNs are built from account + path + name, exactly as IAM does).

Values unknown at plan time are absent from planned_values and marked in resource_changes[].after_unknown.
A policy attribute that is unknown cannot be evaluated: `Inventory.unknown` lists them and the matrix fails
with their addresses instead of silently skipping. `substitutions` (literal string -> string) are applied to
every policy text before parsing, for placeholders a test plan was made with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# resource type -> policy attributes that hold a JSON policy document
POLICY_ATTRIBUTES = {
    "aws_iam_role": ["assume_role_policy"],
    "aws_iam_role_policy": ["policy"],
    "aws_iam_policy": ["policy"],
    "aws_kms_key": ["policy"],
    "aws_s3_bucket_policy": ["policy"],
    "aws_sns_topic_policy": ["policy"],
    "aws_sqs_queue_policy": ["policy"],
    "aws_lambda_function": [],
}


@dataclass
class Resource:
    address: str
    type: str
    values: dict
    unknown: dict


@dataclass
class Role:
    arn: str
    address: str
    trust: dict | None
    policies: list[dict] = field(default_factory=list)
    boundary: dict | None = None
    managed_arns: list[str] = field(default_factory=list)


@dataclass
class Inventory:
    roles: dict[str, Role] = field(default_factory=dict)  # role ARN -> Role
    bucket_policies: dict[str, tuple[str, dict]] = field(default_factory=dict)  # bucket -> (owner, policy)
    buckets: dict[str, str] = field(default_factory=dict)  # bucket name -> owner account
    bucket_default_keys: dict[str, str] = field(default_factory=dict)  # bucket -> its default SSE-KMS key
    keys: dict[str, dict] = field(default_factory=dict)  # key ARN -> key policy
    aliases: dict[str, str] = field(default_factory=dict)  # alias ARN and "alias/x" -> key ARN
    lambda_policies: dict[str, dict] = field(default_factory=dict)  # function ARN -> resource policy
    topic_policies: dict[str, dict] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)  # "address.attribute" of policies unknown at plan time
    warnings: list[str] = field(default_factory=list)

    def trust_of(self, role_arn: str) -> dict | None:
        role = self.roles.get(role_arn)
        return role.trust if role else None


def _walk(module: dict):
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from _walk(child)


def load_resources(doc: dict) -> list[Resource]:
    """Managed resources of a plan or state JSON document."""
    root = (doc.get("planned_values") or doc.get("values") or {}).get("root_module", {})
    unknown = {
        rc["address"]: (rc.get("change") or {}).get("after_unknown") or {}
        for rc in doc.get("resource_changes", [])
    }
    return [
        Resource(r["address"], r["type"], r.get("values") or {}, unknown.get(r["address"], {}))
        for r in _walk(root)
        if r.get("mode", "managed") == "managed"
    ]


def _policy(res: Resource, attribute: str, substitutions: dict[str, str], inv: Inventory) -> dict | None:
    text = res.values.get(attribute)
    if text in (None, ""):
        if res.unknown.get(attribute) is True:
            inv.unknown.append(f"{res.address}.{attribute}")
        return None
    if isinstance(text, dict):
        text = json.dumps(text)
    for old, new in substitutions.items():
        text = text.replace(old, new)
    return json.loads(text)


def _role_arn(account: str, partition: str, values: dict) -> str:
    return (
        values.get("arn") or f"arn:{partition}:iam::{account}:role{values.get('path') or '/'}{values['name']}"
    )


class _Builder:
    """Collects one inventory from plan resources, one method per resource type (named after it)."""

    def __init__(self, region: str, partition: str, subs: dict[str, str]) -> None:
        self.region, self.partition, self.subs = region, partition, subs
        self.inv = Inventory()
        self.customer_policies: dict[str, dict] = {}  # policy ARN / name -> document
        self.attachments: list[tuple[str, str, str, str]] = []  # (account, role, policy arn, address)
        self.inline: list[tuple[str, str, dict, str]] = []
        self.boundaries: list[tuple[str, str]] = []  # (role arn, policy arn)
        self.lambda_statements: dict[str, list[dict]] = {}

    def add(self, account: str, res: Resource) -> None:
        handler = getattr(self, f"_{res.type}", None)
        if handler is not None:
            handler(account, res, res.values)

    def _policy(self, res: Resource, attribute: str) -> dict | None:
        return _policy(res, attribute, self.subs, self.inv)

    def _aws_iam_role(self, account: str, res: Resource, v: dict) -> None:
        arn = _role_arn(account, self.partition, v)
        role = Role(arn, res.address, self._policy(res, "assume_role_policy"))
        role.policies += [json.loads(i["policy"]) for i in v.get("inline_policy") or [] if i.get("policy")]
        role.managed_arns = list(v.get("managed_policy_arns") or [])
        if v.get("permissions_boundary"):
            self.boundaries.append((arn, v["permissions_boundary"]))
        self.inv.roles[arn] = role

    def _aws_iam_role_policy(self, account: str, res: Resource, v: dict) -> None:
        if (doc := self._policy(res, "policy")) is not None:
            self.inline.append((account, v["role"], doc, res.address))

    def _aws_iam_policy(self, account: str, res: Resource, v: dict) -> None:
        if (doc := self._policy(res, "policy")) is not None:
            name_arn = f"arn:{self.partition}:iam::{account}:policy{v.get('path') or '/'}{v['name']}"
            self.customer_policies[v.get("arn") or name_arn] = doc
            self.customer_policies[name_arn] = doc

    def _aws_iam_role_policy_attachment(self, account: str, res: Resource, v: dict) -> None:
        self.attachments.append((account, v["role"], v.get("policy_arn") or "", res.address))

    def _aws_s3_bucket(self, account: str, res: Resource, v: dict) -> None:
        self.inv.buckets[v["bucket"]] = account

    def _aws_s3_bucket_server_side_encryption_configuration(
        self, account: str, res: Resource, v: dict
    ) -> None:
        _default_key(res, self.inv)

    def _aws_s3_bucket_policy(self, account: str, res: Resource, v: dict) -> None:
        if (doc := self._policy(res, "policy")) is not None:
            self.inv.bucket_policies[v["bucket"]] = (account, doc)

    def _aws_kms_key(self, account: str, res: Resource, v: dict) -> None:
        arn = v.get("arn") or f"arn:{self.partition}:kms:{self.region}:{account}:key/{res.address}"
        doc = self._policy(res, "policy")
        if doc is None and "policy" not in res.unknown:
            doc = _default_key_policy(account, self.partition)
        if doc is not None:
            self.inv.keys[arn] = doc
        self.inv.aliases[f"key-address:{res.address}"] = arn

    def _aws_kms_alias(self, account: str, res: Resource, v: dict) -> None:
        target = v.get("target_key_arn") or v.get("target_key_id")
        if target:
            self.inv.aliases[v["name"]] = target
            self.inv.aliases[f"arn:{self.partition}:kms:{self.region}:{account}:{v['name']}"] = target

    def _aws_lambda_permission(self, account: str, res: Resource, v: dict) -> None:
        fn = v["function_name"]
        if not fn.startswith("arn:"):
            fn = f"arn:{self.partition}:lambda:{self.region}:{account}:function:{fn}"
        self.lambda_statements.setdefault(fn, []).append(_lambda_statement(v, fn))

    def _aws_sns_topic_policy(self, account: str, res: Resource, v: dict) -> None:
        if (doc := self._policy(res, "policy")) is not None:
            self.inv.topic_policies[v["arn"]] = doc

    def finish(self) -> Inventory:
        """Attach what names a role (inline policies, attachments, boundaries) once every role is known."""
        inv = self.inv
        for account, role_name, doc, address in self.inline:
            _role_by_name(inv, account, role_name, address).policies.append(doc)
        for account, role_name, policy_arn, address in self.attachments:
            role = _role_by_name(inv, account, role_name, address)
            if policy_arn in self.customer_policies:
                role.policies.append(self.customer_policies[policy_arn])
            else:
                role.managed_arns.append(policy_arn)
        for role_arn, policy_arn in self.boundaries:
            inv.roles[role_arn].boundary = self.customer_policies.get(policy_arn)
        inv.warnings += [
            f"{role.address}: managed policy {arn} is not evaluated (document not in the plan)"
            for role in inv.roles.values()
            for arn in role.managed_arns
        ]
        for fn, statements in self.lambda_statements.items():
            inv.lambda_policies[fn] = {"Version": "2012-10-17", "Statement": statements}
        return inv


def build_inventory(
    plans: list[tuple[str, dict]],
    region: str,
    partition: str = "aws",
    substitutions: dict[str, str] | None = None,
) -> Inventory:
    """`plans`: (account ID, plan/state JSON) pairs."""
    builder = _Builder(region, partition, substitutions or {})
    for account, doc in plans:
        for res in load_resources(doc):
            builder.add(account, res)
    return builder.finish()


def _role_by_name(inv: Inventory, account: str, name: str, address: str) -> Role:
    for role in inv.roles.values():
        if role.arn.split(":")[4] == account and role.arn.rsplit("/", 1)[-1] == name:
            return role
    if address.startswith("module.personas."):
        # The people's roles: their identity provider or the operator makes them, envs/shared only attaches
        # their policies (modules/personas); their trust is not the env's to prove.
        arn = f"arn:aws:iam::{account}:role/{name}"
        return inv.roles.setdefault(arn, Role(arn=arn, address=f"(not managed here) {name}", trust=None))
    raise KeyError(f"role {name!r} in {account} is referenced by a policy but not in the plan")


def _default_key(res: Resource, inv: Inventory) -> None:
    """The key S3 encrypts an object with when the request names none (SSE-KMS default encryption)."""
    default = res.values["rule"][0]["apply_server_side_encryption_by_default"][0]
    if default["sse_algorithm"] != "aws:kms":
        return
    unknown = (res.unknown.get("rule") or [{}])[0].get("apply_server_side_encryption_by_default") or [{}]
    if unknown[0].get("kms_master_key_id") is True:  # a key created in the same plan: its ARN is not known
        inv.unknown.append(f"{res.address}.rule.apply_server_side_encryption_by_default.kms_master_key_id")
        return
    # aws:kms without a key ID is the AWS managed key aws/s3 (not in the plans: its use cannot be evaluated)
    inv.bucket_default_keys[res.values["bucket"]] = default.get("kms_master_key_id") or "alias/aws/s3"


def _default_key_policy(account: str, partition: str) -> dict:
    """What KMS applies when aws_kms_key.policy is not set: the account root may do everything."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }


def _lambda_statement(v: dict, fn_arn: str) -> dict:
    principal = v["principal"]
    if principal.endswith(".amazonaws.com"):
        prin: Any = {"Service": principal}
    elif principal == "*":
        prin = "*"
    else:
        prin = {"AWS": principal}
    st: dict = {"Effect": "Allow", "Principal": prin, "Action": v["action"], "Resource": fn_arn}
    cond: dict = {}
    if v.get("source_arn"):
        cond.setdefault("ArnLike", {})["AWS:SourceArn"] = v["source_arn"]
    if v.get("source_account"):
        cond.setdefault("StringEquals", {})["AWS:SourceAccount"] = v["source_account"]
    if v.get("principal_org_id"):
        cond.setdefault("StringEquals", {})["aws:PrincipalOrgID"] = v["principal_org_id"]
    if cond:
        st["Condition"] = cond
    return st


def read_json(path: str | Path) -> dict:
    return json.loads(Path(path).read_text())
