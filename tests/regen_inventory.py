"""Regenerate a plan inventory: make regen CASE=tests/<modules|envs>/<target>/<case>.yaml

Keeps the addresses and attribute names the inventory already lists (that choice is the author's) and
refreshes
their values, the resource counts and the listed outputs from a fresh plan. A new case starts as an empty
YAML.
"""

import sys
from pathlib import Path

import yaml

import tfplan
from inventory import MISSING, collect


def refresh(expected, actual):
    if isinstance(expected, dict) and isinstance(actual, dict):
        return {k: refresh(v, actual.get(k)) for k, v in expected.items()}
    return MISSING if actual is None else actual


def main(path: str) -> None:
    target = Path(path).resolve()
    case = next(c for c in collect() if c.yaml == target)
    plan = case.plan()
    old = yaml.safe_load(target.read_text()) or {}
    resources = tfplan.all_resources(plan)
    new = {
        "values": {
            a: refresh(v, resources.get(a, {}).get("values")) for a, v in (old.get("values") or {}).items()
        },
        "counts": tfplan.resource_counts(plan),
    }
    if old.get("outputs"):
        new["outputs"] = refresh(old["outputs"], tfplan.planned_outputs(plan))
    target.write_text(yaml.safe_dump(new, sort_keys=False, width=120))
    print(f"wrote {target}")


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    finally:
        tfplan.cleanup_run()
