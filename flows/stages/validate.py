"""The quality gate: Great Expectations checkpoints over the candidate warehouse.

The suites live in ``expectations/`` (one module per layer: ``raw_batch``, ``tags``, ``marts``,
``run_over_run``). Each module's ``suites(...)`` returns :class:`FrameSuite` objects: a frame
(a SQL query on the candidate, or a Python function of the connection for derived check frames)
and the GX expectations that frame must meet.

GX runs over pandas, not over DuckDB SQL (GX 1.x's SQL datasource fails every metric on DuckDB):
each frame is fetched from DuckDB with ``.df()`` and validated through one pandas datasource with
one asset + batch definition + validation definition per frame (the frame is handed to GX as a
parquet file, so that one Checkpoint can hold every frame). A run builds exactly one file data
context in a temporary folder; its Data Docs site writes into ``reports/<run_id>/data_docs`` so
every run keeps its own HTML report, built once by the checkpoint's ``UpdateDataDocsAction``.

The candidate is opened read-only; the published warehouse (for the run-over-run suite) is
attached read-only to that connection only while its frames are computed.

Row checks run on what changed. The published warehouse passed the gate; when it passed the same
rules (``rules_version``: the settings, the expectation modules, this module and GX, stamped into
every candidate), a suite with a ``delta_key`` checks only the rows of its frame that the
published warehouse's frame lacks (computed in DuckDB: ``EXCEPT ALL`` of row hashes), with every
row sharing their ``delta_key``. Cross-row facts are columns of the frame (rows per paper, the
next window missing, a topic's members), so a row whose neighbours changed differs too and is
checked again. The gate saves the row hashes of each frame it compared
(``Settings.gate_hashes_dir``/<run id>); the next run's gate reads those of the published run
instead of computing the published frames again (a trend mart's frame is a window function over
every row), and computes them when they are missing or unreadable.
Whole-table checks (the contract, run over run) are aggregates computed in DuckDB and always run.
A first run, changed rules, a frame the published warehouse cannot compute, and ``--full-refresh``
check every row.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import duckdb

from flows.settings import Settings

if TYPE_CHECKING:
    import pandas

# The layers, in the order they run; each is expectations/<layer>.py.
LAYERS = ("raw_batch", "tags", "marts", "run_over_run")
# Name under which the published warehouse is attached while run-over-run frames are computed.
PUBLISHED = "published"
# Leading column added to every frame: the row's number; in a failing row's details, its key
# columns as ``key=value, ...`` (``_RowNames``).
ROW_KEY = "row_key"
# Added to each failing row after the checkpoint: its paper (null where a frame has no
# paper_id), so a failed check names every offending paper (``CheckResult.paper_ids``).
PAPER_KEY = "paper_key"
# The settings sections the expectation modules read (part of ``rules_version``).
RULE_SETTINGS = {"validation", "tagging"}

@dataclass
class FrameSuite:
    """One GX suite over one frame.

    ``frame`` is a SQL query on the candidate connection, a function ``(con, raw_batch)`` returning
    a pandas DataFrame (derived check frames), or None for the raw batch itself. ``requires``
    names tables (``schema.table``) the frame reads: when one is missing the suite is skipped
    (the ``marts.contract`` suite reports missing marts). ``key_columns`` are shown beside
    failing values in the details.

    ``delta_key`` (SQL frames only): the suite checks only changed rows when the published
    warehouse passed the same rules -- the rows the published frame lacks, and every row sharing
    their ``delta_key`` values (``()``: the row alone; a uniqueness check names the columns it
    is unique within, so a second copy of an unchanged row brings the first along). None: every
    row, every run. ``derive`` adds Python-computed columns to the fetched rows (it sees only
    the columns the suite reads: ``query``).
    """

    name: str
    frame: Any
    expectations: list[Any]
    key_columns: list[str] = field(default_factory=list)
    requires: tuple[str, ...] = ()
    delta_key: tuple[str, ...] | None = None
    derive: Callable[[pandas.DataFrame], pandas.DataFrame] | None = None

    def query(self) -> str:
        """The SQL frame narrowed to the columns the suite reads: its key columns, the paper
        (what a failed check names), and every column an expectation names. The checks see
        nothing else, so the gate fetches, hashes and compares nothing else (at 100k papers the
        trend marts are 4.2M rows of 18 columns, 7 of them read). A frame with a table-level
        expectation stays whole."""
        named = [_columns_of(e.configuration.kwargs) for e in self.expectations]
        if not all(named):
            return self.frame
        read = [*self.key_columns, "paper_id", *(c for cs in named for c in cs)]
        wanted = dict.fromkeys(read)
        listed = ", ".join("'" + c.replace("'", "''") + "'" for c in wanted)
        return f"select columns(lambda c: c in ({listed})) from ({self.frame}) as frame"


@dataclass
class CheckResult:
    suite: str
    expectation: str
    column: str | None
    success: bool
    details: str
    paper_ids: list[str] = field(default_factory=list)  # the failing rows' papers
    # a sample of the failing rows: their key columns (row_key) and the checked value(s)
    examples: list[dict[str, Any]] = field(default_factory=list)

    def label(self) -> str:
        """The check in one line: ``suite: expectation(column)``."""
        target = f"({self.column})" if self.column else ""
        return f"{self.suite}: {self.expectation}{target}"

    def __str__(self) -> str:
        return f"{self.label()} -- {self.details}" if self.details else self.label()


@dataclass
class ValidationOutcome:
    success: bool
    passed: int
    failed: int
    results: list[CheckResult]
    data_docs_index: Path | None
    seconds: float = 0.0
    skipped_suites: list[str] = field(default_factory=list)
    # suites that checked only changed rows -> (rows checked, rows of the frame)
    changed_only: dict[str, tuple[int, int]] = field(default_factory=dict)

    def failed_checks(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success]

    def changed_only_note(self) -> str:
        """The reports' line on the suites that checked only changed rows."""
        return (
            "Checked only the rows changed since the published warehouse (same rules): "
            + ", ".join(f"{s}: {n:,} of {t:,} rows" for s, (n, t) in self.changed_only.items())
        )

    def offending_papers(self) -> list[str]:
        """Every paper a failed check names (what ``papertrends quarantine`` can set aside)."""
        return sorted({p for r in self.failed_checks() for p in r.paper_ids})

    def to_dict(self) -> dict[str, Any]:
        return {
            "success": self.success,
            "passed": self.passed,
            "failed": self.failed,
            "seconds": round(self.seconds, 2),
            "data_docs_index": str(self.data_docs_index) if self.data_docs_index else None,
            "skipped_suites": list(self.skipped_suites),
            "changed_only": {s: list(counts) for s, counts in self.changed_only.items()},
            "results": [r.__dict__ for r in self.results],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ValidationOutcome:
        docs = data.get("data_docs_index")
        return cls(
            success=bool(data["success"]),
            passed=int(data["passed"]),
            failed=int(data["failed"]),
            results=[CheckResult(**r) for r in data.get("results", [])],
            data_docs_index=Path(docs) if docs else None,
            seconds=float(data.get("seconds", 0.0)),
            skipped_suites=list(data.get("skipped_suites", [])),
            changed_only={s: tuple(c) for s, c in data.get("changed_only", {}).items()},
        )


@dataclass
class SuiteInputs:
    """What the expectation modules may use to build their suites."""

    settings: Settings
    run_id: str
    now: datetime
    candidate_tables: set[str]  # "schema.table" present in the candidate
    published_tables: set[str] = field(default_factory=set)  # "main.table" in the published file
    raw_batch_columns: list[str] = field(default_factory=list)  # empty without a raw batch
    columns: dict[str, list[str]] = field(default_factory=dict)  # "schema.table" -> candidate's


# ----------------------------------------------------------------------------- suites


def load_layer(settings: Settings, layer: str) -> ModuleType:
    """Import ``expectations/<layer>.py`` from settings.validation.expectations_dir."""
    path = Path(settings.validation.expectations_dir) / f"{layer}.py"
    if not path.is_file():
        raise FileNotFoundError(f"expectation suite module missing: {path}")
    spec = importlib.util.spec_from_file_location(f"papertrends_expectations.{layer}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_suites(
    settings: Settings, inputs: SuiteInputs, *, raw_batch: bool, published: bool
) -> list[FrameSuite]:
    suites: list[FrameSuite] = []
    for layer in LAYERS:
        if layer == "raw_batch" and not raw_batch:
            continue
        if layer == "run_over_run" and not published:
            continue
        suites.extend(load_layer(settings, layer).suites(inputs))
    return suites


# ----------------------------------------------------------------------------- frames


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> set[str]:
    rows = con.execute(
        "select schema_name || '.' || table_name from duckdb_tables() where database_name = ?"
        " union all "
        "select schema_name || '.' || view_name from duckdb_views()"
        " where database_name = ? and not internal",
        [database, database],
    ).fetchall()
    return {r[0] for r in rows}


def _columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    columns: dict[str, list[str]] = {}
    for table, column in con.execute(
        "select schema_name || '.' || table_name, column_name from duckdb_columns()"
        " where database_name = current_database() order by column_index"
    ).fetchall():
        columns.setdefault(table, []).append(column)
    return columns


def _current_database(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select current_database()").fetchone()[0]


def _fetch(
    con: duckdb.DuckDBPyConnection, spec: FrameSuite, raw_batch: pandas.DataFrame | None
) -> pandas.DataFrame:
    if isinstance(spec.frame, str):
        return con.execute(spec.query()).df()
    return spec.frame(con, raw_batch)


# ----------------------------------------------------------------------------- GX


def _gx_context(project_dir: Path, docs_dir: Path):
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="file", project_root_dir=str(project_dir))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.variables.save()
    context.add_data_docs_site(
        site_name="run_report",
        site_config={
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            # validation pages only: suite pages repeat them without results and double the
            # rendering time (Data Docs rendering is most of a checkpoint's time)
            "site_section_builders": {"expectations": "0", "profiling": "0"},
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir),
            },
        },
    )
    return context


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _example(row: Any) -> str:
    """A failing row as ``key=value, ...: checked value``."""
    row = _plain(row)
    if not isinstance(row, dict):
        return _short(row)
    rest = [_short(v) for k, v in row.items() if k not in (ROW_KEY, PAPER_KEY)]
    return str(row.get(ROW_KEY, "")) + (": " + ", ".join(rest) if rest else "")


