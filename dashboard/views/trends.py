"""Topic trends: papers and share per window for chosen topics."""

from __future__ import annotations

import data_access as da
import streamlit as st

from flows.readers import GRAINS

st.title("Topic trends")
topics = da.query("list_topics")
if topics.empty:
    st.info("The published warehouse has no topics yet.")
    st.stop()

labels = dict(zip(topics["topic_id"], topics["label"], strict=True))
left, right = st.columns([3, 1])
chosen = left.multiselect(
    "Topics", list(labels), default=list(labels)[:5], format_func=labels.get, key="topics"
)
grain = right.radio("Window", GRAINS, index=1, horizontal=True, key="grain")
if not chosen:
    st.info("Choose one or more topics.")
    st.stop()

trends = da.query("topic_trends", chosen, grain)
if trends.empty:
    st.info("No trend rows for these topics.")
    st.stop()

papers = trends.pivot_table(index="window_start", columns="label", values="n_papers")
share = trends.pivot_table(index="window_start", columns="label", values="share")
st.subheader(f"Papers per {grain}")
st.line_chart(papers, x_label=grain, y_label="papers")
st.subheader(f"Share of all papers per {grain}")
st.line_chart(share, x_label=grain, y_label="share")

last_start = trends["window_start"].max()
latest = trends[trends["window_start"] == last_start].sort_values(
    ["n_papers", "label"], ascending=[False, True]
)
partial = bool(latest["is_partial_window"].any())
st.subheader(f"Latest {grain}: {last_start:%Y-%m-%d}" + (" (partial)" if partial else ""))
st.table(
    latest.assign(
        share=latest["share"].map(da.fmt_pct),
        change=latest["change_abs"].map(lambda v: da.fmt_num(v, "+.0f")),
        emerging=latest["is_emerging"].map(lambda v: "yes" if v else ""),
    )[["label", "n_papers", "share", "change", "emerging"]].rename(
        columns={"label": "topic", "n_papers": "papers"}
    ),
    hide_index=True,
)
