"""Rising and emerging topics of one window, with the papers behind each."""

from __future__ import annotations

from datetime import timedelta

import data_access as da
import streamlit as st

from flows.readers import GRAINS, window_bounds

st.title("Rising and emerging topics")
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
rising = da.query("rising_topics", grain, start, 15)
if rising.empty:
    st.info("No topic grew in this window.")
    st.stop()

start, end = window_bounds(start, grain)
papers = da.query("topic_papers", list(rising["topic_id"]), start, end, 5)
last_day = end - timedelta(days=1)
st.caption(f"{len(rising)} topics grew in the {grain} {start:%Y-%m-%d} – {last_day:%Y-%m-%d}")
for row in rising.to_dict("records"):
    badges = []
    if row["is_emerging"]:
        badges.append(":red-badge[emerging]")
    if row["is_new"]:
        badges.append(":blue-badge[new]")
    st.markdown(f"### {da.md(row['label'])} {' '.join(badges)}")
    st.markdown(
        f"**{row['n_papers']} papers** ({da.fmt_pct(row['share'])} of the {grain})"
        + (f", {da.fmt_num(row['change_abs'], '+.0f')} vs previous "
           f"({da.fmt_num(row['prev_n_papers'], '.0f')})"
           if da.present(row["prev_n_papers"]) else "")
        + (f", z-score {da.fmt_num(row['zscore_8'], '.1f')}"
           if da.present(row["zscore_8"]) else "")
        + f"  \nkeyphrases: {da.md(row['top_keyphrases'])}"
    )
    behind = papers[papers["topic_id"] == row["topic_id"]]
    st.markdown("\n".join(
        f"- {da.md(p['title'])} — {da.upvotes(p['upvotes'])}, {p['activity_date']:%Y-%m-%d} "
        f"{da.paper_links(p)}"
        for p in behind.to_dict("records")
    ))
