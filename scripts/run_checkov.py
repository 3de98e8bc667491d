#!/usr/bin/env python3
"""checkov, with the parse tables of its JSONPath grammar built once per process, not once per expression.

    .venv/bin/python scripts/run_checkov.py <checkov arguments>

checkov's Terraform graph addresses each attribute a dynamic block renders by a JSONPath expression, parsed
by bc_jsonpath_ng. That parser calls ply.yacc.yacc with write_tables=0 for every expression, so ply builds
the LALR tables of the same grammar again each time: about 0.05 s per distinct expression, 140 of them in
modules/ alone, a third of a scan. ply has its own cache for this, the `picklefile` argument of yacc(): it
reads the tables back when their grammar signature matches the grammar asking, rebuilds and rewrites them
when it does not, and binds the grammar's actions to the parser instance that asked. This launcher passes a
picklefile in a directory of its own process and changes nothing else: the same checkov, checks, arguments
and output as `.venv/bin/checkov`.
"""

from __future__ import annotations

import functools
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ply.yacc


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


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="checkov-ply-") as tables:
        ply.yacc.yacc = cache_parse_tables(ply.yacc.yacc, Path(tables))
        from checkov.main import Checkov  # after the patch, as bc_jsonpath_ng looks yacc up at each call

        with warnings.catch_warnings():  # as checkov's own entry point does
            warnings.simplefilter("ignore", category=SyntaxWarning)
            return Checkov().run()


if __name__ == "__main__":
    sys.exit(main())
