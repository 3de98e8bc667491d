"""terraform fmt and validate for every module and env."""

import shutil

import pytest

import tfplan

MODULES = sorted(p.name for p in (tfplan.REPO / "modules").iterdir() if p.is_dir())
ENVS = sorted(p.name for p in (tfplan.REPO / "envs").iterdir() if p.is_dir())


def test_fmt():
    result = tfplan.terraform(
        ["fmt", "-check", "-recursive", "-diff", "modules", "envs"], tfplan.REPO, check=False
    )
    assert result.returncode == 0, (
        f"terraform fmt would change (run make fmt):\n{result.stdout}{result.stderr}"
    )


@pytest.mark.plan
@pytest.mark.parametrize("target", [f"modules/{m}" for m in MODULES] + [f"envs/{e}" for e in ENVS])
def test_validate(target):
    # A private copy of modules/ and envs/ so that parallel tests and the rehearsal never share a
    # .terraform dir.
    root = tfplan.WORK / ("validate-" + target.replace("/", "-"))
    if root.exists():
        shutil.rmtree(root)
    ignore = shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "*.tfstate*")
    for d in ("modules", "envs"):
        shutil.copytree(tfplan.REPO / d, root / d, ignore=ignore)
    tfdir = root / target
    init = tfplan.terraform(["init", "-backend=false", "-input=false", "-no-color"], tfdir, check=False)
    assert init.returncode == 0, init.stdout + init.stderr
    result = tfplan.terraform(["validate", "-no-color"], tfdir, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
