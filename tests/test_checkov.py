"""checkov on the HCL and on the plan JSON of every env case: no failed check, every skip inline with a
reason.

The plan JSON resolves values across modules (rendered policies, real attribute values), the HCL scan sees
what the plan cannot (module structure, skip comments). Custom policies in checks/checkov run in both.
The plans are the inventory cases' (planned once per session, tests/tfplan.py), scanned by one checkov run;
each case's test reads its own results from it. The HCL scans run in the session's checkov batch
(tests/checkov_runs.py), with the custom checks' scans: checkov imported once for all of them.
"""

import importlib.util
import json
import re
from pathlib import Path

import pytest

import tfplan
from checkov_runs import BATCH_GROUP, REPO_ARGS, Run, Scan, run, session_batch
from inventory import collect, plan_files, target_path

ENV_CASES = [c for c in collect() if c.kind == "env"]


def summarize(label: str, result: Run) -> dict:
    reports = result.reports()
    summary = {"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0}
    failed, passed = [], []
    for r in reports:
        for k in summary:
            summary[k] += r["summary"][k]
        # A scanned file with nothing to check has a summary but no results.
        failed += r.get("results", {}).get("failed_checks", [])
        passed += r.get("results", {}).get("passed_checks", [])
    lines = [
        f"{f['check_id']} {f['resource']} {f['file_path']}:{f['file_line_range']} {f['check_name']}"
        for f in failed
    ]
    print(f"checkov {label}: {summary}")
    return {"summary": summary, "failed": lines, "failed_checks": failed, "passed_checks": passed}


# One checkov process per directory: given several -d, checkov 3.3.30 builds the graph of the first only and
# reports it again under each later one, so `-d modules -d envs` never scanned envs. Each env on its own (its
# providers, and the modules it calls with its values), the scans side by side in the batch; modules/ in one
# (each module's own files and its example). Each scan must have checked something in each of its directories.
HCL_DIRS = {
    "modules": sorted(p for p in (tfplan.REPO / "modules").iterdir() if (p / "main.tf").is_file()),
    **{f"envs/{e.name}": [e] for e in sorted((tfplan.REPO / "envs").iterdir()) if (e / "main.tf").is_file()},
}


@pytest.fixture(scope="session")
def checkov_batch(request):
    """The session's checkov batch (tests/checkov_runs.py): the scans of this file's selected tests in it."""
    return session_batch(request.session)


@pytest.mark.parametrize(
    "directory",
    # An env's scan is one of its tests (make test-module M=envs/<e>).
    [
        pytest.param(
            d,
            marks=[pytest.mark.xdist_group(BATCH_GROUP)]
            + ([pytest.mark.target(d)] if d.startswith("envs/") else []),
        )
        for d in sorted(HCL_DIRS)
    ],
)
def test_checkov_hcl(checkov_batch, directory):
    # The Terraform of the repo, named by directory (checkov_runs.hcl_scan): --skip-path patterns are regexes
    # over the whole path, so "tests" skipped everything in a clone under a directory whose name holds it
    # (/tmp/benchmark-tests-x/).
    result = summarize(f"-d {directory}", checkov_batch[f"hcl {directory}"])
    assert result["summary"]["parsing_errors"] == 0
    assert result["failed"] == [], "\n".join(result["failed"])
    scanned = {Path(c["file_abs_path"]).resolve() for c in result["passed_checks"]}
    unscanned = [
        str(d.relative_to(tfplan.REPO))
        for d in HCL_DIRS[directory]
        if not any(d in f.parents for f in scanned)
    ]
    assert not unscanned, f"checkov -d {directory} checked nothing in {unscanned}"


@pytest.fixture(scope="session")
def plan_scan(request):
    """One checkov run over the plan JSON of every env case this session tests (they share an xdist group)."""
    selected = {
        i.callspec.params["case"].id for i in request.session.items if i.originalname == "test_checkov_plan"
    }
    # Planned side by side, one env per thread (most of them are planned here first).
    paths = plan_files([c for c in ENV_CASES if c.id in selected])
    args = ["--framework", "terraform_plan", "--repo-root-for-plan-enrichment", "."]
    files = [a for p in paths.values() for a in ("-f", str(p))]
    return paths, summarize(" ".join([*args, *files]), run(Scan([*REPO_ARGS, *args, *files], {})))


@pytest.mark.plan
@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            c, marks=[pytest.mark.target(target_path(c.kind, c.target)), pytest.mark.xdist_group("checkov")]
        )
        for c in ENV_CASES
    ],
    ids=[c.id for c in ENV_CASES],
)
def test_checkov_plan(plan_scan, case):
    paths, result = plan_scan
    assert result["summary"]["parsing_errors"] == 0

    def mine(checks):
        # file_path names the .tf source (plan enrichment); file_abs_path the scanned plan file.
        return [c for c in checks if Path(c["file_abs_path"]) == paths[case.id]]

    failed = [
        f"{f['check_id']} {f['resource']} {f['file_path']}:{f['file_line_range']} {f['check_name']}"
        for f in mine(result["failed_checks"])
    ]
    assert failed == [], "\n".join(failed)
    assert mine(result["passed_checks"]), f"checkov checked nothing in {paths[case.id]}"