def _details(result: dict[str, Any], exception: dict[str, Any] | None, examples: int) -> str:
    if exception and exception.get("raised_exception"):
        return f"error: {str(exception.get('exception_message', '')).strip()[:300]}"
    parts: list[str] = []
    if "observed_value" in result:
        parts.append(f"observed {_short(_plain(result['observed_value']), 200)}")
    if result.get("unexpected_count"):
        pct = result.get("unexpected_percent")
        n = result.get("element_count")
        pct_txt = f" ({pct:.1f}%)" if isinstance(pct, int | float) and not math.isnan(pct) else ""
        parts.append(f"{result['unexpected_count']} of {n} rows unexpected{pct_txt}")
        rows = result.get("partial_unexpected_index_list") or []
        values = result.get("partial_unexpected_list") or []
        shown = [_example(r) for r in rows[:examples]] or [
            _short(_plain(v)) for v in values[:examples]
        ]
        if shown:
            parts.append("e.g. " + "; ".join(shown))
    mismatched = (result.get("details") or {}).get("mismatched")
    if mismatched:
        parts.append(f"mismatched {_short(_plain(mismatched), 200)}")
    return "; ".join(parts)


def _failing_rows(result: dict[str, Any], examples: int) -> list[dict[str, Any]]:
    """Up to ``examples`` failing rows as plain dicts (``row_key`` and the checked value)."""
    rows = result.get("partial_unexpected_index_list") or []
    if rows and isinstance(rows[0], dict):
        return [_plain(r) for r in rows[:examples]]
    values = result.get("partial_unexpected_list") or []
    return [{"value": _plain(v)} for v in values[:examples]]


