"""How the tests run checkov: through scripts/run_checkov.py (its docstring says why), one scan per process
or, for the scans the session's tests select, all in one batch (checkov imported once, a forked child each).

The batch holds the HCL scans of tests/test_checkov.py (test_checkov_hcl, one per directory), the two
custom-check scans of tests/checkov_custom (test_custom_checks_on_hcl, ..._on_plan_json) and, for the
batch's own test (test_batch_reports_as_a_single_run), the HCL one and a broken one, and the same HCL
scan by checkov alone (CHECKOV) in a process of its own at the same time, as far as this session selected
those tests (`request.session.items`: `make test-module M=envs/shared` scans that env only), run by the first
of them to ask (session_batch, once per session). Every test that reads the batch is marked
xdist_group(BATCH_GROUP): under pytest-xdist (--dist loadgroup) one worker runs them all.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import tfplan

REPO = tfplan.REPO
LAUNCHER = REPO / "scripts" / "run_checkov.py"
# checkov's own entry point, beside this interpreter: checkov without the launcher's patches.
CHECKOV = Path(sys.executable).with_name("checkov")
EXTERNAL = REPO / "checks" / "checkov"
CUSTOM = REPO / "tests" / "checkov_custom"
CUSTOM_CHECK_IDS = [f"CKV_MLOPS_{i}" for i in range(1, 7)]
BATCH_GROUP = "checkov-batch"

# Not --quiet: it leaves the passed checks out, and each plan case's test needs its own.
REPO_ARGS = ["--compact", "--skip-download", "-o", "json"]
if EXTERNAL.is_dir():
    REPO_ARGS += ["--external-checks-dir", str(EXTERNAL)]
# The custom checks alone, on their fixtures.
CUSTOM_ARGS = [*REPO_ARGS, "--check", ",".join(CUSTOM_CHECK_IDS)]
CUSTOM_ENV = {"BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
# For the batch's own test: a scan that checkov refuses (argparse, exit code 2).
BROKEN = ["--framework", "no-such-framework", "-d", str(CUSTOM)]


@dataclass(frozen=True)
class Scan:
    args: list[str]
    env: dict[str, str]
    # None: a scan of the batch; else a process of its own running this program (CHECKOV), beside the batch
    program: Path | None = None


@dataclass(frozen=True)
class Run:
    rc: int
    stdout: str = field(repr=False)
    stderr: str

    def reports(self) -> list[dict]:
        """checkov's JSON reports: one document per scanned framework or directory, or a list of them."""
        assert self.rc in (0, 1), self.stderr[-3000:]
        reports, text, pos = [], self.stdout, 0
        while text[pos:].strip():
            doc, pos = json.JSONDecoder().raw_decode(text, len(text) - len(text[pos:].lstrip()))
            reports += doc if isinstance(doc, list) else [doc]
        return reports


def hcl_scan(directory: str) -> Scan:
    """The repo's Terraform in `directory` (relative to the repo: --skip-path patterns and such see it so)."""
    return Scan([*REPO_ARGS, "--framework", "terraform", "-d", directory], {})


def custom_plan_files() -> list[Path]:
    return sorted(CUSTOM.glob("*/*.plan.json"))


def custom_scan(framework: str) -> Scan:
    """The custom checks on their fixtures: the HCL dirs (terraform) or the planned JSON (terraform_plan)."""
    if framework == "terraform":
        targets = ["-d", str(CUSTOM)]
    else:
        targets = [a for f in custom_plan_files() for a in ("-f", str(f))]
    return Scan([*targets, "--framework", framework, *CUSTOM_ARGS], CUSTOM_ENV)


def _process(scan: Scan) -> dict:
    """subprocess keywords for a scan in a process of its own: the launcher, or the scan's own program."""
    return {
        "args": [sys.executable, str(scan.program or LAUNCHER), *scan.args],
        "cwd": REPO,
        "env": {**os.environ, **scan.env},
    }


def run(scan: Scan) -> Run:
    """One scan, one process."""
    proc = subprocess.run(**_process(scan), capture_output=True, text=True)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def run_batch(scans: dict[str, Scan], directory: Path) -> dict[str, Run]:
    """Every scan in one `run_checkov.py --batch`, and each scan with a program of its own in its own process
    at the same time (so that it costs no wall time beside the batch): their files and index.json in
    `directory`, {name: run}."""
    directory.mkdir(parents=True, exist_ok=True)
    jobs = {
        name: {
            "args": s.args,
            "env": s.env,
            "out": str(directory / f"{i}.out"),
            "err": str(directory / f"{i}.err"),
        }
        for i, (name, s) in enumerate(scans.items())
    }
    alone = {}
    for name, scan in scans.items():
        if scan.program is not None:
            with open(jobs[name]["out"], "wb") as out, open(jobs[name]["err"], "wb") as err:
                alone[name] = subprocess.Popen(**_process(scan), stdout=out, stderr=err)
    batched = [name for name in scans if name not in alone]
    batch = directory / "batch.json"
    batch.write_text(json.dumps([jobs[name] for name in batched]))
    proc = subprocess.run(
        [sys.executable, str(LAUNCHER), "--batch", str(batch)], capture_output=True, text=True, cwd=REPO
    )
    codes = {name: p.wait() for name, p in alone.items()}
    try:
        done = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError(
            f"run_checkov.py --batch exit {proc.returncode}: {proc.stderr[-3000:]}"
        ) from None
    assert [d["out"] for d in done] == [jobs[name]["out"] for name in batched], proc.stdout
    codes.update({name: d["rc"] for name, d in zip(batched, done, strict=True)})
    index = {name: {**job, "rc": codes[name]} for name, job in jobs.items()}
    tfplan.write_atomically(directory / "index.json", index)
    return load_batch(directory)


def load_batch(directory: Path) -> dict[str, Run]:
    index = json.loads((directory / "index.json").read_text())
    return {
        name: Run(job["rc"], Path(job["out"]).read_text(), Path(job["err"]).read_text())
        for name, job in index.items()
    }


def selected_scans(items: list[pytest.Item]) -> dict[str, Scan]:
    """The batch's scans that the selected tests read, by name."""
    scans = {}
    for item in items:
        name = getattr(item, "originalname", None)
        if name == "test_checkov_hcl":
            directory = item.callspec.params["directory"]
            scans[f"hcl {directory}"] = hcl_scan(directory)
        elif name == "test_custom_checks_on_hcl":
            scans["custom terraform"] = custom_scan("terraform")
        elif name == "test_custom_checks_on_plan_json":
            scans["custom terraform_plan"] = custom_scan("terraform_plan")
        elif name == "test_batch_reports_as_a_single_run":
            scans["custom terraform"] = custom_scan("terraform")
            scans["broken"] = Scan(BROKEN, {})
            scans["custom terraform, checkov alone"] = dataclasses.replace(
                scans["custom terraform"], program=CHECKOV
            )
    return scans


@functools.cache
def session_batch(session: pytest.Session) -> dict[str, Run]:
    """The batch of the scans this session selected, {name (selected_scans): its run}, run once per session:
    in the session's work directory (tests/tfplan.py, removed at its end), where the first process to ask runs
    it while any other waits on the lock, then reads it. With the tests in one xdist group, no other asks."""
    directory = tfplan.WORK / f"{tfplan.run_id()}.checkov"
    with tfplan.locked(directory.with_suffix(".lock")):
        if not (directory / "index.json").is_file():
            scans = selected_scans(session.items)
            print(f"checkov batch: {', '.join(scans)}")
            return run_batch(scans, directory)
    return load_batch(directory)
