"""Every function of ``flows/`` reads on one screen: none is over 60 lines (issue 13).

A function's length is measured with ``ast``, from its ``def`` line to its last line (its
docstring, comments and blank lines inside included; decorators not), nested functions counted
in their parent too. The check runs over every module under ``flows/``, sub-packages included;
a failure names each long function with its file, line and length.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parents[1]
MAX_LINES = 60
CHECKED = sorted((REPO / "flows").rglob("*.py"))


class LongFunction(NamedTuple):
    name: str  # qualified: Class.method, outer.inner
    line: int  # of its ``def``
    lines: int


def long_functions(source: str, limit: int = MAX_LINES) -> list[LongFunction]:
    """Every function of ``source`` longer than ``limit`` lines, in source order."""
    found: list[LongFunction] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = prefix + child.name
                lines = (child.end_lineno or child.lineno) - child.lineno + 1
                if lines > limit:
                    found.append(LongFunction(name, child.lineno, lines))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return found


def _function(name: str, body_lines: int, indent: str = "") -> str:
    body = "".join(f"{indent}    x{i} = {i}\n" for i in range(body_lines))
    return f"{indent}def {name}():\n{body}"


def test_the_measure_draws_the_line_at_60():
    assert long_functions(_function("f", 59)) == []  # 60 lines with its def line
    assert long_functions(_function("f", 60)) == [("f", 1, 61)]
    # a method and a nested function count, each under its qualified name; so do async ones
    nested = "class C:\n    def m(self):\n" + _function("inner", 70, indent="        ")
    assert long_functions(nested) == [("C.m", 2, 72), ("C.m.inner", 3, 71)]
    assert long_functions("x = 1\n\nasync " + _function("g", 61)) == [("g", 3, 62)]


def test_the_check_covers_every_module_of_flows():
    names = {path.relative_to(REPO).as_posix() for path in CHECKED}
    assert {
        "flows/pipeline.py",
        "flows/stages/ingest.py",
        "flows/stages/validate.py",
        "flows/lib/topics.py",
        "flows/lib/claims/extract.py",
        "flows/stages/tagging/tagger.py",
        "flows/stages/sources/hf_daily.py",
    } <= names


def test_no_function_over_60_lines():
    offenders = [
        f"{path.relative_to(REPO).as_posix()}:{found.line} {found.name}: {found.lines} lines"
        for path in CHECKED
        for found in long_functions(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, f"functions over {MAX_LINES} lines:\n" + "\n".join(offenders)