def _plain(value: Any) -> Any:
    """numpy / pandas scalars -> plain Python, for readable details."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        try:
            return value.item()
        except (ValueError, TypeError):
            return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _columns_of(kwargs: dict[str, Any]) -> list[str]:
    """The columns a GX expectation reads, from its kwargs ([] for a table-level one)."""
    named = [kwargs.get("column"), kwargs.get("column_A"), kwargs.get("column_B")]
    return [str(c) for c in [*named, *(kwargs.get("column_list") or [])] if c]


def _column_of(kwargs: dict[str, Any]) -> str | None:
    """The columns of an expectation as a check's name shows them (``a`` or ``a,b``)."""
    return ",".join(_columns_of(kwargs)) or None


@functools.cache
def _run_data_docs_action_class() -> type:
    """UpdateDataDocsAction that renders the whole run in one Data Docs build (defined once:
    GX registers action types globally).

    The stock action rebuilds the site (and re-renders its index) once per validation result;
    with one result per frame that was most of validate_candidate's time.
    """
    from typing import Literal

    from great_expectations.checkpoint import UpdateDataDocsAction

    class UpdateRunDataDocsAction(UpdateDataDocsAction):
        type: Literal["update_run_data_docs"] = "update_run_data_docs"  # type: ignore[assignment]

        def run(self, checkpoint_result, action_context=None) -> dict:
            self._build_data_docs(
                site_names=self.site_names,
                resource_identifiers=list(checkpoint_result.run_results),
            )
            return {}

    UpdateRunDataDocsAction.update_forward_refs(Literal=Literal)
    return UpdateRunDataDocsAction


