"""The declared access matrix (matrix.yaml) evaluated on the three envs' plans.

matrix.yaml declares accounts, the plan of each env, principals, resources, named request contexts and rows.
A row is (resource, action, context); its cells are every declared principal: those listed under `allow`
must be allowed, every other principal must be denied. Strings may use `{shared}`, `{training}`,
`{production}`, `{region}`, `{partition}`, `{prefix}` and `{key:<alias name>}` (the key ARN behind a KMS
alias in the plans).

Where a principal's policies come from: `identity: plan` (default) takes its inline/attached policies and
permissions boundary from the plans and fails if the role is not in them (a contract name drift is an error,
not a silent deny); `identity: admin` gives it AdministratorAccess (the worst case for an outsider);
`identity: none` gives it nothing. Resource policies come from the plans: the bucket policy of an S3 ARN,
the key policy of a KMS key ARN, the trust policy of an IAM role ARN (sts:* actions), the
aws_lambda_permission statements of a function ARN.

An S3 object request on an SSE-KMS object is a cell of two decisions, as AWS makes it: S3's (identity and
bucket policy) and the KMS call S3 then makes as the caller (`_s3_kms`).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from iam_eval import ALLOW_ALL, Decision, explain

from .plans import Inventory, build_inventory, read_json

HERE = Path(__file__).resolve().parent
DEFAULT_MATRIX = HERE / "matrix.yaml"
ENVS = ("shared", "training", "production")
# S3 calls KMS as the caller for an object request on an SSE-KMS object: kms:GenerateDataKey to write one,
# kms:Decrypt to read one (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html,
# "Permissions"). The key policy must allow it; across accounts the caller's identity policy must allow it too
# (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html).
S3_KMS_ACTIONS = {
    "s3:putobject": "kms:GenerateDataKey",
    "s3:getobject": "kms:Decrypt",
    # reading a given version (CopyObject of a pinned version) decrypts too
    "s3:getobjectversion": "kms:Decrypt",
}


@dataclass(frozen=True)
class Cell:
    row: str
    principal: str
    resource: str
    action: str
    context: str
    expected: bool
    actual: bool
    reason: str

    @property
    def ok(self) -> bool:
        return self.expected == self.actual


# explain() is a function of its arguments' values alone, and the tests evaluate the same cells many times:
# the matrix, its report, and each regression test's matrix with one policy edited (where every cell that does
# not read the edited policy is the same request). So each distinct request is evaluated once per process,
# keyed by the JSON of every argument: a cell that reads an edited policy has a new key and is evaluated anew.
_DECISIONS: dict[tuple, Decision] = {}


class MatrixError(ValueError):
    pass


class Matrix:
    def __init__(self, spec: dict, plan_paths: dict[str, Path]):
        self.spec = spec
        self.vars = {
            **{env: spec["accounts"][env] for env in ENVS},
            "region": spec["region"],
            "partition": spec.get("partition", "aws"),
            "prefix": spec["prefix"],
        }
        plans = [(spec["accounts"][env], read_json(plan_paths[env])) for env in ENVS]
        subs = {
            self._fmt(k, keys=False): self._fmt(v, keys=False)
            for k, v in (spec.get("substitutions") or {}).items()
        }
        self._docs: dict[int, tuple[dict, str]] = {}  # id(policy) -> (policy, its JSON): see _explain
        self.inventory: Inventory = build_inventory(plans, spec["region"], self.vars["partition"], subs)
        if self.inventory.unknown:
            raise MatrixError(
                "policies unknown at plan time (plan with known values, or add substitutions): "
                + ", ".join(self.inventory.unknown)
            )

    # ------------------------------------------------------------------------------------------ templating
    def _fmt(self, text: str, keys: bool = True) -> str:
        def key(m: re.Match) -> str:
            alias = m.group(1)
            arn = self.inventory.aliases.get(alias)
            if arn is None:
                raise MatrixError(f"no KMS alias {alias!r} in the plans")
            return arn

        out = re.sub(r"\{(\w+)\}", lambda m: str(self.vars.get(m.group(1), m.group(0))), str(text))
        if keys:
            out = re.sub(r"\{key:([^}]+)\}", key, out)
        if re.search(r"\{[\w:]", out):
            raise MatrixError(f"unresolved placeholder in {text!r}")
        return out

    def _context(self, ref) -> tuple[str, dict]:
        if ref is None:
            return "default", {}
        if isinstance(ref, str):
            contexts = self.spec.get("contexts") or {}
            if ref not in contexts:
                raise MatrixError(f"unknown context {ref!r}")
            return ref, {k: self._fmt(v) for k, v in (contexts[ref] or {}).items()}
        return "inline", {k: self._fmt(v) for k, v in ref.items()}

    # ------------------------------------------------------------------------------------------ evaluation
    def principal_policies(self, name: str) -> tuple[str, list[dict], dict | None]:
        p = self.spec["principals"][name]
        arn = self._fmt(p["arn"])
        identity = p.get("identity", "plan")
        if identity == "admin":
            return arn, [ALLOW_ALL], None
        if identity == "none" or arn == "anonymous" or arn.endswith(".amazonaws.com"):
            return arn, [], None
        role = self.inventory.roles.get(arn)
        if role is None:
            raise MatrixError(f"principal {name}: role {arn} is not in the plans")
        return arn, role.policies, role.boundary

    def resource_policy(self, resource_arn: str, action: str) -> tuple[dict | None, str | None]:
        inv = self.inventory
        service = resource_arn.split(":")[2]
        if service == "s3":
            bucket = resource_arn.split(":::", 1)[1].split("/", 1)[0]
            owner = inv.buckets.get(bucket)
            if owner is None:
                raise MatrixError(f"bucket {bucket} is not in the plans")
            policy = inv.bucket_policies.get(bucket, (owner, None))[1]
            return policy, owner
        if service == "kms":
            if resource_arn not in inv.keys:
                raise MatrixError(f"key {resource_arn} is not in the plans")
            return inv.keys[resource_arn], None
        if service == "iam" and action.lower().startswith("sts:"):
            if resource_arn not in inv.roles:
                raise MatrixError(f"role {resource_arn} is not in the plans")
            return inv.roles[resource_arn].trust, None
        if service == "lambda":
            return inv.lambda_policies.get(resource_arn), None
        if service == "sns":
            return inv.topic_policies.get(resource_arn), None
        return None, None

    def cells(self) -> list[Cell]:
        principals = list(self.spec["principals"])
        resources = self.spec["resources"]
        out: list[Cell] = []
        for row in self.spec["rows"]:
            res_name = row["resource"]
            if res_name not in resources:
                raise MatrixError(f"row {row}: unknown resource {res_name!r}")
            res_arn = self._fmt(resources[res_name]["arn"])
            allowed = set(row.get("allow") or [])
            unknown = allowed - set(principals)
            if unknown:
                raise MatrixError(f"row {row}: unknown principals {sorted(unknown)}")
            ctx_name, row_ctx = self._context(row.get("context"))
            base = {k: self._fmt(v) for k, v in (self.spec.get("default_context") or {}).items()}
            for action in _list(row["action"]):
                rp, owner = self.resource_policy(res_arn, action)
                label = f"{res_name} {action}" + ("" if ctx_name == "default" else f" [{ctx_name}]")
                for name in row.get("principals") or principals:
                    arn, policies, boundary = self.principal_policies(name)
                    extra = self.spec["principals"][name].get("context") or {}
                    caller_ctx = {**base, **{k: self._fmt(v) for k, v in extra.items()}}
                    ctx = {**caller_ctx, **row_ctx}
                    d = self._explain(arn, action, res_arn, ctx, policies, rp, owner, boundary)
                    if d.allowed and action.lower() in S3_KMS_ACTIONS:
                        d = self._s3_kms(d, (arn, policies, boundary), action, res_arn, ctx, caller_ctx)
                    out.append(
                        Cell(label, name, res_name, action, ctx_name, name in allowed, d.allowed, d.reason)
                    )
        return out

    def _explain(self, arn, action, resource, ctx, policies, rp, owner, boundary) -> Decision:
        """explain(), once per distinct request (_DECISIONS)."""
        key = (arn, action, resource, json.dumps(ctx, sort_keys=True), tuple(map(self._json, policies)))
        key += (self._json(rp), owner, self._json(boundary))
        if key not in _DECISIONS:
            _DECISIONS[key] = explain(arn, action, resource, ctx, policies, rp, owner, boundary)
        return _DECISIONS[key]

    def _json(self, doc: dict | str | None) -> str:
        """A policy's JSON. A policy is the same object in every cell of its principal or resource, so this
        is made once per object and Matrix (by identity: the inventory keeps the objects alive with it)."""
        if not isinstance(doc, dict):
            return json.dumps(doc)
        found = self._docs.get(id(doc))
        if found is None or found[0] is not doc:
            found = self._docs[id(doc)] = (doc, json.dumps(doc, sort_keys=True))
        return found[1]

    def _s3_kms(
        self, s3: Decision, caller: tuple, action: str, object_arn: str, ctx: dict, caller_ctx: dict
    ) -> Decision:
        """S3 allowed the object request; on an SSE-KMS object S3 then calls KMS as the caller, with
        kms:ViaService s3.<region>.amazonaws.com and kms:CallerAccount the caller's account (the request's S3
        condition keys do not reach KMS), and the encryption context kms:EncryptionContext:aws:s3:arn: the
        bucket ARN, since every bucket here has an S3 Bucket Key (modules/kms-bucket; without one S3 sends
        the object ARN: "Encryption context",
        https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#encryption-context),
        as the emulator's authorization does (rehearsal.authz._kms_via_s3). An object read is taken to be
        encrypted with the bucket's default key (the buckets' policies refuse writes naming another key)."""
        bucket = object_arn.split(":::", 1)[1].split("/", 1)[0]
        key = self.inventory.bucket_default_keys.get(bucket)
        if action.lower() == "s3:putobject" and ctx.get("s3:x-amz-server-side-encryption"):
            # a write that names its encryption: its key for aws:kms, no KMS call for another algorithm
            aws_kms = ctx["s3:x-amz-server-side-encryption"] == "aws:kms"
            key = ctx.get("s3:x-amz-server-side-encryption-aws-kms-key-id", key) if aws_kms else None
        if key is None:
            return s3
        key = self.inventory.aliases.get(key, key)
        if key not in self.inventory.keys:
            raise MatrixError(f"{object_arn}: SSE-KMS key {key} is not in the plans")
        arn, policies, boundary = caller
        kms_action = S3_KMS_ACTIONS[action.lower()]
        kms_ctx = {
            **caller_ctx,
            "kms:ViaService": f"s3.{self.vars['region']}.amazonaws.com",
            "kms:EncryptionContext:aws:s3:arn": f"arn:{self.vars['partition']}:s3:::{bucket}",
        }
        if arn.startswith("arn:"):
            kms_ctx["kms:CallerAccount"] = arn.split(":")[4]
        kms = self._explain(arn, kms_action, key, kms_ctx, policies, self.inventory.keys[key], None, boundary)
        verdict = "allow" if kms.allowed else "deny"
        return Decision(
            kms.allowed, f"{verdict}: {action} ({s3.reason}), then S3 -> {kms_action} ({kms.reason})"
        )


def _list(v) -> list:
    return v if isinstance(v, list) else [v]


def plan_paths_from_env(spec_path: Path, spec: dict) -> dict[str, Path]:
    """Plan JSON per env: ACCESS_PLAN_SHARED/_TRAINING/_PRODUCTION, else matrix.yaml `plans` (relative)."""
    out = {}
    for env in ENVS:
        override = os.environ.get(f"ACCESS_PLAN_{env.upper()}")
        out[env] = Path(override) if override else (spec_path.parent / spec["plans"][env])
    return out


def load(spec_path: Path = DEFAULT_MATRIX, plan_paths: dict[str, Path] | None = None) -> Matrix:
    spec = yaml.safe_load(spec_path.read_text())
    return Matrix(spec, plan_paths or plan_paths_from_env(spec_path, spec))
