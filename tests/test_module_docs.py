"""The generated part of every module README (scripts/gen_module_docs.py) matches the module's variables.tf
and outputs.tf; the generator's check mode, its refusal of a README without markers, and its parser against
python-hcl2. Fast: no plan."""

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import hcl2
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "gen_module_docs.py"
MODULES = sorted(p.parent.name for p in (ROOT / "modules").glob("*/variables.tf"))

_spec = importlib.util.spec_from_file_location("gen_module_docs", SCRIPT)
assert _spec and _spec.loader
gen = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = gen  # dataclasses look their module up there
_spec.loader.exec_module(gen)


def per_module():
    return [pytest.param(m, marks=pytest.mark.target(f"modules/{m}"), id=m) for m in MODULES]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, cwd=ROOT)


def test_every_module_is_documented():
    assert len(MODULES) >= 9, MODULES


@pytest.mark.parametrize("module", per_module())
def test_readme_has_the_markers(module):
    text = (ROOT / "modules" / module / "README.md").read_text()
    assert text.count(gen.BEGIN) == 1, f"modules/{module}/README.md needs one {gen.BEGIN} line"
    assert text.count(gen.END) == 1, f"modules/{module}/README.md needs one {gen.END} line"
    assert text.index(gen.BEGIN) < text.index(gen.END)


@pytest.mark.parametrize("module", per_module())
def test_readme_is_up_to_date(module):
    current, expected = gen.render_readme(ROOT / "modules" / module)
    assert current == expected, f"modules/{module}/README.md is out of date: run `make docs`"


@pytest.mark.parametrize("module", per_module())
def test_parser_reads_what_hcl2_reads(module):
    """The generator's own parser finds the same variables (with and without default) and outputs, with the
    same descriptions, as python-hcl2 (whose strings keep their escapes: compared without backslashes)."""
    d = ROOT / "modules" / module
    with (d / "variables.tf").open() as f:
        variables = {k: v for block in hcl2.load(f)["variable"] for k, v in block.items()}
    with (d / "outputs.tf").open() as f:
        outputs = {k: v for block in hcl2.load(f)["output"] for k, v in block.items()}
    ours = {b.name: b for b in gen.parse_blocks((d / "variables.tf").read_text(), "variable")}
    assert sorted(ours) == sorted(variables)
    assert {n for n, b in ours.items() if "default" in b.attributes} == {
        n for n, v in variables.items() if "default" in v
    }
    for name, block in ours.items():
        theirs = variables[name]["description"][0].replace("\\", "")
        assert gen.description(block, d).strip() == theirs.strip(), name
    assert sorted(b.name for b in gen.parse_blocks((d / "outputs.tf").read_text(), "output")) == sorted(
        outputs
    )


def module_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "kms-key"
    shutil.copytree(ROOT / "modules" / "kms-key", copy)
    return copy


def test_check_mode_reports_a_stale_readme_and_writes_nothing(tmp_path):
    copy = module_copy(tmp_path)
    variables = copy / "variables.tf"
    variables.write_text(
        variables.read_text()
        + '\nvariable "zz_new" {\n  description = "A new input."\n  type = bool\n  default = true\n}\n'
    )
    before = (copy / "README.md").read_text()
    result = run("--check", str(copy))
    assert result.returncode == 1, result
    assert "+| `zz_new` | `bool` | `true` | A new input. |" in result.stdout
    assert (copy / "README.md").read_text() == before
    assert run(str(copy)).returncode == 0
    assert run("--check", str(copy)).returncode == 0


def test_a_readme_without_markers_fails(tmp_path):
    copy = module_copy(tmp_path)
    readme = copy / "README.md"
    readme.write_text(readme.read_text().replace(gen.BEGIN, ""))
    result = run("--check", str(copy))
    assert result.returncode == 2
    assert f"{readme}: needs one {gen.BEGIN}" in result.stderr


def test_a_module_without_an_example_fails(tmp_path):
    copy = module_copy(tmp_path)
    shutil.rmtree(copy / "examples")
    result = run("--check", str(copy))
    assert result.returncode == 2
    assert "examples/basic/main.tf: missing" in result.stderr


def test_the_readme_shows_the_planned_example():
    module = ROOT / "modules" / "prod-deployer"
    readme = (module / "README.md").read_text()
    assert "```hcl\n" + (module / "examples/basic/main.tf").read_text() + "```\n" in readme


def test_tables_show_required_defaults_and_escape_markdown():
    rows = gen.inputs_table(ROOT / "modules" / "codepipeline")
    assert "| `account_id` | `string` | required |" in "\n".join(rows)
    assert any(r.startswith('| `source_object_prefix` | `string` | `"source/"` |') for r in rows)
    # "<prefix>" would be read as an HTML tag and vanish from the rendered page.
    assert all("<prefix>" not in r for r in rows)
    assert any("&lt;prefix>-pipeline" in r for r in rows)