def _data_docs_action(site_name: str):
    return _run_data_docs_action_class()(name="data_docs", site_names=[site_name])


def _with_row_number(df: pandas.DataFrame) -> pandas.DataFrame:
    """The frame with a leading ``row_key`` column: each row's number (``_RowNames`` names the
    failing ones after the checkpoint; a text key on every row was most of a frame's memory)."""
    import numpy as np

    df = df.copy(deep=False)  # the raw batch is the caller's
    df.insert(0, ROW_KEY, np.arange(len(df), dtype="int64"))
    return df


@dataclass
class _RowNames:
    """A frame's failing rows by name: its key columns as ``key=value, ...`` and its paper, read
    from the frame's parquet file for those rows only."""

    path: Path
    key_columns: Sequence[str]

    def named(self, result: dict[str, Any]) -> dict[str, Any]:
        """GX's result with each unexpected row's number replaced by its name and paper."""
        lists = ("partial_unexpected_index_list", "unexpected_index_list")
        numbers = sorted({
            r[ROW_KEY] for name in lists for r in result.get(name) or []
            if isinstance(r, dict) and ROW_KEY in r
        })
        if not numbers:
            return result
        names = self._names(numbers)
        result = dict(result)
        for name in lists:
            if result.get(name):
                result[name] = [
                    {ROW_KEY: names[r[ROW_KEY]][0], PAPER_KEY: names[r[ROW_KEY]][1]}
                    | {k: v for k, v in r.items() if k != ROW_KEY}
                    if isinstance(r, dict) and ROW_KEY in r else r
                    for r in result[name]
                ]
        return result

    def _names(self, numbers: list[int]) -> dict[int, tuple[str, str | None]]:
        import pyarrow.parquet as pq

        present = pq.read_schema(self.path).names
        keys = [k for k in self.key_columns if k in present]
        read = list(dict.fromkeys([*keys, *(["paper_id"] if "paper_id" in present else [])]))
        rows = pq.read_table(self.path, columns=read).take(numbers).to_pylist() if read else []
        names = {}
        for n, number in enumerate(numbers):
            row = rows[n] if rows else {}
            key = ", ".join(f"{k}={'null' if row[k] is None else row[k]}" for k in keys)
            paper = row.get("paper_id")
            names[number] = (key or f"row {number}", None if paper is None else str(paper))
        return names


def _paper_ids(result: dict[str, Any]) -> list[str]:
    """The papers of a failed check's unexpected rows (all of them: result format COMPLETE)."""
    rows = result.get("unexpected_index_list") or []
    found = {r.get(PAPER_KEY) for r in rows if isinstance(r, dict)}
    return sorted(str(p) for p in found if p is not None and str(p) not in ("", "<NA>", "nan"))


def _write_frame(df: pandas.DataFrame, path: Path) -> None:
    """Parquet for GX; columns of mixed Python objects (e.g. dates as text and as timestamps in
    one raw column) are written as text, as they would print."""
    try:
        df.to_parquet(path, index=False)
    except Exception:  # pyarrow refuses mixed object columns
        mixed = [c for c in df.columns if df[c].dtype == object]
        df = df.astype({c: "string" for c in mixed})
        df.to_parquet(path, index=False)


def _run_checkpoint(
    settings: Settings,
    run_id: str,
    project_dir: Path,
    frames: Sequence[tuple[FrameSuite, Path]],
    docs_dir: Path,
) -> list[CheckResult]:
    """One GX Checkpoint over every frame; returns one CheckResult per expectation.

    Each frame is a parquet file (``_Frames``) and becomes a parquet asset of one pandas
    datasource of the GX project in ``project_dir``, with a whole-file batch definition and a
    validation definition (its suite). One Checkpoint holds them all, so one
    UpdateDataDocsAction renders the whole run's Data Docs in one pass. (Dataframe assets would
    need one checkpoint per frame: a checkpoint passes the same batch parameters, hence the same
    dataframe, to every definition.)
    """
    from great_expectations.core.run_identifier import RunIdentifier

    if not frames:
        return []
    examples = settings.validation.max_examples
    context = _gx_context(project_dir, docs_dir)
    definitions = _validation_definitions(context, frames)
    for definition in definitions:
        _keep_one_batch(definition.batch_definition.data_asset.datasource.get_execution_engine())
    checkpoint = _checkpoint(context, definitions, examples)
    outcome = checkpoint.run(run_id=RunIdentifier(run_name=run_id, run_time=datetime.now(UTC)))
    names = {spec.name: _RowNames(path, spec.key_columns) for spec, path in frames}
    results = [
        _check_result(validation.suite_name, er, examples, names[validation.suite_name])
        for validation in outcome.run_results.values()
        for er in validation.results
    ]
    order = {spec.name: n for n, (spec, _) in enumerate(frames)}
    results.sort(key=lambda r: order[r.suite])
    return results


