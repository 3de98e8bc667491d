"""checkov on the HCL and on each env's plan JSON: no failed check, every skip inline with a reason.

The plan JSON resolves values across modules (rendered policies, real attribute values), the HCL scan sees
what the plan cannot (module structure, skip comments). Custom policies in checks/checkov run in both.
"""

import json
import re
import subprocess

import pytest

import tfplan
from inventory import SHARED_OUTPUTS, TESTS

EXTERNAL = tfplan.REPO / "checks" / "checkov"
CHECKOV = [
    str(tfplan.REPO / ".venv" / "bin" / "checkov"),
    "--quiet",
    "--compact",
    "--skip-download",
    "-o",
    "json",
]
if EXTERNAL.is_dir():
    CHECKOV += ["--external-checks-dir", str(EXTERNAL)]
ENV_CASES = {
    "shared": ["codecommit", "s3", "codeconnections"],
    "training": ["spot-on"],
    "production": ["instance"],
}


def run_checkov(args: list[str]) -> dict:
    result = subprocess.run(CHECKOV + args, capture_output=True, text=True, cwd=tfplan.REPO)
    assert result.returncode in (0, 1), result.stderr[-3000:]
    reports, text, pos = [], result.stdout, 0
    while text[pos:].strip():  # one JSON document per scanned directory, or a list of them
        doc, end = json.JSONDecoder().raw_decode(text, len(text) - len(text[pos:].lstrip()))
        reports += doc if isinstance(doc, list) else [doc]
        pos = end
    summary = {"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0}
    failed = []
    for r in reports:
        for k in summary:
            summary[k] += r["summary"][k]
        failed += r["results"]["failed_checks"]
    lines = [
        f"{f['check_id']} {f['resource']} {f['file_path']}:{f['file_line_range']} {f['check_name']}"
        for f in failed
    ]
    print(f"checkov {' '.join(args)}: {summary}")
    return {"summary": summary, "failed": lines}


def test_checkov_hcl():
    skip = [a for p in (".tftest", ".venv", "build", "tests", "checks") for a in ("--skip-path", p)]
    result = run_checkov(["--framework", "terraform", "-d", ".", *skip])
    assert result["summary"]["parsing_errors"] == 0
    assert result["failed"] == [], "\n".join(result["failed"])
    assert result["summary"]["passed"] > 0


@pytest.mark.plan
@pytest.mark.parametrize(("env", "case"), [(e, c) for e, cs in ENV_CASES.items() for c in cs])
def test_checkov_plan(env, case):
    files = [TESTS / "envs" / env / f"{case}.tfvars"] + ([SHARED_OUTPUTS] if env != "shared" else [])
    plan = tfplan.plan_env(env, f"checkov-{env}-{case}", files)
    path = tfplan.WORK / f"checkov-plan-{env}-{case}.json"
    path.write_text(json.dumps(plan._raw))
    result = run_checkov(
        ["--framework", "terraform_plan", "-f", str(path), "--repo-root-for-plan-enrichment", "."]
    )
    assert result["failed"] == [], "\n".join(result["failed"])
    assert result["summary"]["passed"] > 0


def test_every_skip_has_a_reason():
    bad = []
    for tf in list((tfplan.REPO / "modules").rglob("*.tf")) + list((tfplan.REPO / "envs").rglob("*.tf")):
        for n, line in enumerate(tf.read_text().splitlines(), 1):
            m = re.search(r"checkov:skip=([A-Z0-9_]+)(:?)(.*)", line)
            if m and (not m.group(2) or len(m.group(3).strip()) < 10):
                bad.append(f"{tf.relative_to(tfplan.REPO)}:{n}: {line.strip()}")
    assert not bad, "checkov skips without a reason:\n" + "\n".join(bad)
