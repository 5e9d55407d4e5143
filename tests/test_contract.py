"""The public marts' contract is written once, in dbt/models/marts/_marts.yml.

Promises: (1) Python learns the mart names, columns, types, keys and accepted values from that
yml through ``flows.lib.contract`` and spells none of them out elsewhere (the scan below); (2) what
the contract says is what a built warehouse has (tests/test_transform.py compares it with a real
dbt build), so adding a column to a public mart is a change to its model and its yml only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from flows.lib import contract
from flows.settings import REPO_ROOT

# Python that may spell the contract out: the module that reads it, and this test's samples.
CONTRACT_READER = REPO_ROOT / "flows" / "lib" / "contract.py"
SCANNED = ("flows", "expectations", "dashboard", "benchmarks", "tests")
# A literal naming this share (or more) of one mart's columns, at least MIN_COLUMNS of them, is
# that mart's column list spelled out (key lists and a chart's two or three columns are not).
COLUMN_SHARE = 0.5
MIN_COLUMNS = 4


def _literal_strings(node: ast.AST) -> list[str] | None:
    """The strings of a tuple/list/set display or of a dict's keys, when all are strings; the
    words of a string constant (a column list written as one space-separated string)."""
    if isinstance(node, ast.Dict):
        items = node.keys
    elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        items = node.elts
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        words = node.value.split()
        return words if len(words) >= MIN_COLUMNS else None
    else:
        return None
    if len(items) < 2 or not all(
        isinstance(i, ast.Constant) and isinstance(i.value, str) for i in items
    ):
        return None
    return [i.value for i in items]


def repetitions(source: str) -> list[str]:
    """Every place ``source`` spells out a part of the contract:

    - a literal holding two or more public mart names (a list of marts);
    - a literal whose strings are all columns of one public mart, at least MIN_COLUMNS and at
      least COLUMN_SHARE of that mart's columns (the mart's column list);
    - a tuple/list/set whose strings are exactly the accepted values of a mart column (an
      enum; a dict keyed by each value, e.g. a setting per grain, is not a copy of the list).
    """
    marts = contract.public_marts()
    enums = {
        frozenset(v): f"{m.name}.{c}" for m in marts.values() for c, v in m.accepted_values.items()
    }
    found = []
    for node in ast.walk(ast.parse(source)):
        strings = _literal_strings(node)
        if strings is None:
            continue
        line = getattr(node, "lineno", 0)
        named = [s for s in strings if s in marts]
        if len(named) >= 2 and not isinstance(node, ast.Constant):
            found.append(f"line {line}: mart names {named}")
        for mart in marts.values():
            if (
                len(strings) >= MIN_COLUMNS
                and set(strings) <= set(mart.columns)
                and len(set(strings)) >= COLUMN_SHARE * len(mart.columns)
            ):
                found.append(f"line {line}: columns of {mart.name}")
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and frozenset(strings) in enums:
            found.append(f"line {line}: accepted values of {enums[frozenset(strings)]}")
    return found


def python_files() -> list[Path]:
    files = [p for folder in SCANNED for p in (REPO_ROOT / folder).rglob("*.py")]
    return [p for p in files if p != CONTRACT_READER and ".venv" not in p.parts]


def test_no_python_outside_the_contract_module_spells_out_marts_columns_or_enums() -> None:
    found = {
        str(p.relative_to(REPO_ROOT)): hits
        for p in python_files()
        if (hits := repetitions(p.read_text()))
    }
    assert found == {}, f"spelled out outside flows/lib/contract.py: {found}"


@pytest.mark.parametrize(
    "snippet",
    [
        # the former flows/stages/validate.py MART_TABLES
        'MART_TABLES = ("dim_papers", "fct_paper_keywords", "dim_topics")',
        # the former expectations/marts.py MART_COLUMNS entry and tests/test_transform.py CONTRACT
        'COLS = {"fct_paper_topics": ["paper_id", "topic_id", "weight", "is_primary"]}',
        'CONTRACT = {"x": "claim_id paper_id sentence_index sentence span start_offset end_offset'
        ' claim_type value unit direction qualifier metric benchmark baseline"}',
        # the former enums
        'GRAINS = ("day", "week", "month")',
        'QUALIFIERS = ["up to", "over", "about", "at least", ""]',
    ],
)
def test_the_scan_finds_a_repetition(snippet: str) -> None:
    assert repetitions(snippet), snippet


def test_the_scan_lets_keys_and_charts_through() -> None:
    assert repetitions('key_columns=["topic_id", "grain", "window_start"]') == []
    assert repetitions('df[["title", "upvotes"]]; q = "select * from main.dim_papers"') == []


def test_public_marts_are_the_enforced_models_of_the_yml_with_typed_columns() -> None:
    """Every enforced model of the marts yml is public, with a data_type on every column;
    run_audit (the runs' log, written by flows/journal/audit.py) is not one."""
    models = yaml.safe_load(contract.MARTS_YML.read_text())["models"]
    enforced = [
        m["name"] for m in models if m.get("config", {}).get("contract", {}).get("enforced")
    ]
    assert contract.mart_names() == tuple(enforced)
    assert "run_audit" not in contract.mart_names()
    for mart in contract.public_marts().values():
        assert mart.key and set(mart.key) <= set(mart.columns), mart.name
        assert all(mart.columns.values()), mart.name


def test_a_column_added_to_the_yml_is_in_the_contract(tmp_path: Path) -> None:
    """Adding a column is a yml change: the contract module sees it without any Python edit."""
    models = yaml.safe_load(contract.MARTS_YML.read_text())
    [papers] = [m for m in models["models"] if m["name"] == "dim_papers"]
    papers["columns"].append({"name": "n_citations", "data_type": "integer"})
    papers["columns"][8]["data_tests"][0]["accepted_values"]["arguments"]["values"].append("x")
    changed = tmp_path / "_marts.yml"
    changed.write_text(yaml.safe_dump(models))
    mart = contract.public_marts(changed)["dim_papers"]
    assert list(mart.columns)[-1] == "n_citations" and mart.columns["n_citations"] == "integer"
    assert mart.accepted_values["source"][-1] == "x"