def test_every_skip_has_a_reason():
    bad = []
    for tf in list((tfplan.REPO / "modules").rglob("*.tf")) + list((tfplan.REPO / "envs").rglob("*.tf")):
        for n, line in enumerate(tf.read_text().splitlines(), 1):
            m = re.search(r"checkov:skip=([A-Z0-9_]+)(:?)(.*)", line)
            if m and (not m.group(2) or len(m.group(3).strip()) < 10):
                bad.append(f"{tf.relative_to(tfplan.REPO)}:{n}: {line.strip()}")
    assert not bad, "checkov skips without a reason:\n" + "\n".join(bad)


def _launcher():
    spec = importlib.util.spec_from_file_location(
        "checkov_launcher", tfplan.REPO / "scripts" / "run_checkov.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_launcher_parses_jsonpath_as_checkov_does(tmp_path, monkeypatch):
    """The launcher's cached parse tables give the parser checkov gets without them, built once."""
    import ply.yacc
    from bc_jsonpath_ng.ext import parse
    from checkov.common.graph.graph_builder.graph_components.blocks import Block

    built = []
    generate = ply.yacc.LRGeneratedTable
    monkeypatch.setattr(ply.yacc, "LRGeneratedTable", lambda *a, **k: built.append(a) or generate(*a, **k))
    # Keys as checkov's graph names the attributes that dynamic blocks render (Block._get_jsonpath_key).
    keys = [
        "statement.0.principals.1.identifiers",
        "statement.2.condition.0.values",
        "rule.0.filter.0.prefix",
    ]
    expressions = [Block._get_jsonpath_key(k) for k in keys]
    doc = {
        "statement": [
            {"principals": [{"identifiers": ["a"]}, {"identifiers": ["b"]}]},
            {},
            {"condition": [{"values": ["c"]}]},
        ],
        "rule": [{"filter": [{"prefix": "p/"}]}],
    }

    def parsed():
        trees = [parse(e) for e in expressions]
        return [repr(t) for t in trees], [[m.value for m in t.find(doc)] for t in trees]

    plain = parsed()
    assert len(built) == len(expressions)  # without the launcher, every expression builds the tables
    assert plain[1] == [[["b"]], [["c"]], ["p/"]]

    built.clear()
    monkeypatch.setattr(ply.yacc, "yacc", _launcher().cache_parse_tables(ply.yacc.yacc, tmp_path))
    assert parsed() == plain
    assert len(built) == 1
    assert list(tmp_path.iterdir()), "no parse tables were written"


def test_launcher_parses_each_hcl_text_once(tmp_path):
    """Patch 2: hcl2.loads once per text, each call its own copy; a changed text parsed anew, a broken one
    parsed and raising each time; --batch parses its scans' .tf files, not those in hidden directories."""
    import hcl2

    launcher = _launcher()
    parses = []

    def loads(text):
        parses.append(text)
        return hcl2.loads(text)

    parsed = {}
    cached = launcher.cache_hcl_parses(loads, parsed)
    text = 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n  tags   = { a = 1.5 }\n}\n'
    mine = cached(text)
    mine["resource"][0]["aws_s3_bucket"]["b"]["bucket"] = "edited"  # as checkov edits what it gets
    assert cached(text) == hcl2.loads(text) != mine
    one, other = cached(text), cached(text)
    assert one["resource"][0] is not other["resource"][0]
    changed = text.replace('"x"', '"y"')
    assert cached(changed) == hcl2.loads(changed)
    broken = 'resource "a" "b" {\n  x = "unclosed\n}\n'
    for _ in range(2):
        with pytest.raises(ValueError, match="unclosed quote"):
            cached(broken)
    assert parses == [text, changed, broken, broken]

    (tmp_path / "main.tf").write_text(text)
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "main.tf").write_text(changed)
    (tmp_path / ".terraform").mkdir()
    (tmp_path / ".terraform" / "main.tf").write_text(broken)
    assert launcher.hcl_files(["--compact", "-d", str(tmp_path)]) == [
        tmp_path / "m/main.tf",
        tmp_path / "main.tf",
    ]
    parsed = {}
    launcher.parse_hcl_files(
        [{"args": ["-d", str(tmp_path)]}, {"args": ["-f", str(tmp_path / "main.tf")]}], parsed
    )
    assert sorted(parsed) == sorted([text, changed])


