"""The public marts' contract, read from the one place it is written: dbt/models/marts/_marts.yml.

A public mart is a model of that file with ``config: {contract: {enforced: true}}``: dbt refuses
to build it unless its SQL yields exactly the columns and ``data_type``s the yml lists, and its
``accepted_values`` tests fail the build when a value is outside the yml's list. Python reads the
mart names, columns, types and accepted values from here instead of repeating them, so adding a
column to a public mart is a change to its model and its yml only.

Plain YAML (anchors included), no dbt import; parsed once per process.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from flows.settings import REPO_ROOT

MARTS_YML = REPO_ROOT / "dbt" / "models" / "marts" / "_marts.yml"


@dataclass(frozen=True)
class Mart:
    """One public mart: its columns in order (name -> DuckDB type, lower case), its key (the
    column tested ``unique``, or the first ``unique_combination_of_columns``) and, per column,
    the values its ``accepted_values`` test allows."""

    name: str
    columns: dict[str, str]
    key: tuple[str, ...]
    accepted_values: dict[str, tuple[Any, ...]]


def _test(tests: list[Any] | None, name: str) -> dict[str, Any] | None:
    """The arguments of test ``name`` in a ``data_tests`` list ({} for a bare name)."""
    for test in tests or ():
        if test == name:
            return {}
        if isinstance(test, dict) and name in test:
            spec = test[name]
            return spec.get("arguments", spec)
    return None


def _key(model: dict[str, Any]) -> tuple[str, ...]:
    combination = _test(model.get("data_tests"), "unique_combination_of_columns")
    if combination is not None:
        return tuple(combination["combination_of_columns"])
    columns = model.get("columns") or []
    return tuple(c["name"] for c in columns if _test(c.get("data_tests"), "unique") is not None)


def _mart(model: dict[str, Any]) -> Mart:
    columns = model.get("columns") or []
    return Mart(
        name=model["name"],
        columns={c["name"]: str(c["data_type"]).lower() for c in columns},
        key=_key(model),
        accepted_values={
            c["name"]: tuple(spec["values"])
            for c in columns
            if (spec := _test(c.get("data_tests"), "accepted_values")) is not None
        },
    )


def _enforced(model: dict[str, Any]) -> bool:
    return bool(((model.get("config") or {}).get("contract") or {}).get("enforced"))


@functools.cache
def public_marts(path: Path = MARTS_YML) -> dict[str, Mart]:
    """Every public mart of ``path``, in the yml's order."""
    models = yaml.safe_load(path.read_text())["models"]
    return {m["name"]: _mart(m) for m in models if _enforced(m)}


def mart_names() -> tuple[str, ...]:
    """The public marts (schema ``main`` of the warehouse), in the yml's order."""
    return tuple(public_marts())


def accepted_values(mart: str, column: str) -> tuple[Any, ...]:
    """The values the yml's ``accepted_values`` test of ``mart.column`` allows."""
    return public_marts()[mart].accepted_values[column]


# Values shared by several readers.
GRAINS: tuple[str, ...] = accepted_values("fct_topic_trends", "grain")
CLAIM_TYPES: tuple[str, ...] = accepted_values("fct_claims", "claim_type")
DIRECTIONS: tuple[str, ...] = accepted_values("fct_claims", "direction")
QUALIFIERS: tuple[str, ...] = accepted_values("fct_claims", "qualifier")