class _OneBatch(dict):
    """A cache of a GX execution engine's batch manager that keeps only the batch stored last.

    GX's pandas engine keeps every batch it loaded, with its data, until the engine is dropped;
    a checkpoint validates its definitions one after the other through one engine, so every
    frame of the run stayed in memory to the end (2.7 GB at 100k papers on a first build). A
    validation reads only its own batch, the one stored last."""

    def __setitem__(self, key: str, value: Any) -> None:
        self.clear()
        super().__setitem__(key, value)


def _keep_one_batch(engine: Any) -> None:
    """Make ``engine`` keep only the batch being validated (no public way to release one)."""
    manager = engine.batch_manager
    for cache in ("_batch_cache", "_batch_data_cache"):
        if not isinstance(getattr(manager, cache), _OneBatch):
            setattr(manager, cache, _OneBatch(getattr(manager, cache)))


def _validation_definitions(context: Any, frames: Sequence[tuple[FrameSuite, Path]]) -> list[Any]:
    """Per frame (a parquet file): its asset, whole-file batch, suite and validation definition."""
    import great_expectations as gx

    datasource = context.data_sources.add_pandas("candidate")
    definitions = []
    for spec, path in frames:
        asset = datasource.add_parquet_asset(name=spec.name, path=path)
        batch = asset.add_batch_definition_whole_dataframe(spec.name)
        suite = context.suites.add(
            gx.ExpectationSuite(name=spec.name, expectations=spec.expectations)
        )
        definitions.append(
            context.validation_definitions.add(
                gx.ValidationDefinition(name=spec.name, data=batch, suite=suite)
            )
        )
    return definitions


def _checkpoint(context: Any, definitions: list[Any], examples: int) -> Any:
    """The run's one Checkpoint: every definition, COMPLETE results keyed by row number (named
    after the run: ``_RowNames``), Data Docs rendered once."""
    import great_expectations as gx

    return context.checkpoints.add(
        gx.Checkpoint(
            name="papertrends",
            validation_definitions=definitions,
            actions=[_data_docs_action("run_report")],
            result_format={
                "result_format": "COMPLETE",
                "partial_unexpected_count": examples,
                "unexpected_index_column_names": [ROW_KEY],
            },
        )
    )


def _check_result(suite: str, er: Any, examples: int, names: _RowNames) -> CheckResult:
    """One expectation's GX result as a CheckResult of ``suite`` (failing rows by name)."""
    cfg = er.expectation_config
    result = names.named(er.result or {})
    return CheckResult(
        suite=suite,
        expectation=cfg.type,
        column=_column_of(cfg.kwargs),
        success=bool(er.success),
        details=_details(result, er.exception_info, examples),
        paper_ids=[] if er.success else _paper_ids(result),
        examples=_failing_rows(result, examples),
    )


# ----------------------------------------------------------------------------- entry point


def validate_candidate(
    settings: Settings,
    candidate: Path,
    *,
    run_id: str,
    raw_batch: pandas.DataFrame | None = None,
    every_row: bool = False,
) -> ValidationOutcome:
    """Run every suite on the candidate warehouse and build this run's Data Docs.

    Suites: the raw batch (``raw_batch``: this run's new/updated raw records; None skips it), the
    tags, every mart, and -- when ``settings.warehouse_path`` exists -- the run-over-run checks
    against the published warehouse. Row checks run on the rows that changed since the published
    warehouse when it passed the same rules (module doc); ``every_row`` checks every row anyway.
    Neither file is modified.
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    started = time.perf_counter()
    candidate = Path(candidate)
    if not candidate.is_file():
        raise FileNotFoundError(f"candidate warehouse not found: {candidate}")
    docs_dir = settings.reports_dir / run_id / "data_docs"
    docs_dir.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix=f"gx-{run_id}-") as project_dir:
        fetched = _fetch_frames(
            settings, candidate, run_id, raw_batch, Path(project_dir), every_row=every_row
        )
        results = fetched.errors + _run_checkpoint(
            settings, run_id, Path(project_dir), fetched.frames, docs_dir
        )
    failed = sum(1 for r in results if not r.success)
    index = docs_dir / "index.html"
    return ValidationOutcome(
        success=failed == 0 and bool(results),
        passed=len(results) - failed,
        failed=failed,
        results=results,
        data_docs_index=index if index.is_file() else None,
        seconds=time.perf_counter() - started,
        skipped_suites=fetched.skipped,
        changed_only=fetched.changed_only,
    )


# Every raw record no published run has published (this run's, and those of runs that failed or
# were killed), without the papers set aside: the raw batch the gate judges.
UNPUBLISHED_RAW = """
select * from raw_papers
where not list_contains(?::varchar[], run_id)
    and paper_id not in (select paper_id from set_aside)
