"""Every validation rule refuses a bad value with a clear message.

Cases live in tests/validation/<target>.yaml: `target` (modules/<name> or envs/<name>), `base` (a valid tfvars
case) and `cases`, each replacing some variables (`vars`) and naming a substring of the expected `error`.
"""

from pathlib import Path

import pytest
import yaml

import tfplan
from inventory import SHARED_OUTPUTS

TESTS = Path(__file__).resolve().parent


def collect():
    for f in sorted((TESTS / "validation").glob("*.yaml")):
        spec = yaml.safe_load(f.read_text())
        for case in spec["cases"]:
            yield pytest.param(spec, case, id=f"{f.stem}:{case['name']}")


@pytest.mark.plan
@pytest.mark.parametrize(("spec", "case"), list(collect()))
def test_bad_value_is_refused(spec, case):
    kind, target = spec["target"].split("/")
    base = tfplan.REPO / spec["base"]
    slug = "validation-" + "".join(c if c.isalnum() else "-" for c in f"{target}-{case['name']}")[:60]
    if kind == "modules":
        names = sorted(set(tfplan.tfvars_names(base)) | set(case["vars"]))
        tfdir = tfplan.prepare_module(target, slug, names)
        files = [base]
    else:
        tfdir = tfplan.prepare_env(target, slug)
        files = [base] + ([SHARED_OUTPUTS] if target != "shared" else [])
    with pytest.raises(Exception) as failure:
        tfplan.plan_dir(tfdir, files, case["vars"])
    stderr = failure.value.args[-1] if failure.value.args else str(failure.value)
    message = " ".join(str(stderr).split())
    expected = " ".join(case["error"].split())
    assert expected in message, f"expected {expected!r} in:\n{stderr}"
