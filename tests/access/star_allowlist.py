"""The `Resource: "*"` allowlist: every identity-policy Allow on "*" must be declared with its reason."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

ALLOWLIST = Path(__file__).with_name("resource-star-allowlist.yaml")
# Attributes holding identity policies, by resource type. Resource policies (key, bucket, topic) are not
# identity
# grants; in a key policy "*" is the key itself.
IDENTITY_POLICY_ATTRIBUTES = {"aws_iam_role_policy": "policy", "aws_iam_policy": "policy"}


def _list(value) -> list:
    return value if isinstance(value, list) else [value]


def star_statements(resources: list[dict]) -> list[dict]:
    """Allow statements on Resource "*" in the identity policies of the given `terraform show -json`
    resources."""
    found = []
    for r in resources:
        attribute = IDENTITY_POLICY_ATTRIBUTES.get(r["type"])
        if not attribute:
            continue
        policy = r.get("values", {}).get(attribute)
        assert policy, f"{r['address']}: policy unknown"
        for st in json.loads(policy)["Statement"]:
            if st.get("Effect") == "Allow" and "*" in _list(st.get("Resource", [])):
                found.append(
                    {"address": r["address"], "sid": st.get("Sid"), "actions": sorted(_list(st["Action"]))}
                )
    return found


def check(resources: list[dict]) -> tuple[list[str], list[str]]:
    """(statements on "*" that the allowlist does not declare, allowlist entries that nothing uses)."""
    allow = {(e["sid"], tuple(sorted(e["actions"]))): e for e in yaml.safe_load(ALLOWLIST.read_text())}
    for entry in allow.values():
        assert len(entry.get("reason", "")) > 20, f"allowlist entry {entry['sid']} needs a reason"
    used, undeclared = set(), []
    for st in star_statements(resources):
        key = (st["sid"], tuple(st["actions"]))
        if key in allow:
            used.add(key)
        else:
            undeclared.append(f'{st["address"]} {st["sid"]}: {", ".join(st["actions"])} on "*"')
    stale = [f"{sid}: {', '.join(actions)}" for (sid, actions) in allow if (sid, actions) not in used]
    return undeclared, stale
