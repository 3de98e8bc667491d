"""What the Terraform code may not use so that it keeps working on hashicorp/aws 6.x and on every Terraform
the envs allow (issue "Correct on real AWS", items 5 and 9). A static scan: fast, no provider needed.

Sources: the provider's version 6 upgrade guide
(https://registry.terraform.io/providers/hashicorp/aws/latest/docs/guides/version-6-upgrade): the aws_region
data source deprecates `name` (use `id`, or `region` from 6.0 on), the inline aws_s3_bucket blocks and the
role's managed_policy_arns / inline_policy have their own resources, aws_s3_bucket_object is aws_s3_object,
and OpsWorks, SimpleDB and WorkLink endpoints are gone. S3 native state locking (`use_lockfile`) is generally
available from Terraform 1.11: https://developer.hashicorp.com/terraform/language/backend/s3#state-locking
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TF_FILES = sorted(
    p for d in ("modules", "envs") for p in (ROOT / d).rglob("*.tf") if ".terraform" not in p.parts
)

# (pattern, what to use instead)
DEPRECATED = [
    (r"data\.aws_region\.[A-Za-z0-9_]+(\[[^\]]*\])?\.(name|endpoint)\b", "data.aws_region.<x>.id"),
    (r"\bdata\.aws_s3_bucket_objects?\b|resource\s+\"aws_s3_bucket_object\"", "aws_s3_object"),
    (
        r"^\s*(managed_policy_arns|inline_policy)\s*[={]",
        "aws_iam_role_policy_attachment / aws_iam_role_policy",
    ),
    (r"\bendpoints\s*\{[^}]*\b(opsworks|simpledb|sdb|worklink)\s*=", "nothing: the service is gone"),
]
S3_INLINE = (
    r"^\s*(acl|acceleration_status|policy|request_payer)\s*="
    r"|^\s*(versioning|logging|lifecycle_rule|server_side_encryption_configuration|replication_configuration"
    r"|website|cors_rule|object_lock_configuration)\s*\{"
)


def resource_bodies(text: str, rtype: str):
    """Bodies of the resources of one type (from their opening line to the next top-level block)."""
    for m in re.finditer(rf'^resource\s+"{rtype}"\s+"[^"]+"\s*\{{(.*?)^\}}', text, flags=re.M | re.S):
        yield m.group(1)


def test_the_scan_finds_what_it_looks_for():
    # Guard against a scan that can never fail: each pattern matches the code it names.
    samples = [
        "region = data.aws_region.current.name",
        "x = data.aws_s3_bucket_object.this.body",
        "  managed_policy_arns = []",
        'endpoints {\n  opsworks = "x"\n}',
    ]
    for (pattern, _), sample in zip(DEPRECATED, samples, strict=True):
        assert re.search(pattern, sample, flags=re.M), pattern
    assert list(resource_bodies('resource "aws_s3_bucket" "this" {\n  acl = "private"\n}\n', "aws_s3_bucket"))


@pytest.mark.parametrize("path", TF_FILES, ids=[str(p.relative_to(ROOT)) for p in TF_FILES])
def test_no_attribute_that_provider_6_deprecates_or_removes(path):
    text = path.read_text()
    found = [
        f"{m.group(0).strip()} (use {instead})"
        for pattern, instead in DEPRECATED
        for m in re.finditer(pattern, text, flags=re.M)
    ]
    found += [
        f"aws_s3_bucket inline {m.group(0).strip()} (use its own aws_s3_bucket_* resource)"
        for body in resource_bodies(text, "aws_s3_bucket")
        for m in re.finditer(S3_INLINE, body, flags=re.M)
    ]
    assert not found, found


def lower_bound(constraint: str) -> tuple[int, ...]:
    (bound,) = re.findall(r">=\s*([0-9.]+)", constraint)
    return tuple(int(x) for x in bound.split("."))


VERSIONS = [p for p in TF_FILES if p.name == "versions.tf"]


@pytest.mark.parametrize("path", VERSIONS, ids=[str(p.relative_to(ROOT)) for p in VERSIONS])
def test_required_terraform_has_s3_native_locking(path):
    (constraint,) = re.findall(r'required_version\s*=\s*"([^"]+)"', path.read_text())
    assert lower_bound(constraint) >= (1, 11), (
        f"{constraint}: the backend examples use use_lockfile (Terraform >= 1.11)"
    )


def test_backend_examples_use_native_locking():
    examples = sorted((ROOT / "envs").glob("*/backend.hcl.example"))
    assert len(examples) == 3
    for example in examples:
        assert re.search(r"^use_lockfile\s*=\s*true", example.read_text(), flags=re.M), example
