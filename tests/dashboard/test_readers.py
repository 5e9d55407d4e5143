"""flows.read.readers against a warehouse with the marts contract (expected values from SQL)."""

from __future__ import annotations

import json
import os
import shutil
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from flows.lib.errors import UserError
from flows.read import readers
from flows.read.dashboard import APP, dashboard_command
from flows.settings import Settings
from tests.dashboard.runs import copy_with_run_id, write_summary


def sql(settings: Settings, query: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


def test_topic_trends_are_the_marts_rows(published: Settings) -> None:
    top = [r[0] for r in sql(published, "select topic_id from dim_topics "
                                        "order by n_papers desc, topic_id limit 2")]
    frame = readers.topic_trends(published, top, "week")
    expected = sql(published, "select count(*), sum(n_papers) from fct_topic_trends "
                              "where grain = 'week' and topic_id in (?, ?)", top)[0]
    assert (len(frame), int(frame["n_papers"].sum())) == expected
    assert set(frame["topic_id"]) == set(top)
    assert list(frame["window_start"]) == sorted(frame["window_start"])
    with pytest.raises(UserError, match="unknown window"):
        readers.topic_trends(published, top, "year")


def test_search_matches_keyphrases_titles_and_abstracts(published: Settings) -> None:
    phrase = sql(published, "select keyphrase from fct_paper_keywords group by 1 "
                            "order by count(*) desc, 1 limit 1 offset 5")[0][0]
    expected = sql(published, """
        select count(*) from dim_papers p where contains(lower(p.title), ?)
           or contains(lower(p.abstract), ?)
           or exists (select 1 from fct_paper_keywords k
                      where k.paper_id = p.paper_id and contains(k.keyphrase, ?))""",
                   [phrase] * 3)[0][0]
    found = readers.search_papers(published, phrase.upper(), limit=20)
    assert int(found["n_matches"].iloc[0]) == expected
    assert len(found) == min(20, expected)
    assert found["strong_hit"].iloc[0]


def test_search_input_is_never_sql(published: Settings) -> None:
    for text in ("'; drop table dim_papers; --", "100%_", "o'brien \" \\"):
        assert readers.search_papers(published, text).empty
    assert sql(published, "select count(*) from dim_papers")[0][0] > 0
    assert readers.search_papers(published, "   ").empty


def test_claims_filtered_and_sorted_by_value(published: Settings) -> None:
    claim_type, unit, n, top = sql(published, """
        select claim_type, unit, count(*), max(value) from fct_claims
        where unit is not null and unit <> '' group by all order by 3 desc limit 1""")[0]
    facets = readers.claim_facets(published)
    assert claim_type in facets["claim_type"] and unit in facets["unit"]
    claims = readers.search_claims(published, claim_types=[claim_type], unit=unit, limit=25)
    assert int(claims["n_matches"].iloc[0]) == n
    assert set(claims["claim_type"]) == {claim_type} and set(claims["unit"]) == {unit}
    assert claims["value"].iloc[0] == top
    assert list(claims["value"]) == sorted(claims["value"], reverse=True)
    lowest = readers.search_claims(published, claim_types=[claim_type], unit=unit,
                                   descending=False, limit=5)
    assert lowest["value"].iloc[0] == sql(published, "select min(value) from fct_claims "
                                                     "where claim_type = ? and unit = ?",
                                          [claim_type, unit])[0][0]
    topic = sql(published, "select topic_id from dim_topics order by n_papers desc limit 1")[0][0]
    in_topic = readers.search_claims(published, topic_id=topic, limit=1000)
    expected = sql(published, "select count(*) from fct_claims c where exists (select 1 from "
                              "fct_paper_topics t where t.paper_id = c.paper_id and "
                              "t.topic_id = ?)", [topic])[0][0]
    assert len(in_topic) == min(1000, expected)


def test_missing_warehouse_is_a_clear_error(settings: Settings) -> None:
    assert readers.warehouse_version(settings) is None
    with pytest.raises(readers.WarehouseNotFound, match="no published warehouse") as info:
        readers.list_topics(settings)
    assert isinstance(info.value, UserError)
    assert str(settings.warehouse_path) in str(info.value)
    status = readers.run_status(settings)
    assert status.warehouse is None and status.published is None


def test_a_newly_published_file_is_read(published: Settings, tmp_path: Path) -> None:
    before = readers.warehouse_version(published)
    old_run = readers.published_run(published)["run_id"]
    staged = copy_with_run_id(published.warehouse_path, tmp_path / "next.duckdb", "run-next")
    os.replace(staged, published.warehouse_path)
    after = readers.warehouse_version(published)
    assert after is not None and after.key != before.key
    assert readers.published_run(published)["run_id"] == "run-next" != old_run


def test_queries_keep_working_while_the_file_is_replaced(
    published: Settings, tmp_path: Path
) -> None:
    copies = [copy_with_run_id(published.warehouse_path, tmp_path / f"c{i}.duckdb", f"r{i}")
              for i in range(2)]
    n = sql(published, "select count(*) from dim_papers")[0][0]
    stop, started = threading.Event(), threading.Event()

    def publish_repeatedly() -> None:
        i = 0
        while not stop.is_set():
            staging = published.warehouse_path.with_name("incoming.duckdb")
            shutil.copyfile(copies[i % 2], staging)
            os.replace(staging, published.warehouse_path)
            started.set()
            i += 1

    thread = threading.Thread(target=publish_repeatedly)
    thread.start()
    try:
        assert started.wait(30)
        runs = set()
        for _ in range(15):
            rows = readers.fetch_rows(published, "select count(*) as n from dim_papers")
            assert rows[0]["n"] == n
            runs.add(readers.published_run(published)["run_id"])
    finally:
        stop.set()
        thread.join()
    assert runs <= {"r0", "r1"} and runs


def test_run_status_banner_when_the_latest_run_failed(published: Settings) -> None:
    run_id = readers.published_run(published)["run_id"]
    now = datetime.now(UTC)
    write_summary(published.reports_dir, run_id, status="published", published=True,
                  finished_at=now - timedelta(hours=2))
    status = readers.run_status(published)
    assert status.published_summary.run_id == run_id
    assert status.published_summary.data_docs.is_file()
    assert not status.latest_failed and status.banner is None

    write_summary(published.reports_dir, "run-broken", status="failed", published=False,
                  finished_at=now, failed_checks=["dim_papers shrank by 40%"])
    status = readers.run_status(published)
    assert status.latest_failed
    assert "run-broken" in status.banner and run_id in status.banner
    assert "dim_papers shrank by 40%" in status.banner
    assert status.published_summary.run_id == run_id  # the validation shown is the published one

    # a run that published after the failed one: the data shown is current again
    staged = copy_with_run_id(published.warehouse_path, published.home / "next.duckdb", "run-ok")
    os.replace(staged, published.warehouse_path)
    assert readers.run_status(published).banner is None


def test_summaries_are_read_defensively(settings: Settings) -> None:
    bare = settings.reports_dir / "run-bare"
    bare.mkdir(parents=True)
    (bare / "summary.json").write_text(json.dumps({"run_id": "run-bare"}), encoding="utf-8")
    broken = settings.reports_dir / "run-half"
    broken.mkdir()
    (broken / "summary.json").write_text('{"run_id": "run-ha', encoding="utf-8")
    summaries = {s.run_id: s for s in readers.list_summaries(settings)}
    assert summaries["run-bare"].status == "unreadable" and not summaries["run-bare"].failed
    assert summaries["run-half"].error and not summaries["run-half"].failed
    assert readers.run_status(settings).banner is None


def test_dashboard_command_serves_the_app_on_localhost(settings: Settings) -> None:
    argv = dashboard_command(settings, 8612)
    assert argv[1:4] == ["-m", "streamlit", "run"] and Path(argv[4]) == APP and APP.is_file()
    flags = dict(zip(argv[5:argv.index("--")][::2], argv[5:argv.index("--")][1::2], strict=True))
    assert flags["--server.address"] == "127.0.0.1"
    assert flags["--server.port"] == "8612"
    assert flags["--server.headless"] == "true"
    assert flags["--browser.gatherUsageStats"] == "false"
    assert argv[argv.index("--") + 1:] == ["--home", str(settings.home)]
    assert dashboard_command(settings, None)[argv.index("--server.port") + 1] == str(
        settings.dashboard.port)
