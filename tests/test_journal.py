"""The run journal is the one place a run records itself (issue 13): every stage of
``pipeline_flow`` goes through ``journal.stage``, and summary.json is read in one module only."""

from __future__ import annotations

import ast
import inspect
import textwrap

from flows import pipeline
from flows.journal.record import STAGES
from flows.settings import REPO_ROOT

SUMMARY_MODULE = REPO_ROOT / "flows" / "journal" / "summary.py"
SCANNED = ("flows", "dashboard", "benchmarks")


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def summary_file_names(source: str) -> list[int]:
    """Lines of code (not docstrings or comments) that name the file summary.json."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and "summary.json" in node.value and id(node) not in docs
    ]


def test_summary_json_is_named_by_the_journal_alone() -> None:
    """Only flows/journal/summary.py names summary.json in code: every other reader goes through
    its load_summary / read_summary / list_runs."""
    found = {
        str(path.relative_to(REPO_ROOT)): lines
        for folder in SCANNED
        for path in (REPO_ROOT / folder).rglob("*.py")
        if path != SUMMARY_MODULE and (lines := summary_file_names(path.read_text()))
    }
    assert found == {}
    assert summary_file_names(SUMMARY_MODULE.read_text())  # the scan does see a real use


def test_the_scan_catches_a_second_reader() -> None:
    source = (
        'import json\n\ndef f(p):\n    """summary.json"""\n'
        '    return json.loads((p / "summary.json").read_text())\n'
    )
    assert summary_file_names(source) == [5]


def test_pipeline_flow_is_the_five_stages_each_through_the_journal() -> None:
    source = textwrap.dedent(inspect.getsource(pipeline.pipeline_flow.fn))
    assert len(source.splitlines()) <= 40  # one screen
    staged = [
        node.items[0].context_expr.args[0].value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.With)
        and isinstance(call := node.items[0].context_expr, ast.Call)
        and ast.unparse(call.func) == "journal.stage"
    ]
    assert staged == list(STAGES)
