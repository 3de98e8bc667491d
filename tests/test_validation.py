"""Every validation rule refuses a bad value with its own message, and every rule has a case.

Cases live in the validation file of a module or env (inventory.validation_file): `target` (modules/<name> or
envs/<name>), `base` (a valid tfvars case) and `cases`, each replacing some variables (`vars`) and naming a
substring of the expected `error`. The YAML stays the source of truth: at test time each target's cases
become generated `terraform test` files (one per case, one `run` with command = plan, `mock_provider "aws"`,
and a `module` block naming the module or env it plans). A case is its own file because a failed run skips
the runs after it in its file, and because `expect_failures` hides the message: without it, the JSON log gives
each run's diagnostics, and the test asserts that the run failed with the case's message. A base file with no
change must plan cleanly, so no case passes by failing for another reason.

The targets are split into PROCESSES groups of about equal case counts; one `terraform test -json` process
per group runs the cases of the group's targets that the session tests (inventory.SESSION_TARGETS). A process
costs ~3 CPU s (Terraform and the provider reading the provider's schema) and each case ~0.3 s: all 171 cases
took 86 CPU s in one process per target (13), 50 CPU s in one process.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from functools import cache
from pathlib import Path

import pytest
import yaml

import inventory
import tfplan
from inventory import KINDS, SHARED_OUTPUTS, target_path, targets, validation_file

# Plan-time values the provider itself checks (policy JSON) or that end up in ARNs; everything else a mock
# provider makes up. Resource attributes computed by AWS stay unknown in a plan, as with the real provider.
MOCK_PROVIDER = r"""
mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_data "aws_partition" {
    defaults = { id = "aws", partition = "aws", dns_suffix = "amazonaws.com" }
  }
  mock_data "aws_region" {
    defaults = { id = "eu-west-1", name = "eu-west-1" }
  }
  mock_data "aws_caller_identity" {
    defaults = { id = "111111111111", account_id = "111111111111" }
  }
}
"""
BASE = "base"
PROCESSES = 2


def specs() -> list[tuple[str, str, dict]]:
    out = []
    for kind, target in targets():
        path = validation_file(kind, target)
        if path.exists():
            out.append((kind, target, yaml.safe_load(path.read_text())))
    return out


SPECS = specs()


def hcl(value) -> str:
    """A JSON-like value as an HCL expression (strings escaped so that `${` and `%{` stay literal)."""
    if isinstance(value, str):
        return json.dumps(value).replace("${", "$${").replace("%{", "%%{")
    if isinstance(value, list):
        return "[" + ", ".join(hcl(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {hcl(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def tfvars_as_hcl(path: Path) -> str:
    if path.name.endswith(".json"):
        return "\n".join(f"{k} = {hcl(v)}" for k, v in json.loads(path.read_text()).items())
    return path.read_text()


def case_file(kind: str, target: str, name: str) -> str:
    return f"{kind}-{target}-{name}.tftest.hcl"


def generate(tests_dir: Path, kind: str, target: str, spec: dict) -> None:
    """The target's base file and one file per case, each planning the target (a module or env of the tree
    two levels above tests_dir) through its run block's `module` source."""
    base = [tfplan.REPO / spec["base"]] + ([SHARED_OUTPUTS] if kind == "env" and target != "shared" else [])
    header = MOCK_PROVIDER + "variables {\n" + "\n".join(tfvars_as_hcl(f) for f in base) + "\n}\n"
    plan = f'  command = plan\n  module {{\n    source = "../../{KINDS[kind]}/{target}"\n  }}\n'
    (tests_dir / case_file(kind, target, BASE)).write_text(f'{header}run "base" {{\n{plan}}}\n')
    for i, case in enumerate(spec["cases"]):
        assigned = "\n".join(f"    {k} = {hcl(v)}" for k, v in case["vars"].items())
        run = f'run "case" {{\n{plan}  variables {{\n{assigned}\n  }}\n}}\n'
        (tests_dir / case_file(kind, target, f"case{i:03d}")).write_text(f"# {case['name']}\n{header}{run}")


def _groups() -> list[list[tuple[str, str]]]:
    """The targets in PROCESSES groups of about equal case counts (largest first, each to the smallest)."""
    groups: list[list[tuple[str, str]]] = [[] for _ in range(PROCESSES)]
    sizes = [0] * PROCESSES
    for kind, target, spec in sorted(SPECS, key=lambda s: (-len(s[2]["cases"]), s[1])):
        smallest = sizes.index(min(sizes))
        groups[smallest].append((kind, target))
        sizes[smallest] += len(spec["cases"]) + 1
    return groups


GROUPS = _groups()


def group_of(kind: str, target: str) -> int:
    return next(i for i, g in enumerate(GROUPS) if (kind, target) in g)


def results(kind: str, target: str) -> dict[str, dict]:
    """{file name: {"status", "messages"}} of the target's cases, plus "output": Terraform's whole output."""
    session = [t for t in GROUPS[group_of(kind, target)] if target_path(*t) in inventory.SESSION_TARGETS]
    return _run(tuple(sorted(set(session) | {(kind, target)})))