"""


def validate_run(
    settings: Settings, candidate: Path, *, run_id: str, every_row: bool = False
) -> ValidationOutcome:
    """``validate_candidate`` with the run's raw batch (``UNPUBLISHED_RAW``), read from the lake
    by the process that validates (the stage worker), not sent to it: a first run's batch is
    every record."""
    from flows.lib.lake import open_lake
    from flows.stages.publish import published_run_ids

    published = published_run_ids(settings)
    with open_lake(settings.lake_path, read_only=True) as con:
        raw_batch = con.execute(UNPUBLISHED_RAW, [published]).df()
    return validate_candidate(
        settings, candidate, run_id=run_id, raw_batch=raw_batch, every_row=every_row
    )


def rules_version(settings: Settings) -> str:
    """The rules the gate applies (16 hex characters): the settings the suites read (validation
    and tagging), the expectation modules, this module and GX's version. Stamped into each
    candidate (``raw.build_inputs``)."""
    from importlib.metadata import version

    from flows.stages.fingerprint import code_hash

    digest = hashlib.sha256()
    for part in (
        settings.model_dump_json(include=RULE_SETTINGS),
        version("great_expectations"),
        code_hash([Path(settings.validation.expectations_dir)]),
    ):
        digest.update(part.encode() + b"\0")
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class _Frames:
    """What the suites got from the candidate: their frames, a failed check for each frame (or
    published warehouse) that could not be read, the suites skipped for missing tables, and the
    suites that checked only changed rows.

    Each frame is written to a parquet file in ``folder`` as soon as it is fetched (with its
    row and paper keys) and only the file is kept: one frame at a time is in memory, not every
    frame of the run (every row of every mart on a first build). ``hashes``: where the frames'
    row hashes are saved, and the published run's read when it passed the same rules.
    """

    folder: Path
    hashes: _FrameHashes | None = None
    frames: list[tuple[FrameSuite, Path]] = field(default_factory=list)
    errors: list[CheckResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    changed_only: dict[str, tuple[int, int]] = field(default_factory=dict)

    def add(
        self,
        con: duckdb.DuckDBPyConnection,
        spec: FrameSuite,
        inputs: SuiteInputs,
        raw_batch: pandas.DataFrame | None,
        *,
        against_published: bool,
    ) -> None:
        missing = [t for t in spec.requires if t not in inputs.candidate_tables]
        if missing:
            self.skipped.append(f"{spec.name} (missing {', '.join(missing)})")
        elif spec.frame is None:
            self._keep(spec, raw_batch)
        else:
            try:
                df = None
                if against_published and spec.delta_key is not None:
                    df = self._changed_rows(con, spec)
                if df is None:
                    df = _fetch(con, spec, raw_batch)
                    if spec.delta_key is not None and self.hashes:
                        self.hashes.save_frame(con, spec.name, spec.query())
                self._keep(spec, spec.derive(df) if spec.derive else df)
            except (duckdb.Error, KeyError, ValueError, TypeError) as exc:
                # a frame that cannot be built (missing column, bad SQL) fails its suite
                self.errors.append(
                    CheckResult(
                        spec.name, "build_frame", None, False,
                        f"error: {type(exc).__name__}: {exc}",
                    )
                )

    def _keep(self, spec: FrameSuite, df: pandas.DataFrame) -> None:
        path = self.folder / f"{spec.name}.parquet"
        _write_frame(_with_row_number(df), path)
        self.frames.append((spec, path))

    def _changed_rows(
        self, con: duckdb.DuckDBPyConnection, spec: FrameSuite
    ) -> pandas.DataFrame | None:
        """The rows of ``spec``'s frame the published warehouse's frame lacks, with every row
        sharing their ``delta_key``; None when the published frame cannot be computed (a table or
        column it lacks) or has other columns (then every row is checked)."""
        try:
            return self._compare_frames(con, spec)
        finally:
            con.execute("drop table if exists temp.candidate_frame;"
                        " drop table if exists temp.published_frame")

    def _compare_frames(
        self, con: duckdb.DuckDBPyConnection, spec: FrameSuite
    ) -> pandas.DataFrame | None:
        query = spec.query()
        published = self.hashes.read(con, spec.name) if self.hashes else None
        if published is None:
            published = _published_frame(con, query)
            if published is None:
                return None
        key = ", ".join(f"f.{quote_identifier(k)}" for k in spec.delta_key)
        con.execute(
            "create temp table candidate_frame as"
            f" select hash(f) as {_ROW_HASH}, hash({key or 'f'}) as {_KEY_HASH}, f.*"
            f" from ({query}) f"
        )
        columns = _frame_columns(con, "candidate_frame")[2:]
        if published != columns:
            return None
        if self.hashes:
            self.hashes.save(con, spec.name, columns)
        df = con.execute(CHANGED_ROWS if key else CHANGED_ROWS_ALONE).df()
        total = con.execute("select count(*) from temp.candidate_frame").fetchone()[0]
        self.changed_only[spec.name] = (len(df), total)
        return df


def _published_frame(
    con: duckdb.DuckDBPyConnection, query: str
) -> list[tuple[str, str]] | None:
    """The published warehouse's frame of ``query`` as row hashes (temp.published_frame);
    returns its columns, or None when the published warehouse cannot compute it."""
    candidate_db = _current_database(con)
    try:
        con.execute(f"use {PUBLISHED}")
        columns = _query_columns(con, query)
        con.execute(f"create temp table published_frame as select hash(f) as h from ({query}) f")
    except duckdb.Error:
        return None
    finally:
        con.execute(f"use {quote_identifier(candidate_db)}")
    return columns


def _query_columns(con: duckdb.DuckDBPyConnection, query: str) -> list[tuple[str, str]]:
    """(name, type) of the columns of ``query``, as ``_frame_columns`` lists a table's."""
    con.execute(f"create temp table query_shape as select * from ({query}) limit 0")
    try:
        return _frame_columns(con, "query_shape")
    finally:
        con.execute("drop table temp.query_shape")


