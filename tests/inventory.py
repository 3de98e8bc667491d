"""Plan inventories in the style of cloud-foundation-fabric: `<case>.tfvars` + `<case>.yaml`.

The YAML lists `values` (per resource address, a subset of the planned attribute values; the string
`__missing__` asserts that an attribute is absent or null), `counts` (exact number of planned resources per
type; 0 asserts none)
and optionally `outputs` (subset of the outputs known at plan time). Cases live in tests/modules/<module>/
(module
name with "_" for "-") and tests/envs/<env>/. Regenerate one with: python tests/regen_inventory.py <case.yaml>
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tfplan

TESTS = Path(__file__).resolve().parent
SHARED_OUTPUTS = TESTS / "envs" / "shared-outputs.tfvars.json"
MISSING = "__missing__"


@dataclass(frozen=True)
class Case:
    kind: str  # "module" or "env"
    target: str  # module or env name
    name: str
    yaml: Path

    @property
    def tfvars(self) -> Path:
        return self.yaml.with_suffix(".tfvars")

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.target}:{self.name}"

    def plan(self, overrides: dict[str, Any] | None = None):
        if self.kind == "module":
            return tfplan.plan_module(self.target, self.name, self.tfvars, overrides)
        files = [self.tfvars] + ([SHARED_OUTPUTS] if self.target != "shared" else [])
        return tfplan.plan_env(self.target, self.name, files, overrides)


def collect() -> list[Case]:
    cases = []
    for y in sorted((TESTS / "modules").glob("*/*.yaml")):
        cases.append(Case("module", y.parent.name.replace("_", "-"), y.stem, y))
    for y in sorted((TESTS / "envs").glob("*/*.yaml")):
        cases.append(Case("env", y.parent.name, y.stem, y))
    return cases


def subset_errors(expected: Any, actual: Any, path: str) -> list[str]:
    if expected == MISSING:
        return [] if actual is None else [f"{path}: expected absent, got {actual!r}"]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected a mapping, got {actual!r}"]
        errors = []
        for k, v in expected.items():
            errors += subset_errors(v, actual.get(k), f"{path}.{k}")
        return errors
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {len(expected)} items, got {actual!r}"]
        errors = []
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            errors += subset_errors(e, a, f"{path}[{i}]")
        return errors
    if expected != actual:
        return [f"{path}: expected {expected!r}, got {actual!r}"]
    return []


def inventory_errors(inventory: dict, plan) -> list[str]:
    resources = tfplan.all_resources(plan)
    errors = []
    for address, values in (inventory.get("values") or {}).items():
        if address not in resources:
            errors.append(f"{address}: not planned (planned: {', '.join(sorted(resources))})")
            continue
        errors += subset_errors(values, resources[address].get("values", {}), address)
    if "counts" in inventory:
        counts = tfplan.resource_counts(plan)
        expected = {t: n for t, n in inventory["counts"].items() if n}  # a 0 asserts the type is not planned
        if counts != expected:
            errors.append(f"counts: expected {inventory['counts']}, got {counts}")
    errors += subset_errors(inventory.get("outputs") or {}, tfplan.planned_outputs(plan), "outputs")
    return errors
