#!/usr/bin/env python3
"""Time the test targets of one or more git refs, each from a clean clone, and print a table.

    python3 scripts/benchmark_tests.py [--keep] [REF ...]
    (default refs: 0a8f06c, the commit before the test speed-up, and HEAD)

Per ref, in a fresh clone under a temporary directory: `make setup` (the venv from requirements.lock and the
Terraform CLI config; the installer's download cache, pip's or uv's, is reused), then `make test` (the test
phase: setup is already done), `make test-module M=<m>` for every module of that ref, and `make test-fast`. A
target the ref's Makefile lacks is "n/a". Each phase's output goes to a log file (its path is printed); the
table shows wall time and exit status. It takes as long as the phases do: run it on a machine that is
otherwise idle.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_REFS = ["0a8f06c", "HEAD"]


def has_target(clone: Path, target: str) -> bool:
    return re.search(rf"^{re.escape(target)}:", (clone / "Makefile").read_text(), flags=re.M) is not None


def timed(command: list[str], cwd: Path, log: Path) -> tuple[float, int]:
    started = time.monotonic()
    with log.open("w") as out:
        code = subprocess.run(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT).returncode
    return time.monotonic() - started, code


def phases(clone: Path) -> list[tuple[str, list[str] | None]]:
    """(label, make command or None when the ref has no such target), in the order they run."""
    modules = sorted(p.name for p in (clone / "modules").iterdir() if p.is_dir())
    module_target = has_target(clone, "test-module")
    return [
        ("setup", ["make", "setup"]),
        ("test phase (make test)", ["make", "test"]),
        *[
            (f"test-module M={m}", ["make", "test-module", f"M={m}"] if module_target else None)
            for m in modules
        ],
        ("test-fast", ["make", "test-fast"] if has_target(clone, "test-fast") else None),
    ]


def benchmark(ref: str, work: Path, logs: Path) -> dict[str, str]:
    clone = work / re.sub(r"[^A-Za-z0-9_.-]", "_", ref)
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(REPO), str(clone)], check=True)
    subprocess.run(["git", "checkout", "--quiet", ref], cwd=clone, check=True)
    sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=clone, capture_output=True, text=True)
    print(f"== {ref} ({sha.stdout.strip()}) in {clone}", flush=True)
    results = {}
    for label, command in phases(clone):
        if command is None:
            results[label] = "n/a"
            continue
        log = logs / f"{clone.name}-{re.sub(r'[^A-Za-z0-9_.-]+', '_', label)}.log"
        seconds, code = timed(command, clone, log)
        minutes, rest = divmod(round(seconds), 60)
        results[label] = f"{minutes}m{rest:02d}s" + ("" if code == 0 else f" (exit {code})")
        print(f"   {label}: {results[label]}  log: {log}", flush=True)
    return results


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("refs", nargs="*", default=DEFAULT_REFS)
    parser.add_argument("--keep", action="store_true", help="keep the clones (default: remove them)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="benchmark-tests-"))
    logs = work / "logs"
    logs.mkdir()
    table: dict[str, dict[str, str]] = {}
    try:
        for ref in args.refs:
            table[ref] = benchmark(ref, work, logs)
    finally:
        if not args.keep:
            for d in work.iterdir():
                if d != logs:
                    shutil.rmtree(d, ignore_errors=True)
    labels = list(dict.fromkeys(label for r in table.values() for label in r))
    width = max(len(label) for label in labels)
    columns = [max(len(ref), 12) for ref in args.refs]
    print()
    print(f"{'phase':<{width}}  " + "  ".join(f"{r:>{w}}" for r, w in zip(args.refs, columns, strict=True)))
    for label in labels:
        cells = [table[r].get(label, "n/a") for r in args.refs]
        print(f"{label:<{width}}  " + "  ".join(f"{c:>{w}}" for c, w in zip(cells, columns, strict=True)))
    print(f"\nlogs: {logs}")
    failed = any("exit" in c for r in table.values() for c in r.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
