#!/usr/bin/env python3
"""checkov, with the parse tables of its JSONPath grammar built once per process, not once per expression;
and several checkov scans for the price of one checkov import.

    .venv/bin/python scripts/run_checkov.py <checkov arguments>
    .venv/bin/python scripts/run_checkov.py --batch FILE

checkov's Terraform graph addresses each attribute a dynamic block renders by a JSONPath expression, parsed
by bc_jsonpath_ng. That parser calls ply.yacc.yacc with write_tables=0 for every expression, so ply builds
the LALR tables of the same grammar again each time: about 0.05 s per distinct expression, 140 of them in
modules/ alone, a third of a scan. ply has its own cache for this, the `picklefile` argument of yacc(): it
reads the tables back when their grammar signature matches the grammar asking, rebuilds and rewrites them
when it does not, and binds the grammar's actions to the parser instance that asked. This launcher passes a
picklefile in a directory of its own process and changes nothing else: the same checkov, checks, arguments
and output as `.venv/bin/checkov`.

--batch: importing checkov costs about 4 CPU s, more than many scans. FILE is a JSON list of scans,
{"args": [checkov arguments], "out": path, "err": path, "env": {name: value}} ("err" and "env" optional).
Each scan runs as `run_checkov.py <args>` would, from this process's working directory, with its stdout
written to "out", its stderr to "err" (else this process's stderr) and "env" added to its environment.
This process prints [{"out": path, "rc": exit code}, ...] in FILE's order (rc -N: killed by signal N), and
exits 0 if every scan did, else the highest exit code (128 + N for a scan killed by signal N).

"env" reaches what checkov reads when it runs (os.getenv in Checkov.run, e.g. BC_SKIP_MAPPING), not what it
read when this process imported it (checkov.common.util.env_vars_config and other module constants): set
those in this process's own environment.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import tempfile
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import ply.yacc

_YACC = ply.yacc.yacc


def cache_parse_tables(yacc: Callable[..., Any], directory: Path) -> Callable[..., Any]:
    """yacc() with a picklefile per grammar (its class and start symbol) in `directory`."""

    @functools.wraps(yacc)
    def cached(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("picklefile") is None and kwargs.get("module") is not None:
            grammar = type(kwargs["module"])
            name = f"{grammar.__module__}.{grammar.__qualname__}.{kwargs.get('start')}.pickle"
            kwargs["picklefile"] = str(directory / name)
        return yacc(*args, **kwargs)

    return cached


def cache_parse_tables_in(directory: Path) -> None:
    """The one patch: bc_jsonpath_ng looks ply.yacc.yacc up at each parse, so this holds from the next one."""
    ply.yacc.yacc = cache_parse_tables(_YACC, directory)


def scan(args: list[str]) -> int | None:
    """One checkov run, as its own entry point makes it (`sys.exit(Checkov().run())`)."""
    from checkov.main import Checkov

    with warnings.catch_warnings():  # as checkov's own entry point does
        warnings.simplefilter("ignore", category=SyntaxWarning)
        return Checkov(argv=args).run()


def run_child(job: dict[str, Any], tables: Path) -> NoReturn:
    """In a forked child: one scan of the batch, its output in its own files; exits with checkov's code."""
    code: Any = 1
    try:
        for fd, path in ((1, job["out"]), (2, job.get("err"))):
            if path is not None:  # at the descriptor: whatever writes fd 1 or 2 (print, logging) lands there
                with open(path, "wb") as f:
                    os.dup2(f.fileno(), fd)
        os.environ.update(job.get("env", {}))
        sys.argv = [sys.argv[0], *job["args"]]  # checkov finds .checkov.yaml from sys.argv's -d
        # Tables of its own: ply writes a picklefile in place, and a scan beside could read it half written.
        cache_parse_tables_in(Path(tempfile.mkdtemp(dir=tables)))
        code = scan(job["args"])
    except SystemExit as e:  # argparse errors, checkov's own exits
        code = e.code
    except BaseException:
        traceback.print_exc()  # as Python would, uncaught, with exit code 1
    finally:
        if not (code is None or isinstance(code, int)):
            print(code, file=sys.stderr)  # sys.exit("message"): printed, exit code 1
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code or 0)  # no atexit, no cleanup of the parent's objects: they are the parent's


def run_batch(jobs: list[dict[str, Any]], tables: Path) -> int:
    """A forked child per scan, at most one per CPU at once.

    Why fork: the children inherit checkov imported, so each scan skips the ~4 CPU s import and starts from
    the same fresh state as a process of its own. Why not run the scans one after the other in this process:
    checkov keeps state across runs in module-level objects (the runner instances of checkov.main's
    DEFAULT_RUNNERS, the check registries that --external-checks-dir and --check change), so a second run
    in a process would not be the scan its arguments describe.
    """
    from checkov.main import Checkov  # noqa: F401  the import the children share, before the first fork

    codes: list[int | None] = [None] * len(jobs)
    running: dict[int, int] = {}  # pid -> index in jobs
    pending = list(range(len(jobs)))
    while pending or running:
        while pending and len(running) < (os.cpu_count() or 1):
            i = pending.pop(0)
            sys.stdout.flush()  # else a child would write this process's buffered output again
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                run_child(jobs[i], tables)
            running[pid] = i
        pid, status = os.wait()
        if pid in running:
            codes[running.pop(pid)] = os.waitstatus_to_exitcode(status)
    print(json.dumps([{"out": job["out"], "rc": rc} for job, rc in zip(jobs, codes, strict=True)]))
    return max((rc if rc >= 0 else 128 - rc for rc in codes if rc is not None), default=0)


def main(argv: list[str]) -> int | None:
    with tempfile.TemporaryDirectory(prefix="checkov-ply-") as tables:
        cache_parse_tables_in(Path(tables))
        if len(argv) == 2 and argv[0] == "--batch":
            return run_batch(json.loads(Path(argv[1]).read_text()), Path(tables))
        return scan(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
