"""Print the access matrix with the evaluated result of every cell (issue 5; `make access-report`).

    python -m tests.access.report                 # grid: one line per row, one column per principal
    python -m tests.access.report --cells         # per cell: evaluated, expected, OK/MISMATCH, reason
    python -m tests.access.report --markdown      # the grid as a Markdown table
    python -m tests.access.report --write-readme  # the --markdown output into README.md, between its markers
    python -m tests.access.report --matrix path/to/matrix.yaml
    python -m tests.access.report --apply         # the real envs, applied on the embedded emulator first

Plans: matrix.yaml `plans`, or ACCESS_PLAN_SHARED / ACCESS_PLAN_TRAINING / ACCESS_PLAN_PRODUCTION.
Grid legend: A = allowed, . = denied (both as expected); A! / .! = evaluated so, expected the opposite.
Exit status 1 when any cell mismatches.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .matrix import DEFAULT_MATRIX, Cell, MatrixError, load

README = Path(__file__).resolve().parents[2] / "README.md"
BEGIN, END = "<!-- BEGIN_ACCESS_MATRIX -->", "<!-- END_ACCESS_MATRIX -->"


def _grid(cells: list[Cell], markdown: bool) -> list[str]:
    principals = list(dict.fromkeys(c.principal for c in cells))
    rows = list(dict.fromkeys(c.row for c in cells))
    by = {(c.row, c.principal): c for c in cells}

    def mark(c: Cell | None) -> str:
        if c is None:
            return "-"
        return ("A" if c.actual else ".") + ("" if c.ok else "!")

    lines = []
    if markdown:
        lines.append("| request | " + " | ".join(principals) + " |")
        lines.append("|---|" + "---|" * len(principals))
        for r in rows:
            lines.append(
                f"| {r} | " + " | ".join(mark(by.get((r, p))).replace(".", "·") for p in principals) + " |"
            )
        return lines
    width = max(len(r) for r in rows)
    lines.append("principals: " + ", ".join(f"{i + 1}={p}" for i, p in enumerate(principals)))
    lines.append(" " * width + " " + "".join(f"{i + 1:>4}" for i in range(len(principals))))
    for r in rows:
        lines.append(f"{r:<{width}} " + "".join(f"{mark(by.get((r, p))):>4}" for p in principals))
    return lines


def _summary(cells: list[Cell]) -> str:
    bad = sum(not c.ok for c in cells)
    denied = sum(not c.expected for c in cells)
    return (
        f"{len(cells)} cells ({len(cells) - denied} allowed, {denied} denied), "
        f"{len(cells) - bad} OK, {bad} MISMATCH"
    )


def readme_section(cells: list[Cell]) -> str:
    """What stands between the README's markers: the --markdown output."""
    return "\n".join(_grid(cells, markdown=True)) + "\n\n" + _summary(cells) + "\n"


def replace_section(text: str, section: str) -> str:
    """`text` with what stands between BEGIN and END replaced by `section`."""
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[:start] + "\n" + section + text[end:]


def _applied_cells(spec: Path) -> list[Cell]:
    """Start the emulator, apply the three envs (as `make demo` does) and load the matrix on their state."""
    import tempfile

    from rehearsal import apply as tf
    from rehearsal.emulator import Emulator

    from .applied import write_states

    tf.build_deployer_package()
    with Emulator() as aws, tempfile.TemporaryDirectory() as tmp:
        workspace = tf.Workspace(name="access-report")
        print(
            "applying envs/shared, envs/training, envs/production on the embedded emulator...",
            file=sys.stderr,
        )
        states = tf.apply_all(aws, workspace)
        return load(spec, write_states(states, Path(tmp))).cells()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--matrix", type=Path, default=DEFAULT_MATRIX)
    ap.add_argument("--cells", action="store_true", help="one line per cell with the engine's reason")
    ap.add_argument("--markdown", action="store_true", help="Markdown table")
    ap.add_argument(
        "--write-readme", action="store_true", help=f"write the Markdown table into {README.name}"
    )
    ap.add_argument("--apply", action="store_true", help="apply envs/ on the embedded emulator and use them")
    args = ap.parse_args(argv)
    try:
        cells = _applied_cells(args.matrix) if args.apply else load(args.matrix).cells()
    except MatrixError as e:
        print(f"access matrix: {e}", file=sys.stderr)
        return 2
    if args.write_readme:
        README.write_text(replace_section(README.read_text(), readme_section(cells)))
        print(f"wrote the access matrix into {README}")
    elif args.cells:
        for c in cells:
            status = "OK" if c.ok else "MISMATCH"
            print(
                f"{status:<8} {c.row:<60} {c.principal:<20} evaluated={'allow' if c.actual else 'deny':<5} "
                f"expected={'allow' if c.expected else 'deny':<5} {c.reason}"
            )
    else:
        print("\n".join(_grid(cells, args.markdown)))
    bad = [c for c in cells if not c.ok]
    print(f"\n{_summary(cells)}")
    for c in bad:
        print(
            f"MISMATCH {c.row} / {c.principal}: evaluated {'allow' if c.actual else 'deny'}, "
            f"expected {'allow' if c.expected else 'deny'} ({c.reason})"
        )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