@dataclass
class _FrameHashes:
    """The row hashes of the frames of this run's gate (suites with a ``delta_key``), saved to
    ``save_to`` with the frame's columns, and those the published run's gate saved
    (``published``: its folder; None when it passed other rules or is unknown). A file that is
    missing or unreadable is computed again."""

    save_to: Path
    published: Path | None

    def read(
        self, con: duckdb.DuckDBPyConnection, suite: str
    ) -> list[tuple[str, str]] | None:
        """The published frame's hashes as temp.published_frame; returns its columns, or None
        when they were not saved."""
        if self.published is None:
            return None
        data, columns = self._files(self.published, suite)
        try:
            saved = [tuple(c) for c in json.loads(columns.read_text())]
            con.execute(
                "create temp table published_frame as"
                f" select h from read_parquet('{_sql_path(data)}')"
            )
        except (OSError, ValueError, TypeError, duckdb.Error):
            con.execute("drop table if exists temp.published_frame")
            return None
        return saved

    def save(
        self, con: duckdb.DuckDBPyConnection, suite: str, columns: list[tuple[str, str]]
    ) -> None:
        """temp.candidate_frame's row hashes, and ``columns``."""
        self._write(con, suite, columns, f"select {_ROW_HASH} as h from temp.candidate_frame")

    def save_frame(self, con: duckdb.DuckDBPyConnection, suite: str, query: str) -> None:
        """The row hashes and columns of the frame ``query``, checked whole (every row of a
        first run, a full refresh or new rules), so that the next run reads them too."""
        self._write(
            con, suite, _query_columns(con, query), f"select hash(f) as h from ({query}) f"
        )

    def _write(
        self, con: duckdb.DuckDBPyConnection, suite: str, columns: list[tuple[str, str]],
        hashes: str,
    ) -> None:
        """The parquet file is written under another name and renamed last, so a reader finds
        both files whole or none."""
        data, meta = self._files(self.save_to, suite)
        data.parent.mkdir(parents=True, exist_ok=True)
        meta.write_text(json.dumps(columns))
        partial = data.with_suffix(".partial")
        con.execute(f"copy ({hashes}) to '{_sql_path(partial)}' (format parquet)")
        os.replace(partial, data)

    @staticmethod
    def _files(folder: Path, suite: str) -> tuple[Path, Path]:
        return folder / f"{suite}.parquet", folder / f"{suite}.columns.json"

    @classmethod
    def for_run(
        cls, settings: Settings, run_id: str, published_run: str | None
    ) -> _FrameHashes:
        """This run's folder, the published run's, and no other (older runs' are deleted)."""
        root = settings.gate_hashes_dir
        keep = {run_id, published_run}
        if root.is_dir():
            for folder in root.iterdir():
                if folder.name not in keep:
                    shutil.rmtree(folder, ignore_errors=True)
        published = root / published_run if published_run else None
        return cls(save_to=root / run_id, published=published)


