"""Every function of the claim rules reads on one screen: none is over 60 lines (issue 13).

A function's length is measured with ``ast``, from its ``def`` line to its last line, nested
functions counted in their parent too. The check runs over the modules of ``flows/claims``; the
rest of ``flows/`` joins when its long functions are split: widen ``CHECKED`` to
``(REPO / "flows").rglob("*.py")``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MAX_LINES = 60
CHECKED = sorted((REPO / "flows" / "claims").rglob("*.py"))


def long_functions(source: str, limit: int = MAX_LINES) -> list[tuple[str, int]]:
    """(qualified name, lines) of every function of ``source`` longer than ``limit`` lines."""
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = prefix + child.name
                lines = (child.end_lineno or child.lineno) - child.lineno + 1
                if lines > limit:
                    found.append((name, lines))
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
    assert long_functions(_function("f", 60)) == [("f", 61)]
    # a method and a nested function count, each under its qualified name; so do async ones
    nested = "class C:\n    def m(self):\n" + _function("inner", 70, indent="        ")
    assert long_functions(nested) == [("C.m", 72), ("C.m.inner", 71)]
    assert long_functions("async " + _function("g", 61)) == [("g", 62)]


def test_the_check_covers_the_claim_rules():
    names = {path.name for path in CHECKED}
    assert {"extract.py", "numeric.py", "context.py", "quantities.py", "lexicon.py"} <= names


@pytest.mark.parametrize("path", CHECKED, ids=lambda path: path.relative_to(REPO).as_posix())
def test_no_function_over_60_lines(path: Path):
    assert long_functions(path.read_text(encoding="utf-8")) == []
