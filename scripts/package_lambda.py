#!/usr/bin/env python3
"""Build a reproducible zip of the deployer Lambda (lambda/prod_deployer) for modules/prod-deployer.

The same source gives the same bytes on any machine (so Terraform's filebase64sha256, and with it the Lambda,
only changes when the code does): entries sorted, fixed timestamps (1980-01-01, the zip epoch), fixed
permissions, no __pycache__, *.pyc or tests, and entries stored uncompressed: deflate output depends on the
zlib build (zlib vs zlib-ng), and the package is a few tens of kB either way.
hashicorp/archive is not used: it is not available everywhere this project is built.

Usage: scripts/package_lambda.py [OUTPUT]   (default build/deployer.zip, relative to the repository root)
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "lambda"
PACKAGE = "prod_deployer"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
EXCLUDED_DIRS = {"__pycache__", "tests", ".pytest_cache", ".ruff_cache"}
EXCLUDED_SUFFIXES = {".pyc", ".pyo"}


def files_to_package(source: Path = SOURCE) -> list[Path]:
    """Files under lambda/prod_deployer, relative to lambda/, sorted."""
    found = []
    for path in (source / PACKAGE).rglob("*"):
        rel = path.relative_to(source)
        if path.is_dir() or any(part in EXCLUDED_DIRS for part in rel.parts):
            continue
        if path.suffix in EXCLUDED_SUFFIXES or rel.name.startswith("test_"):
            continue
        found.append(rel)
    return sorted(found, key=lambda p: p.as_posix())


def build(output: Path, source: Path = SOURCE) -> Path:
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_suffix(output.suffix + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as archive:
        for rel in files_to_package(source):
            info = zipfile.ZipInfo(rel.as_posix(), date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o100644 << 16  # regular file, rw-r--r--
            info.create_system = 3  # unix, whatever the build machine
            archive.writestr(info, (source / rel).read_bytes())
    tmp.replace(output)
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default="build/deployer.zip", help="zip to write")
    args = parser.parse_args(argv)
    output = Path(args.output)
    if not output.is_absolute():
        output = ROOT / output
    if not (SOURCE / PACKAGE / "handler.py").is_file():
        print(f"error: {SOURCE / PACKAGE / 'handler.py'} not found", file=sys.stderr)
        return 1
    build(output)
    data = output.read_bytes()
    print(
        f"{output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}: {len(data)} bytes, "
        f"{len(files_to_package())} files, sha256 {hashlib.sha256(data).hexdigest()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
