#!/usr/bin/env python3
"""checkov, with what it computes again and again from the same input computed once; and several checkov
scans for the price of one checkov import.

    .venv/bin/python scripts/run_checkov.py <checkov arguments>
    .venv/bin/python scripts/run_checkov.py --batch FILE

The same checkov, checks, arguments and output as `.venv/bin/checkov`: each patch below replaces a function
by one that returns what it returns and does what it does, for less (tests/test_checkov.py,
test_batch_reports_as_a_single_run, compares a scan of the batch with `.venv/bin/checkov`'s, whole reports).

1. The parse tables of checkov's JSONPath grammar (ply.yacc.yacc). checkov's Terraform graph addresses each
attribute a dynamic block renders by a JSONPath expression, parsed by bc_jsonpath_ng. That parser calls
ply.yacc.yacc with write_tables=0 for every expression, so ply builds the LALR tables of the same grammar
again each time: about 0.05 s per distinct expression, 140 of them in modules/ alone, a third of a scan. ply
has its own cache for this, the `picklefile` argument of yacc(): it reads the tables back when their grammar
signature matches the grammar asking, rebuilds and rewrites them when it does not, and binds the grammar's
actions to the parser instance that asked. This launcher passes a picklefile in a directory of its own
process.

2. HCL parses (hcl2.api.loads, hcl2.loads). checkov parses each .tf file with python-hcl2 (lark), about 10 ms
a file, and a module's files again in each scan that calls the module: 170 parses of 73 texts in the batch of
tests/checkov_runs.py. hcl2.loads(text) depends on the text alone (a new lark tree and DictTransformer per
call), and returns plain data (dicts, lists, str, int, float, bool, None; is_plain). The patch keeps
{text: pickled result} and gives each call its own unpickled copy, equal, of the same types, sharing nothing
with another call's (checkov edits what it gets); a text that does not parse is parsed, and raises, each
time. --batch parses the .tf files of its scans (hcl_files) before the forks, so that each child finds them
parsed; keyed by the text, a file changed since, or read otherwise, is parsed in the child as before.

3. Variable rendering's evaluations (safe_eval_functions.evaluate, through evaluate_terraform._try_evaluate).
checkov renders a variable by evaluating strings with asteval, a new Interpreter per string: 13479
Interpreters in a scan of modules/, nearly three in four for a string evaluated before. evaluate(text)
reads the text, LOG_LEVEL and the symbol table SAFE_EVAL_DICT (names bound to functions), and what it
returns or raises (ValueError "Safe evaluation error: ...") depends on nothing else when the evaluation calls
nothing and assigns nothing (evaluation_kind "pure": a syntax error, or the expression nodes of PURE_NODES,
and not the name `print`, which each Interpreter binds anew). For such a text the patch keeps the outcome:
the ValueError's message, or the value if plain data (a deep copy each call); any other text is evaluated
each time, as before. Only an assignment could change what a pure text reads (SAFE_EVAL_DICT's functions
assign nothing): after each text that may assign (evaluation_kind "mutating"; "kms:Decrypt" parses as an
annotated assignment, and fails), the patch compares the bindings, and if they changed, or the text assigns
into an attribute or an item, it forgets every outcome and keeps none from then on. With LOG_LEVEL=DEBUG
(evaluate prints asteval's errors) it evaluates each time.

4. evaluate_terraform.find_brackets_pairs(text, opening, closing): a function of its three strings, 11025
calls for 2806 distinct ones in a scan of modules/; the patch keeps each result and returns new dicts in a
new list each call, as the function does.

5. colorama's AnsiToWin32.write_and_convert: checkov's sys.stdout, when it is not a terminal, strips ANSI
sequences off what is written, with two regexes over the whole text: 0.3 s for the 10 MB report of modules/,
more in a busy batch. For a text without ESC, where both regexes (each starts with ESC) find nothing, the
patch does what the function then does: write_plain_text(text, 0, len(text)).

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

import ast
import copy
import functools
import itertools
import json
import os
import pickle
import sys
import tempfile
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import hcl2.api
import ply.yacc

_YACC = ply.yacc.yacc
HCL2_LOADS = hcl2.api.loads


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
    """Patch 1: bc_jsonpath_ng looks ply.yacc.yacc up at each parse, so this holds from the next one."""
    ply.yacc.yacc = cache_parse_tables(_YACC, directory)


# --- The patches 2 to 5 of the docstring --------------------------------------------------------------------

PLAIN_SCALARS = (str, int, float, bool, type(None))


def is_plain(value: Any) -> bool:
    """Plain data: a deep copy or a pickle of it is an equal value of the same types, the same in every way
    (not NaN: a copy keeps the float object itself, and `[nan] == [nan]` holds for one object only)."""
    if type(value) in PLAIN_SCALARS:
        return value == value
    if type(value) in (list, tuple, set, frozenset):
        return all(is_plain(v) for v in value)
    if type(value) is dict:
        return all(is_plain(k) and is_plain(v) for k, v in value.items())
    return False


def cache_hcl_parses(loads: Callable[[str], Any], parsed: dict[str, bytes]) -> Callable[[str], Any]:
    """hcl2.loads(text), each text parsed once: `parsed` holds {text: pickled result}; each call, a copy."""

    @functools.wraps(loads)
    def cached(text: str) -> Any:
        if type(text) is not str:
            return loads(text)
        blob = parsed.get(text)
        if blob is not None:
            return pickle.loads(blob)
        result = loads(text)  # a text that does not parse raises, as before, and is not kept
        if is_plain(result):
            parsed[text] = pickle.dumps(result, pickle.HIGHEST_PROTOCOL)
        return result

    return cached


def cache_hcl_parses_in(parsed: dict[str, bytes]) -> None:
    """checkov parses with hcl2.load (hcl2.api.load: hcl2.api.loads of the file's text) and hcl2.loads."""
    import hcl2

    hcl2.api.loads = hcl2.loads = cache_hcl_parses(HCL2_LOADS, parsed)


def hcl_files(args: list[str]) -> list[Path]:
    """The .tf files a scan's arguments name: under each -d directory (not in hidden ones), and each -f."""
    files = []
    for flag, target in itertools.pairwise(args):
        path = Path(target)
        if flag in ("-d", "--directory") and path.is_dir():
            files += [
                f
                for f in sorted(path.rglob("*.tf"))
                if not any(part.startswith(".") for part in f.relative_to(path).parts)
            ]
        elif flag in ("-f", "--file") and path.suffix == ".tf":
            files.append(path)
    return files


def parse_hcl_files(jobs: list[dict[str, Any]], parsed: dict[str, bytes]) -> None:
    """Before the forks: the scans' .tf files (hcl_files) parsed into `parsed`, once for all the children.

    Keyed by the text, read as checkov.terraform.parser_utils.load_or_die_quietly reads it (utf-8-sig): a file
    checkov reads otherwise, or one changed since, is a miss, parsed in the child as before.
    """
    loads = cache_hcl_parses(HCL2_LOADS, parsed)
    for f in dict.fromkeys(f for job in jobs for f in hcl_files(job["args"])):
        try:
            loads(f.read_text(encoding="utf-8-sig"))
        except Exception:  # unreadable or not HCL: the child reports it, as checkov does
            continue


def memoised_find_brackets_pairs(find: Callable[[str, str, str], Any]) -> Callable[[str, str, str], Any]:
    """find_brackets_pairs(str, str, str), each result kept: each call, new {"start", "end"} dicts."""
    pairs: dict[tuple[str, str, str], list[dict[str, int]]] = {}

    @functools.wraps(find)
    def memo(input_str: Any, starting: Any, closing: Any) -> Any:
        if not type(input_str) is type(starting) is type(closing) is str:
            return find(input_str, starting, closing)
        key = (input_str, starting, closing)
        found = pairs.get(key)
        if found is None:
            found = pairs[key] = [dict(p) for p in find(input_str, starting, closing)]
        return [dict(p) for p in found]

    return memo


def memoise_find_brackets_pairs() -> None:
    """Its callers, evaluate_terraform.evaluate_map and .evaluate_list_access, look it up at each call."""
    from checkov.terraform.graph_builder.variable_rendering import evaluate_terraform

    evaluate_terraform.find_brackets_pairs = memoised_find_brackets_pairs(
        evaluate_terraform.find_brackets_pairs
    )


# What asteval does for these nodes: look names up, build values, apply operators. No call, no assignment.
PURE_NODES = (
    ast.Module, ast.Expr, ast.Constant, ast.Name, ast.Attribute, ast.Subscript, ast.Slice, ast.Starred,
    ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.Load,
    ast.operator, ast.unaryop, ast.boolop, ast.cmpop,
)  # fmt: skip
# What may assign: a target (ctx Store or Del), a statement, a comprehension, a walrus, an import, a handler.
BINDING_NODES = (ast.stmt, ast.comprehension, ast.NamedExpr, ast.alias, ast.excepthandler)


def evaluation_kind(text: str) -> str:
    """How asteval's outcome for `text` may vary: "pure", it does not (a syntax error: asteval parses with
    ast.parse too; or PURE_NODES only, not the name `print`, which each Interpreter binds anew), given the
    symbol table's bindings; "mutating", the evaluation may change them (BINDING_NODES); "other", a call."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return "pure"
    except Exception:
        return "other"
    kind = "pure"
    for node in ast.walk(tree):
        if isinstance(getattr(node, "ctx", None), (ast.Store, ast.Del)):
            return "mutating"
        if isinstance(node, BINDING_NODES) and not isinstance(node, ast.Expr):
            return "mutating"
        if not isinstance(node, PURE_NODES) or (isinstance(node, ast.Name) and node.id == "print"):
            kind = "other"
    return kind


def assigns_into_objects(text: str) -> bool:
    """Whether `text` assigns to an attribute or an item: a change a look at the bindings would not see."""
    return any(
        isinstance(node, (ast.Attribute, ast.Subscript)) and not isinstance(node.ctx, ast.Load)
        for node in ast.walk(ast.parse(text))
    )


def memoised_evaluate(
    evaluate: Callable[[str], Any], symtable: dict[str, Any], try_replacement: str
) -> Callable[[str], Any]:
    """safe_eval_functions.evaluate, a "pure" text (evaluation_kind) evaluated once: its value, if plain
    (a deep copy each call), or evaluate's ValueError. Every other text is evaluated each time; after a
    "mutating" one that changed the bindings of `symtable` or assigned into objects, nothing is kept."""
    kinds: dict[str, str] = {}
    outcomes: dict[str, tuple[bool, Any]] = {}  # text -> (raised, the value or the ValueError's message)
    memoising = [True]

    def bindings() -> list[tuple[str, int]]:
        return [(name, id(value)) for name, value in symtable.items() if name != "print"]

    def evaluate_mutating(input_str: str, text: str) -> Any:
        before = bindings()
        try:
            return evaluate(input_str)
        finally:
            if bindings() != before or assigns_into_objects(text):
                memoising[0] = False
                outcomes.clear()

    @functools.wraps(evaluate)
    def memo(input_str: Any) -> Any:
        # LOG_LEVEL=DEBUG: evaluate prints asteval's errors, each time
        if type(input_str) is not str or not memoising[0] or os.getenv("LOG_LEVEL") == "DEBUG":
            return evaluate(input_str)
        outcome = outcomes.get(input_str)
        if outcome is not None:
            raised, value = outcome
            if raised:
                raise ValueError(value)
            return copy.deepcopy(value)
        # the text asteval gets: evaluate renames a leading `try`, a keyword in Python
        text = f"{try_replacement}{input_str[3:]}" if input_str.startswith("try") else input_str
        kind = kinds.get(input_str) or kinds.setdefault(input_str, evaluation_kind(text))
        if kind != "pure":
            return evaluate_mutating(input_str, text) if kind == "mutating" else evaluate(input_str)
        try:
            value = evaluate(input_str)
        except ValueError as e:  # evaluate's own: "Safe evaluation error: [asteval's errors]"
            if type(e) is ValueError and len(e.args) == 1:
                outcomes[input_str] = (True, e.args[0])
            raise
        if is_plain(value):
            outcomes[input_str] = (False, copy.deepcopy(value))
        return value

    return memo


def memoise_evaluate() -> None:
    """Its one caller, evaluate_terraform._try_evaluate, looks `evaluate` up in its module at each call."""
    from checkov.terraform.graph_builder.variable_rendering import evaluate_terraform, safe_eval_functions

    evaluate_terraform.evaluate = memoised_evaluate(
        safe_eval_functions.evaluate,
        safe_eval_functions.SAFE_EVAL_DICT,
        safe_eval_functions.TRY_STR_REPLACEMENT,
    )


def skip_ansi_scan_of_plain_text() -> None:
    """colorama's AnsiToWin32.write_and_convert, for a text without ESC: write_plain_text(text, 0, len(text)),
    what it does when its two regexes (each starting with ESC) find nothing."""
    from colorama.ansitowin32 import AnsiToWin32

    convert = AnsiToWin32.write_and_convert

    @functools.wraps(convert)
    def write_and_convert(self: AnsiToWin32, text: str) -> None:
        if type(text) is str and "\033" not in text:
            self.write_plain_text(text, 0, len(text))
        else:
            convert(self, text)

    AnsiToWin32.write_and_convert = write_and_convert  # type: ignore[method-assign]


def patch_checkov(parsed: dict[str, bytes]) -> None:
    """The patches 2 to 5, in this process and the children it forks; `parsed`: the HCL parses kept."""
    from checkov.main import Checkov  # noqa: F401  checkov imported as its entry point imports it, then patched

    cache_hcl_parses_in(parsed)
    memoise_evaluate()
    memoise_find_brackets_pairs()
    skip_ansi_scan_of_plain_text()


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


def run_batch(jobs: list[dict[str, Any]], tables: Path, parsed: dict[str, bytes]) -> int:
    """A forked child per scan, at most one per CPU at once.

    Why fork: the children inherit checkov imported, so each scan skips the ~4 CPU s import and starts from
    the same fresh state as a process of its own. Why not run the scans one after the other in this process:
    checkov keeps state across runs in module-level objects (the runner instances of checkov.main's
    DEFAULT_RUNNERS, the check registries that --external-checks-dir and --check change), so a second run
    in a process would not be the scan its arguments describe.
    """
    from checkov.main import Checkov  # noqa: F401  the import the children share, before the first fork

    parse_hcl_files(jobs, parsed)  # the parses the children share

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
        parsed: dict[str, bytes] = {}
        patch_checkov(parsed)
        if len(argv) == 2 and argv[0] == "--batch":
            return run_batch(json.loads(Path(argv[1]).read_text()), Path(tables), parsed)
        return scan(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
