"""Helpers shared by the CKV_MLOPS_* checks: policy documents from HCL, plan JSON and aws_iam_policy_document.

Not a check itself (checkov imports every .py file here; this one registers nothing).

Where a policy comes from:
- plan JSON (`checkov -f plan.json --framework terraform_plan`): attributes hold the rendered JSON string
  (checkov may already have parsed it into a dict). This is the reliable source.
- HCL (`checkov -d`): a literal heredoc or `jsonencode({...})` is resolved by checkov; a reference to
  `data.aws_iam_policy_document.x.json` usually is not (it stays a `${...}` string). Those documents are
  checked on the data source itself (CKV_MLOPS_5, CKV_MLOPS_6), where only statements that grant an
  sts:AssumeRole* action mark the document as a trust policy.
"""

from __future__ import annotations

import json
import re
from typing import Any

ACCOUNT_PRINCIPAL = re.compile(r"^(\d{12}|arn:aws[a-z-]*:iam::\d{12}:root|\*)$")
TRUST_ACTION = re.compile(r"^sts:(AssumeRole\w*|\*)$|^\*$", re.IGNORECASE)
UNRESOLVED = object()


def first(value: Any) -> Any:
    """checkov wraps HCL attribute values in one-element lists."""
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value


def as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, list):
        out: list = []
        for v in value:
            out.extend(as_list(v) if isinstance(v, list) else [v])
        return out
    return [value]


def parse_document(value: Any) -> Any:
    """A policy document as a dict, None when absent, UNRESOLVED when it is an unresolved reference."""
    value = first(value)
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            doc = json.loads(value)
        except ValueError:
            return UNRESOLVED
        return doc if isinstance(doc, dict) else UNRESOLVED
    return UNRESOLVED


def statements(doc: dict) -> list[dict]:
    return [s for s in as_list(doc.get("Statement")) if isinstance(s, dict)]


def condition_keys(statement: dict) -> set[str]:
    """Context keys tested by positive (non-negated) operators in a JSON statement, lower-case."""
    keys: set[str] = set()
    for op, block in (statement.get("Condition") or {}).items():
        if "Not" in op or op.startswith("Null") or not isinstance(block, dict):
            continue
        keys.update(k.lower() for k in block)
    return keys


def principals(statement: dict, kind: str) -> list[str]:
    p = statement.get("Principal")
    if p == "*" and kind == "AWS":
        return ["*"]
    if isinstance(p, dict):
        return [str(x) for x in as_list(p.get(kind))]
    return []


def json_trust_statements(doc: dict) -> list[dict]:
    return [
        s
        for s in statements(doc)
        if s.get("Effect", "Allow") == "Allow"
        and any(TRUST_ACTION.match(str(a)) for a in as_list(s.get("Action")))
    ]


def hcl_statement_to_json(st: dict) -> dict:
    """One aws_iam_policy_document `statement` block (checkov HCL shape) to the JSON statement shape."""
    out: dict[str, Any] = {"Effect": first(st.get("effect")) or "Allow", "Action": as_list(st.get("actions"))}
    prin: dict[str, list] = {}
    for p in as_list(st.get("principals")):
        if isinstance(p, dict):
            prin.setdefault(str(first(p.get("type"))), []).extend(
                str(i) for i in as_list(p.get("identifiers"))
            )
    if prin:
        out["Principal"] = {("AWS" if k == "*" else k): v for k, v in prin.items()}
    cond: dict[str, dict] = {}
    for c in as_list(st.get("condition")):
        if isinstance(c, dict):
            cond.setdefault(str(first(c.get("test"))), {})[str(first(c.get("variable")))] = as_list(
                c.get("values")
            )
    if cond:
        out["Condition"] = cond
    return out