def test_launcher_evaluates_each_pure_text_once(monkeypatch):
    """Patch 3 on asteval, evaluating as checkov's safe_eval_functions.evaluate does: the same outcomes, a
    text that calls or may assign evaluated each time, and nothing kept once an evaluation assigned."""
    from asteval import Interpreter

    monkeypatch.delenv("LOG_LEVEL", raising=False)  # LOG_LEVEL=DEBUG: evaluated each time, errors printed

    symtable = {"length": len, "upper": lambda s: s.upper()}
    evaluated = []

    def evaluate(text):
        evaluated.append(text)
        interpreter = Interpreter(symtable=symtable, use_numpy=False, minimal=True)
        value = interpreter(text, show_errors=False)
        if interpreter.error:
            raise ValueError(f"Safe evaluation error: {[e.get_error() for e in interpreter.error]}")
        return value

    def outcome(f, text):
        try:
            return "value", f(text)
        except ValueError as e:
            return "error", str(e)

    # pure: a value, a syntax error, an undefined name; then a call and an annotated assignment (it fails)
    texts = ["[1, 2][0] + 1", "{'a': [1]}", "a b", "var.x", "length([1, 2])", "kms:Decrypt"]
    expected = [outcome(evaluate, t) for t in texts]
    assert [kind for kind, _ in expected] == ["value", "value", "error", "error", "value", "error"]
    launcher = _launcher()
    memo = launcher.memoised_evaluate(evaluate, symtable, "__try__")
    evaluated.clear()
    assert [outcome(memo, t) for t in texts * 2] == expected * 2
    assert evaluated == [*texts, "length([1, 2])", "kms:Decrypt"]
    mine = memo("{'a': [1]}")
    mine["a"].append(2)
    assert memo("{'a': [1]}") == {"a": [1]}
    memo("print"), memo("print")  # each Interpreter binds its own
    assert evaluated[-2:] == ["print", "print"]

    assert outcome(memo, "x")[0] == "error"
    memo("x = 2")  # binds x: from here on, each text is evaluated
    assert memo("x") == 2
    evaluated.clear()
    memo("[1, 2][0] + 1")
    assert evaluated == ["[1, 2][0] + 1"]

    memo = launcher.memoised_evaluate(evaluate, symtable, "__try__")
    memo("upper.y"), memo("upper.y = 1")  # assigns into an object, which the bindings do not show
    assert memo("upper.y") == 1


def test_launcher_finds_bracket_pairs_once():
    """Patch 4: each call gets new dicts in a new list, as from find_brackets_pairs itself."""
    calls = []

    def find(text, opening, closing):
        calls.append(text)
        return [{"start": text.index(opening), "end": text.rindex(closing)}]

    memo = _launcher().memoised_find_brackets_pairs(find)
    mine = memo("a[0]", "[", "]")
    mine[0]["start"] = 9
    assert memo("a[0]", "[", "]") == [{"start": 1, "end": 3}]
    assert memo("{b}", "{", "}") == [{"start": 0, "end": 2}]
    assert calls == ["a[0]", "{b}"]


def test_launcher_writes_plain_text_as_colorama_does(monkeypatch):
    """Patch 5: what colorama writes on a stream it strips ANSI sequences off, with and without ESC."""
    import io

    from colorama.ansitowin32 import AnsiToWin32

    def written():
        out = io.StringIO()
        stream = AnsiToWin32(out, strip=True, convert=False)
        for text in ['{"a": "b"}', "\033[31mred\033[0m, plain", ""]:
            stream.write(text)
        return out.getvalue()

    before = written()
    monkeypatch.setattr(AnsiToWin32, "write_and_convert", AnsiToWin32.write_and_convert)
    _launcher().skip_ansi_scan_of_plain_text()
    assert written() == before == '{"a": "b"}red, plain'


def canonical(result: Run) -> list[dict]:
    """A run's reports, each list of results sorted: checkov runs its checks on threads, in no set order."""
    reports = result.reports()
    for report in reports:
        for checks in report["results"].values():
            checks.sort(key=lambda c: json.dumps(c, sort_keys=True))
    return reports


@pytest.mark.xdist_group(BATCH_GROUP)
def test_batch_reports_as_a_single_run(checkov_batch):
    """run_checkov.py --batch: a scan in the batch reports what checkov reports alone and without the
    launcher (.venv/bin/checkov): whole reports, stderr and exit code, so the launcher's patches change
    nothing in them; and a scan that fails beside it has its own exit code (checkov_runs.selected_scans puts
    both in the batch, and runs checkov alone in a process of its own beside the batch)."""
    # HCL, so that each patch has its part (the files parsed, variables rendered, the report written); small,
    # and with an environment of its own
    alone, batched = checkov_batch["custom terraform, checkov alone"], checkov_batch["custom terraform"]
    assert alone.rc == batched.rc == 1  # the fail fixtures fail
    assert batched.stderr == alone.stderr
    reports = canonical(alone)
    assert canonical(batched) == reports
    assert all(r["results"]["passed_checks"] and r["results"]["failed_checks"] for r in reports)
    broken = checkov_batch["broken"]
    assert broken.rc == 2, broken.stderr
    assert "no-such-framework" in broken.stderr
