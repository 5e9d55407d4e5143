"""The topics rising in one window (is_rising: the one rule), with the evidence behind each."""

from __future__ import annotations

from datetime import timedelta

import data_access as da
import streamlit as st

from flows.read.readers import GRAINS, window_bounds

st.title("Rising topics")
left, right = st.columns([1, 2])
grain = left.radio("Window", GRAINS, index=1, horizontal=True, key="rising_grain")
windows = da.query("trend_windows", grain)
if not windows:
    st.info("No trend windows in the published warehouse.")
    st.stop()
start = right.selectbox(
    f"{grain.capitalize()} starting", windows, index=0, key=f"rising_window_{grain}",
    format_func=lambda d: f"{d:%Y-%m-%d}",
)
rule = da.settings().transform.rising
baseline = rule.baseline_windows.get(grain)
st.caption(
    f"A topic is rising when it has at least {rule.min_papers} papers in the {grain} and its "
    f"share of the {grain}'s papers is at least {rule.min_ratio:g}x its share over the previous "
    f"{baseline} {grain}s, by a margin that chance explains poorly (score at least "
    f"{rule.min_score:g}, a Poisson test that respects small counts)."
)
rising = da.query("rising_topics", grain, start, 15)
if rising.empty:
    st.info(f"No topic is rising in this {grain}.")
    st.stop()

start, end = window_bounds(start, grain)
papers = da.query("topic_papers", list(rising["topic_id"]), start, end, 5)
last_day = end - timedelta(days=1)
st.caption(f"{len(rising)} topics rising in the {grain} {start:%Y-%m-%d} – {last_day:%Y-%m-%d}")
for row in rising.to_dict("records"):
    badges = [":red-badge[emerging]"] if row["is_emerging"] else []
    if row["is_new"]:
        badges.append(":blue-badge[new]")
    st.markdown(f"### {da.md(row['label'])} {' '.join(badges)}")
    st.markdown(
        f"**{row['n_papers']} papers**, {da.fmt_pct(row['share'])} of the {grain} "
        f"(before: {da.fmt_pct(row['baseline_share'])}, "
        f"{da.fmt_num(row['baseline_n_papers'], '.0f')} papers in the previous {baseline} "
        f"{grain}s), score {da.fmt_num(row['rising_score'], '.1f')}"
        f"  \nkeyphrases: {da.md(row['top_keyphrases'])}"
    )
    behind = papers[papers["topic_id"] == row["topic_id"]]
    st.markdown("\n".join(
        f"- {da.md(p['title'])} — {da.upvotes(p['upvotes'])}, {p['activity_date']:%Y-%m-%d} "
        f"{da.paper_links(p)}"
        for p in behind.to_dict("records")
    ))
