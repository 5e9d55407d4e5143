"""Trends: themes by default (smoothed lines of papers and share), drill into a theme's topics."""

from __future__ import annotations

import data_access as da
import pandas as pd
import streamlit as st

from flows.read.readers import GRAINS

SMOOTHING = {"day": 7, "week": 4, "month": 3}  # windows in the rolling mean of the lines
DEFAULT_THEMES = 8

st.title("Topic trends")
themes = da.query("list_themes")
if themes.empty:
    st.info("The published warehouse has no themes yet.")
    st.stop()

theme_labels = dict(zip(themes["theme_id"], themes["label"], strict=True))
left, right = st.columns([3, 1])
chosen = left.multiselect(
    "Themes",
    list(theme_labels),
    default=list(theme_labels)[:DEFAULT_THEMES],
    format_func=theme_labels.get,
    key="themes",
)
grain = right.radio("Window", GRAINS, index=2, horizontal=True, key="grain")
smooth = right.checkbox(f"Smooth ({SMOOTHING[grain]} {grain}s)", value=True, key="smooth")


def unique_labels(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Labels made unique per key (two groups may share a label): "label (2)" for the second."""
    firsts = frame.drop_duplicates(key)
    rank = firsts.groupby("label").cumcount()
    names = firsts["label"].where(rank == 0, firsts["label"] + " (" + (rank + 1).astype(str) + ")")
    return frame.assign(label=frame[key].map(dict(zip(firsts[key], names, strict=True))))


def smoothed(trends: pd.DataFrame, value: str) -> pd.DataFrame:
    """One column per label, indexed by window; rolling mean when smoothing is on."""
    wide = trends.pivot_table(index="window_start", columns="label", values=value).sort_index()
    if smooth:
        wide = wide.rolling(SMOOTHING[grain], min_periods=1).mean()
    return wide


def show_lines(trends: pd.DataFrame, what: str) -> None:
    st.subheader(f"{what}: papers per {grain}" + (" (smoothed)" if smooth else ""))
    st.line_chart(smoothed(trends, "n_papers"), x_label=grain, y_label="papers", height=420)
    st.subheader(f"{what}: share of all papers per {grain}")
    st.line_chart(smoothed(trends, "share"), x_label=grain, y_label="share", height=300)


def latest_table(trends: pd.DataFrame, name: str) -> None:
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
            columns={"label": name, "n_papers": "papers"}
        ),
        hide_index=True,
    )


if chosen:
    trends = unique_labels(da.query("theme_trends", chosen, grain), "theme_id")
    if trends.empty:
        st.info("No trend rows for these themes.")
    else:
        show_lines(trends, "Themes")
        latest_table(trends, "theme")
else:
    st.info("Choose one or more themes.")

st.divider()
drill = st.selectbox(
    "Drill into a theme's topics",
    [None, *theme_labels],
    format_func=lambda t: "(choose a theme)" if t is None else theme_labels[t],
    key="drill",
)
if drill is not None:
    topics = da.query("theme_topics", drill)
    st.caption(
        f"{len(topics)} topics in “{theme_labels[drill]}”: "
        + "; ".join(f"{r.label} ({r.n_papers})" for r in topics.itertuples())
    )
    topic_trends = da.query("topic_trends", list(topics["topic_id"]), grain)
    topic_trends = unique_labels(topic_trends, "topic_id")
    if topic_trends.empty:
        st.info("No trend rows for this theme's topics.")
    else:
        show_lines(topic_trends, "Topics")
        latest_table(topic_trends, "topic")
