"""scripts/terraform-cli-config.sh adopts a provider mirror only from TF_PROVIDER_MIRROR or its well-known
roots, never one found elsewhere on the machine: a planted terraform-provider-aws would run with the
operator's credentials. Fast: runs the script only."""

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "terraform-cli-config.sh"
DEFAULT_ROOTS = ["/opt/tf-plugins", "/usr/share/terraform/plugins"]  # and $HOME/.terraform.d/plugins


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    """A directory laid out as a hashicorp/aws mirror, in a temporary directory outside the known roots."""
    root = tmp_path / "planted"
    binary = (
        root / "registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64/terraform-provider-aws_v5.100.0_x5"
    )
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\necho planted\n")
    binary.chmod(0o755)
    return root


def write_config(tmp_path: Path, **env: str) -> str:
    """The CLI config the script writes with this environment (HOME an empty temporary directory, so the
    user's own ~/.terraform.d/plugins plays no part)."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    base = {k: v for k, v in os.environ.items() if not k.startswith("TF_PROVIDER_MIRROR")}
    out = tmp_path / "build" / "terraform.rc"
    subprocess.run(
        [str(SCRIPT), str(out)], env={**base, "HOME": str(home), **env}, check=True, capture_output=True
    )
    return out.read_text()


def mirror_path(config: str) -> str | None:
    m = re.search(r'filesystem_mirror \{\s*path\s*=\s*"([^"]+)"', config)
    return m.group(1) if m else None


def test_a_mirror_outside_the_roots_is_not_adopted(tmp_path, planted):
    config = write_config(tmp_path, TF_PROVIDER_MIRROR_ROOTS=str(tmp_path / "empty-root"))
    assert mirror_path(config) is None
    assert "direct {}" in config
    assert str(planted) not in config


def test_with_the_default_roots_only_a_default_root_is_adopted(tmp_path, planted):
    # On this machine /opt/tf-plugins holds the provider; elsewhere there may be none (direct installation).
    adopted = mirror_path(write_config(tmp_path))
    assert adopted is None or adopted in DEFAULT_ROOTS, adopted


def test_tf_provider_mirror_is_adopted(tmp_path, planted):
    config = write_config(tmp_path, TF_PROVIDER_MIRROR=str(planted))
    assert mirror_path(config) == str(planted)
    assert 'include = ["registry.terraform.io/hashicorp/aws"]' in config
    assert 'exclude = ["registry.terraform.io/hashicorp/aws"]' in config


def test_the_first_root_holding_the_provider_is_adopted(tmp_path, planted):
    config = write_config(tmp_path, TF_PROVIDER_MIRROR_ROOTS=f"{tmp_path / 'empty-root'}:{planted}")
    assert mirror_path(config) == str(planted)


def test_a_tf_provider_mirror_without_the_provider_fails(tmp_path):
    (tmp_path / "not-a-mirror").mkdir()
    with pytest.raises(subprocess.CalledProcessError) as failed:
        write_config(tmp_path, TF_PROVIDER_MIRROR=str(tmp_path / "not-a-mirror"))
    assert b"holds no registry.terraform.io/hashicorp/aws" in failed.value.stderr
