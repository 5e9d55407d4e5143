"""The promise of "rising": support and a real change of share, not a noisy jump of counts.

Over the warehouse the real dbt build makes from the constructed history (conftest.py), and
through the readers and the digest that show it.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from flows.read import readers
from flows.read.digest import render_digest
from flows.settings import Settings

APRIL, MAY = date(2025, 4, 1), date(2025, 5, 1)


def month_row(settings: Settings, topic_id: str, start: date) -> dict:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        cur = con.execute("select * from fct_topic_trends where grain = 'month' "
                          "and topic_id = ? and window_start = ?", [topic_id, start])
        names = [d[0] for d in cur.description]
        return dict(zip(names, cur.fetchone(), strict=True))
    finally:
        con.close()


def rising_months(settings: Settings) -> set[tuple[str, date]]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        rows = con.execute("select topic_id, window_start from fct_topic_trends "
                           "where grain = 'month' and is_rising").fetchall()
        return set(rows)
    finally:
        con.close()


def test_a_topic_whose_share_doubles_with_support_is_rising(rising_settings: Settings) -> None:
    row = month_row(rising_settings, "t_grow", APRIL)
    assert (row["n_papers"], row["share"]) == (20, pytest.approx(0.2))
    assert (row["baseline_n_papers"], row["baseline_share"]) == (30, pytest.approx(0.1))
    assert row["is_rising"]
    assert row["rising_score"] >= rising_settings.transform.rising.min_score


def test_one_to_three_papers_is_not_rising(rising_settings: Settings) -> None:
    """The issue's noise: 1 -> 3 papers, a z-score far above 2, but below the minimum support."""
    row = month_row(rising_settings, "t_small", MAY)
    assert (row["prev_n_papers"], row["n_papers"]) == (1, 3)
    assert row["zscore_8"] >= 2 and row["change_abs"] > 0  # the old rule flagged it
    assert row["n_papers"] < rising_settings.transform.rising.min_papers
    assert not row["is_rising"]


def test_steady_topics_and_the_months_after_a_rise_are_not_rising(
    rising_settings: Settings,
) -> None:
    assert rising_months(rising_settings) == {("t_grow", APRIL)}
    # no baseline, no verdict: the data's first month has no score
    assert month_row(rising_settings, "t_grow", date(2025, 1, 1))["rising_score"] is None


def test_readers_list_only_rising_topics_with_their_evidence(rising_settings: Settings) -> None:
    rising = readers.rising_topics(rising_settings, "month", APRIL)
    assert list(rising["topic_id"]) == ["t_grow"]
    top = rising.iloc[0]
    assert (top["n_papers"], top["baseline_n_papers"]) == (20, 30)
    assert top["share"] == pytest.approx(0.2) and top["baseline_share"] == pytest.approx(0.1)
    assert readers.rising_topics(rising_settings, "month", MAY).empty
    papers = readers.topic_papers(rising_settings, ["t_grow"], APRIL, MAY, per_topic=3)
    con = duckdb.connect(str(rising_settings.warehouse_path), read_only=True)
    try:
        best = con.execute("""
            select p.title from fct_paper_topics t join dim_papers p using (paper_id)
            where t.topic_id = 't_grow' and p.activity_date >= ? and p.activity_date < ?
            order by p.upvotes desc, p.title limit 3""", [APRIL, MAY]).fetchall()
    finally:
        con.close()
    assert list(papers["title"]) == [title for (title,) in best]


def test_the_digest_uses_the_same_rule(rising_settings: Settings) -> None:
    april = render_digest(rising_settings, date=date(2025, 4, 15), window="month")
    text = april.markdown_path.read_text(encoding="utf-8")
    rising = text[text.index("## Rising topics"):text.index("## New topics")]
    assert "### speculative decoding" in rising
    assert "20 papers, 20.0% of the month (before: 10.0%, 30 papers in the previous 3 months)" \
        in rising
    assert april.n_rising == 1
    may = render_digest(rising_settings, date=date(2025, 5, 15), window="month")
    text = may.markdown_path.read_text(encoding="utf-8")
    assert "kv cache eviction" not in text[text.index("## Rising topics"):]
    assert may.n_rising == 0