# The candidate frame's rows whose key (hash of the delta_key columns) is that of a row the
# published frame lacks (EXCEPT ALL: a second copy of a published row counts). The candidate
# frame is computed once, with each row's hash and key hash (its query can hold a window
# function over the whole mart); the published frame is kept as row hashes only. A changed row
# would pass unchecked only if its hash were that of a published row the candidate lost.
_ROW_HASH, _KEY_HASH = "row_hash__", "key_hash__"
CHANGED_ROWS = f"""
    select * exclude ({_ROW_HASH}, {_KEY_HASH}) from temp.candidate_frame
    where {_KEY_HASH} in (
        select {_KEY_HASH} from temp.candidate_frame
        where {_ROW_HASH} in (
            select {_ROW_HASH} from temp.candidate_frame
            except all
            select h from temp.published_frame
        )
    )
"""


# The same for a delta_key of () (the row alone): the rows whose hash is one the published frame
# lacks.
CHANGED_ROWS_ALONE = f"""
    select * exclude ({_ROW_HASH}, {_KEY_HASH}) from temp.candidate_frame
    where {_ROW_HASH} in (
        select {_ROW_HASH} from temp.candidate_frame
        except all
        select h from temp.published_frame
    )
"""


def _frame_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from duckdb_columns()"
        " where database_name = 'temp' and table_name = ? order by column_index",
        [table],
    ).fetchall()


def quote_identifier(name: str) -> str:
    """``name`` as a quoted SQL identifier (a table, column or database name)."""
    return '"' + name.replace('"', '""') + '"'


def _fetch_frames(
    settings: Settings,
    candidate: Path,
    run_id: str,
    raw_batch: pandas.DataFrame | None,
    folder: Path,
    *,
    every_row: bool,
) -> _Frames:
    """Every suite's frame as a parquet file in ``folder``, from the candidate opened read-only
    (with the published warehouse, when there is one, attached read-only while they are
    computed)."""
    path = settings.warehouse_path
    published = path if path.is_file() and path.resolve() != candidate.resolve() else None
    fetched = _Frames(folder / "frames")
    fetched.folder.mkdir()
    with duckdb.connect(str(candidate), read_only=True) as con:
        inputs = SuiteInputs(
            settings=settings,
            run_id=run_id,
            now=datetime.now(UTC),
            candidate_tables=_tables(con, _current_database(con)),
            raw_batch_columns=list(raw_batch.columns) if raw_batch is not None else [],
            columns=_columns(con),
        )
        with _published_attached(con, published, inputs, fetched.errors) as has_published:
            rules, published_run = _published_stamp(con) if has_published else (None, None)
            same_rules = not every_row and rules == rules_version(settings)
            fetched.hashes = _FrameHashes.for_run(
                settings, run_id, published_run if same_rules else None
            )
            suites = build_suites(
                settings, inputs, raw_batch=raw_batch is not None, published=has_published
            )
            for spec in suites:
                fetched.add(con, spec, inputs, raw_batch, against_published=same_rules)
    return fetched


def _published_stamp(con: duckdb.DuckDBPyConnection) -> tuple[str | None, str | None]:
    """The rules the published warehouse passed and the run that built it (its stamp); None
    for what it does not say."""
    from flows.stages.fingerprint import STAMP_TABLE

    try:
        row = con.execute(f"select gate_rules, run_id from {PUBLISHED}.{STAMP_TABLE}").fetchone()
    except duckdb.Error:
        return None, None
    return (row[0], row[1]) if row else (None, None)


@contextmanager
def _published_attached(
    con: duckdb.DuckDBPyConnection,
    path: Path | None,
    inputs: SuiteInputs,
    errors: list[CheckResult],
) -> Iterator[bool]:
    """The published warehouse ``path`` attached read-only as ``published`` inside the block,
    its tables in ``inputs.published_tables``; yields whether it is attached. An unreadable file
    adds a failed check to ``errors`` (the gate fails and says why)."""
    if path is not None:
        try:
            con.execute(f"attach '{_sql_path(path)}' as {PUBLISHED} (read_only)")
        except duckdb.Error as exc:
            errors.append(
                CheckResult("run_over_run", "open_published_warehouse", None, False,
                            f"error: {exc}")
            )
            path = None
    if path is None:
        yield False
        return
    inputs.published_tables = {t for t in _tables(con, PUBLISHED) if t.startswith("main.")}
    try:
        yield True
    finally:
        con.execute(f"detach {PUBLISHED}")


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
