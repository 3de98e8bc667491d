"""Plan inventories in the style of cloud-foundation-fabric: `<case>.tfvars` + `<case>.yaml`.

The YAML lists `values` (per resource address, a subset of the planned attribute values; the string
`__missing__` asserts that an attribute is absent or null), `counts` (exact number of planned resources per
type; 0 asserts none) and optionally `outputs` (subset of the outputs known at plan time). Where the cases of
a module or env live is decided by `case_dir` and `validation_file` only. Regenerate one with:
make regen CASE=<case.yaml>
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tfplan

TESTS = Path(__file__).resolve().parent
SHARED_OUTPUTS = TESTS / "envs" / "shared-outputs.tfvars.json"
MISSING = "__missing__"
KINDS = {"module": "modules", "env": "envs"}  # kind -> directory of the repo holding its targets
# The modules and envs (target paths: modules/<m>, envs/<e>) this session's tests are marked with: their
# inventory cases, examples and validation cases run together (tests/conftest.py sets it after selecting the
# tests, identically in every xdist worker; empty in a plain script).
SESSION_TARGETS: set[str] = set()


def session_modules() -> set[str]:
    return {t.removeprefix("modules/") for t in SESSION_TARGETS if t.startswith("modules/")}


# ------------------------------------------------------------------------------------------------ layout
# The only place that knows where a target's cases are: tests/<modules|envs>/<name>/, spelled as the module or
# env is (tests/modules/kms-bucket/ for modules/kms-bucket), holding its inventory cases (<case>.tfvars +
# <case>.yaml) and its validation cases (validation.yaml). Found from the module by its own name, as in
# cloud-foundation-fabric's tests/modules/<module>/; kept under tests/ so that a module directory holds only
# what a user copies.
def case_dir(kind: str, target: str) -> Path:
    return TESTS / KINDS[kind] / target


def validation_file(kind: str, target: str) -> Path:
    return case_dir(kind, target) / "validation.yaml"


def targets() -> list[tuple[str, str]]:
    """(kind, name) of every module and env of the repo."""
    return [
        (kind, d.name)
        for kind, parent in KINDS.items()
        for d in sorted((tfplan.REPO / parent).iterdir())
        if d.is_dir() and list(d.glob("*.tf"))
    ]


def target_path(kind: str, target: str) -> str:
    """ "modules/<m>" or "envs/<e>": how tests are marked and selected (make test-module M=...)."""
    return f"{KINDS[kind]}/{target}"


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

    @property
    def var_files(self) -> list[Path]:
        return [self.tfvars] + ([SHARED_OUTPUTS] if self.kind == "env" and self.target != "shared" else [])

    def plan_file(self, overrides: dict[str, Any] | None = None) -> Path:
        if self.kind == "module" and not overrides:
            # The cases of the modules the session tests share one plan (tfplan.module_case_plan_file); a
            # module outside them (or in a plain script) is planned with its own cases only.
            together = session_modules()
            group = together if self.target in together else {self.target}
            cases = {
                (c.target, c.name): c.tfvars for c in collect() if c.kind == "module" and c.target in group
            }
            return tfplan.module_case_plan_file(cases, self.target, self.name)
        return tfplan.plan_file(self.kind, self.target, self.var_files, overrides)

    def plan(self, overrides: dict[str, Any] | None = None) -> dict:
        return tfplan.load_plan(self.plan_file(overrides))


def plan_files(cases: list[Case]) -> dict[str, Path]:
    """{case id: plan file} of `cases`, planned side by side: one thread per module or env, its cases one
    after the other (they share its work directory, tfplan.prepare_env). For a test that needs many plans at
    once (the checkov scan of every env case), so that they do not run one after another on one worker."""
    tfplan.provider_server()  # started once, before the threads that use it
    by_target: dict[tuple[str, str], list[Case]] = {}
    for c in cases:
        by_target.setdefault((c.kind, c.target), []).append(c)
    with ThreadPoolExecutor(max_workers=max(1, len(by_target))) as pool:
        planned = pool.map(lambda group: [(c.id, c.plan_file()) for c in group], by_target.values())
        return {case_id: path for group in planned for case_id, path in group}


def collect() -> list[Case]:
    cases = []
    for kind, target in targets():
        for y in sorted(case_dir(kind, target).glob("*.yaml")):
            if y != validation_file(kind, target):
                cases.append(Case(kind, target, y.stem, y))
    return cases


def case(kind: str, target: str, name: str) -> Case:
    """One inventory case by name (the contract, checkov and ASL tests plan the same cases)."""
    return Case(kind, target, name, case_dir(kind, target) / f"{name}.yaml")


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


def inventory_errors(inventory: dict, plan: dict) -> list[str]:
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