@cache
def _run(chosen: tuple[tuple[str, str], ...]) -> dict[str, dict]:
    """The cases of the `chosen` targets in one `terraform test` process, in a tree like the repo's: a copy of
    modules/ (modules call their siblings), each chosen env (tfplan.copy_env), build/ linked beside them so
    "../../build/..." resolves, and the test root two levels down like a module."""
    key = hashlib.sha256(repr(chosen).encode()).hexdigest()[:12]
    tree = tfplan.WORK / f"{tfplan.run_id()}.{tfplan.worker()}.validation-{key}"
    ignore = shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "*.tfstate*")
    shutil.copytree(tfplan.REPO / "modules", tree / "modules", ignore=ignore)
    (tree / "build").symlink_to(tfplan.REPO / "build")
    root = tree / "validation" / "cases"
    (root / "tftest").mkdir(parents=True)
    (root / "main.tf").write_text(
        "# The cases' run blocks name the module or env each plans.\nterraform {}\n"
    )
    for kind, target in chosen:
        if kind == "env":
            tfplan.copy_env(tfplan.REPO / "envs" / target, tree / "envs" / target)
        generate(root / "tftest", kind, target, next(s for k, t, s in SPECS if (k, t) == (kind, target)))
    tfplan.init(root, "-test-directory=tftest")
    done = tfplan.terraform(["test", "-json", "-no-color", "-test-directory=tftest"], root, check=False)
    found: dict[str, dict] = {"output": {"text": done.stdout + done.stderr}}
    for line in done.stdout.splitlines():
        event = json.loads(line)
        name = Path(event.get("@testfile", "")).name
        entry = found.setdefault(name, {"status": None, "messages": []})
        if event["type"] == "test_run" and event["test_run"].get("progress") == "complete":
            entry["status"] = event["test_run"]["status"]
        elif event["type"] == "diagnostic":
            d = event["diagnostic"]
            entry["messages"].append(f"{d['summary']}: {d.get('detail', '')}")
    return found


def normal(text: str) -> str:
    return " ".join(text.split())


def target_marks(kind: str, target: str) -> list:
    # One xdist group per process: its targets' cases share one terraform test process.
    group = pytest.mark.xdist_group(f"validation-{group_of(kind, target)}")
    return [pytest.mark.target(target_path(kind, target)), group]


@pytest.mark.plan
@pytest.mark.parametrize(
    ("kind", "target"),
    [pytest.param(k, t, marks=target_marks(k, t), id=t) for k, t, _ in SPECS],
)
def test_base_case_plans(kind, target):
    got = results(kind, target)
    base = got.get(case_file(kind, target, BASE), {})
    assert base.get("status") == "pass", "\n".join(base.get("messages", [])) or got["output"]["text"]


@pytest.mark.plan
@pytest.mark.parametrize(
    ("kind", "target", "index", "case"),
    [
        pytest.param(k, t, i, c, marks=target_marks(k, t), id=f"{t}:{c['name']}")
        for k, t, spec in SPECS
        for i, c in enumerate(spec["cases"])
    ],
)
def test_bad_value_is_refused(kind, target, index, case):
    got = results(kind, target)
    run = got.get(case_file(kind, target, f"case{index:03d}"))
    assert run, f"terraform test did not run the case:\n{got['output']['text']}"
    expected = normal(case["error"])
    messages = [normal(m) for m in run["messages"]]
    assert run["status"] in ("fail", "error"), f"the plan was accepted: {case['vars']}"
    assert any(expected in m for m in messages), f"expected {expected!r} in:\n" + "\n".join(messages)


# ------------------------------------------------------------------------------------- one case per rule
_VALIDATION = re.compile(r"\bvalidation\s*\{")
_ERROR = re.compile(r'error_message\s*=\s*(?:"((?:[^"\\]|\\.)*)"|<<-?(\w+)\n(.*?)\n\s*\2\b)', re.S)


def rules(tf: Path) -> list[tuple[int, str]]:
    """(line, error_message) of every validation block in a .tf file; escapes undone, templates kept."""
    text = tf.read_text()
    found = []
    for block in _VALIDATION.finditer(text):
        m = _ERROR.search(text, block.end())
        raw = m.group(1) if m.group(1) is not None else m.group(3)
        message = re.sub(r"\\(.)", lambda e: {"n": "\n", "t": "\t"}.get(e.group(1), e.group(1)), raw)
        found.append((text.count("\n", 0, block.start()) + 1, normal(message)))
    return found


def covers(error: str, message: str) -> bool:
    # A case names a literal part of the message; a template's ${...} may render as anything.
    return any(error in part for part in [message, *re.split(r"\$\{[^}]*\}", message)])


@pytest.mark.parametrize(
    ("kind", "target"),
    [pytest.param(k, t, marks=pytest.mark.target(target_path(k, t)), id=t) for k, t in targets()],
)
def test_every_rule_has_a_case(kind, target):
    path = validation_file(kind, target)
    cases = yaml.safe_load(path.read_text())["cases"] if path.exists() else []
    errors = [normal(c["error"]) for c in cases]
    by_message: dict[str, list[str]] = {}
    for tf in sorted((tfplan.REPO / KINDS[kind] / target).glob("*.tf")):
        for line, message in rules(tf):
            by_message.setdefault(message, []).append(f"{tf.relative_to(tfplan.REPO)}:{line}")
    # Rules that share a message cannot be told apart by it: they need as many cases as there are rules.
    missing = [
        f"{', '.join(where)}: {message!r} ({len(where)} rule(s), {n} case(s))"
        for message, where in by_message.items()
        if (n := sum(covers(e, message) for e in errors)) < len(where)
    ]
    assert not missing, f"validation rules without a case in {path.relative_to(tfplan.REPO)}:\n" + "\n".join(
        missing
    )


def test_validation_files_name_their_target():
    for kind, target, spec in SPECS:
        assert spec["target"] == target_path(kind, target), validation_file(kind, target)
