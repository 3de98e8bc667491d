#!/usr/bin/env python3
"""Generates the reference part of each module's README from its Terraform: the Inputs table (name, type,
default or "required", description) from variables.tf and the Outputs table (name, description) from
outputs.tf, sorted by name, written between the markers below. Everything outside the markers is
hand-written and kept.

    scripts/gen_module_docs.py [--check] [MODULE_DIR ...]     (default: every modules/*/; `make docs`)

--check writes nothing: it prints the diff of each README that is not up to date and exits 1.

The HCL is read by the small parser below rather than python-hcl2: the hcl2 that checkov pins
(bc-python-hcl2 0.4) returns type expressions as Python reprs and leaves string escapes undone, while the
tables show types and defaults as written in the source, which a parser that keeps the source text gives
directly (tests/test_module_docs.py checks that both read the same variables, outputs and descriptions).
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BEGIN = "<!-- BEGIN_TF_DOCS -->"
END = "<!-- END_TF_DOCS -->"
NOTICE = "<!-- Generated from variables.tf and outputs.tf by scripts/gen_module_docs.py (make docs). -->"
OPEN = "([{"
CLOSE = ")]}"


class DocsError(Exception):
    """A README or a .tf file the generator cannot work with; the message names the file."""


@dataclass(frozen=True)
class Token:
    kind: str  # "str" | "heredoc" | "open" | "close" | "nl" | "word"
    text: str  # the source text
    value: str = ""  # the string value of "str" and "heredoc"
    space_before: bool = False  # blanks (not newlines) between this token and the previous one


ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}


def _string_end(src: str, i: int) -> int:
    """Index after the closing quote of the string literal opening at src[i], across `${ ... }` templates
    (which may hold strings of their own)."""
    i += 1
    while i < len(src):
        c = src[i]
        if c == "\\":
            i += 2
        elif c == '"':
            return i + 1
        elif src.startswith("${", i) or src.startswith("%{", i):
            depth, i = 1, i + 2
            while depth:
                if i >= len(src):
                    raise DocsError("unterminated template")
                if src[i] == '"':
                    i = _string_end(src, i)
                    continue
                depth += {"{": 1, "}": -1}.get(src[i], 0)
                i += 1
        elif c == "\n":
            raise DocsError("newline in a quoted string")
        else:
            i += 1
    raise DocsError("unterminated string")


def _unescape(body: str) -> str:
    out, i = [], 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt == "u":
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(ESCAPES.get(nxt, "\\" + nxt))
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out).replace("$${", "${").replace("%%{", "%{")


HEREDOC = re.compile(r"<<(-?)([A-Za-z_][A-Za-z0-9_]*)[ \t]*\n")


def tokenize(src: str) -> list[Token]:
    tokens: list[Token] = []
    i, space = 0, False

    def add(kind: str, text: str, value: str = "") -> None:
        nonlocal space
        tokens.append(Token(kind, text, value, space))
        space = False

    while i < len(src):
        c = src[i]
        if c in " \t\r":
            space, i = True, i + 1
        elif c == "\n":
            add("nl", "\n")
            i += 1
        elif c == "#" or src.startswith("//", i):
            i = src.find("\n", i) if "\n" in src[i:] else len(src)
        elif src.startswith("/*", i):
            end = src.find("*/", i + 2)
            if end < 0:
                raise DocsError("unterminated comment")
            i, space = end + 2, True
        elif c == '"':
            end = _string_end(src, i)
            add("str", src[i:end], _unescape(src[i + 1 : end - 1]))
            i = end
        elif (m := HEREDOC.match(src, i)) is not None:
            indented, tag = m.group(1) == "-", m.group(2)
            close = re.compile(rf"^[ \t]*{tag}[ \t]*$", re.M).search(src, m.end())
            if close is None:
                raise DocsError(f"unterminated heredoc {tag}")
            lines = src[m.end() : close.start()].splitlines()
            if indented:
                indent = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
                lines = [x[indent:] for x in lines]
            add("heredoc", src[i : close.end()], "\n".join(lines))
            i = close.end()
        elif c in OPEN:
            add("open", c)
            i += 1
        elif c in CLOSE:
            add("close", c)
            i += 1
        elif c == ",":
            add("word", c)
            i += 1
        else:
            m = re.compile(r"[^\s\"#,()\[\]{}]+").match(src, i)
            assert m is not None  # c is none of the characters the pattern excludes
            word = m.group(0)
            if "//" in word or "/*" in word:  # a comment right after a word: `x//y`
                word = word[: min(p for p in (word.find("//"), word.find("/*")) if p >= 0)]
            add("word", word)
            i += len(word)
    return tokens


def render_expression(tokens: list[Token]) -> str:
    """An expression on one line, as a person would write it: `object({ a = string, b = number })`."""
    out: list[str] = []
    newline = False
    previous: Token | None = None
    for t in tokens:
        if t.kind == "nl":
            newline = True
            continue
        if previous is not None:
            if newline and previous.kind == "open":
                out.append(" " if previous.text == "{" else "")
            elif newline and t.kind == "close":
                out.append(" " if t.text == "}" else "")
            elif newline:
                out.append(" " if previous.text == "," else ", ")
            elif t.space_before:
                out.append(" ")
        out.append(t.text)
        newline, previous = False, t
    return "".join(out)


@dataclass
class Block:
    name: str
    attributes: dict[str, list[Token]]


def _matching_close(tokens: list[Token], i: int) -> int:
    """Index of the token that closes the bracket tokens[i] opens."""
    depth = 0
    for j in range(i, len(tokens)):
        depth += {"open": 1, "close": -1}.get(tokens[j].kind, 0)
        if depth == 0:
            return j
    raise DocsError("unbalanced brackets")


def parse_blocks(src: str, kind: str) -> list[Block]:
    """The top-level `<kind> "<name>" { ... }` blocks of a .tf file, each with its attributes (nested blocks
    such as `validation` are skipped)."""
    tokens = tokenize(src)
    blocks: list[Block] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.kind == "nl":
            i += 1
            continue
        labels = []
        j = i + 1
        while j < len(tokens) and tokens[j].kind == "str":
            labels.append(tokens[j].value)
            j += 1
        if j >= len(tokens) or tokens[j].text != "{":
            raise DocsError(f"expected a block at {t.text!r}")
        end = _matching_close(tokens, j)
        if t.text == kind:
            if len(labels) != 1:
                raise DocsError(f"{kind} block needs one label, has {labels}")
            blocks.append(Block(labels[0], _attributes(tokens[j + 1 : end])))
        i = end + 1
    return blocks


def _attributes(body: list[Token]) -> dict[str, list[Token]]:
    attributes: dict[str, list[Token]] = {}
    i = 0
    while i < len(body):
        if body[i].kind == "nl":
            i += 1
            continue
        if i + 1 < len(body) and body[i + 1].text == "=":
            j, depth = i + 2, 0
            while j < len(body) and not (depth == 0 and body[j].kind == "nl"):
                depth += {"open": 1, "close": -1}.get(body[j].kind, 0)
                j += 1
            attributes[body[i].text] = body[i + 2 : j]
            i = j
            continue
        j = i + 1  # a nested block: its labels, then its body
        while j < len(body) and body[j].kind == "str":
            j += 1
        if j >= len(body) or body[j].text != "{":
            raise DocsError(f"expected an attribute or a block at {body[i].text!r}")
        i = _matching_close(body, j) + 1
    return attributes


def description(block: Block, path: Path) -> str:
    tokens = [t for t in block.attributes.get("description", []) if t.kind != "nl"]
    if len(tokens) != 1 or tokens[0].kind not in {"str", "heredoc"}:
        raise DocsError(f"{path}: {block.name} needs a description that is one string literal")
    return tokens[0].value


def cell(text: str) -> str:
    """Text for one Markdown table cell: one line, no column break, no HTML tag or emphasis by accident."""
    text = " ".join(text.split())
    return text.replace("|", "\\|").replace("<", "&lt;").replace("*", "\\*")


def code(text: str) -> str:
    return "`" + text.replace("|", "\\|") + "`"


def inputs_table(module: Path) -> list[str]:
    path = module / "variables.tf"
    rows = ["| name | type | default | description |", "|---|---|---|---|"]
    for block in sorted(parse_blocks(path.read_text(), "variable"), key=lambda b: b.name):
        if "type" not in block.attributes:
            raise DocsError(f"{path}: variable {block.name} has no type")
        default = block.attributes.get("default")
        shown = "required" if default is None else code(render_expression(default))
        type_ = render_expression(block.attributes["type"])
        rows.append(f"| `{block.name}` | {code(type_)} | {shown} | {cell(description(block, path))} |")
    return rows


def outputs_table(module: Path) -> list[str]:
    path = module / "outputs.tf"
    rows = ["| name | description |", "|---|---|"]
    for block in sorted(parse_blocks(path.read_text(), "output"), key=lambda b: b.name):
        rows.append(f"| `{block.name}` | {cell(description(block, path))} |")
    return rows


def generated(module: Path) -> str:
    lines = [NOTICE, "", "## Inputs", "", *inputs_table(module), "", "## Outputs", "", *outputs_table(module)]
    return "\n".join(lines)


def render_readme(module: Path) -> tuple[str, str]:
    """(current, expected) text of the module's README."""
    readme = module / "README.md"
    if not readme.is_file():
        raise DocsError(f"{readme}: missing")
    current = readme.read_text()
    if current.count(BEGIN) != 1 or current.count(END) != 1 or current.index(BEGIN) > current.index(END):
        raise DocsError(f"{readme}: needs one {BEGIN} line followed by one {END} line (the generated part)")
    head, rest = current.split(BEGIN)
    _, tail = rest.split(END)
    return current, f"{head}{BEGIN}\n{generated(module)}\n{END}{tail}"


def module_dirs(args: list[str]) -> list[Path]:
    if args:
        return [Path(a).resolve() for a in args]
    return sorted(p.parent for p in (REPO / "modules").glob("*/variables.tf"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; print diffs, exit 1 if any")
    parser.add_argument("modules", nargs="*", help="module directories (default: every modules/*/)")
    args = parser.parse_args(argv)
    stale = 0
    for module in module_dirs(args.modules):
        try:
            current, expected = render_readme(module)
        except DocsError as e:
            print(f"gen_module_docs: {e}", file=sys.stderr)
            return 2
        if current == expected:
            continue
        readme = module / "README.md"
        if args.check:
            stale += 1
            sys.stdout.writelines(
                difflib.unified_diff(
                    current.splitlines(keepends=True),
                    expected.splitlines(keepends=True),
                    str(readme),
                    "generated",
                )
            )
        else:
            readme.write_text(expected)
            print(f"gen_module_docs: wrote {readme}")
    if stale:
        print(f"gen_module_docs: {stale} README(s) out of date: run `make docs`", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
