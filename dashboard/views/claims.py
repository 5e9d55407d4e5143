"""Claims explorer: quantitative claims by topic, type, metric and unit, sorted by value."""

from __future__ import annotations

import data_access as da
import streamlit as st

st.title("Claims explorer")
facets = da.query("claim_facets")
topics = da.query("list_topics")
labels = dict(zip(topics["topic_id"], topics["label"], strict=True))
ANY = "(any)"

c1, c2, c3, c4, c5 = st.columns([2, 2, 2, 1, 1])
topic = c1.selectbox("Topic", [ANY, *labels], format_func=lambda t: labels.get(t, t),
                     key="claims_topic")
types = c2.multiselect("Claim type", facets["claim_type"], key="claims_types",
                       placeholder="all types")
metric = c3.selectbox("Metric", [ANY, *facets["metric"]], key="claims_metric")
unit = c4.selectbox("Unit", [ANY, *facets["unit"]], key="claims_unit")
order = c5.radio("Sort", ["highest", "lowest"], key="claims_order")

limit = da.settings().dashboard.max_results
claims = da.query(
    "search_claims",
    topic_id=None if topic == ANY else topic,
    claim_types=types or None,
    metric=None if metric == ANY else metric,
    unit=None if unit == ANY else unit,
    descending=order == "highest",
    limit=limit,
)
if claims.empty:
    st.info("No claim matches these filters.")
    st.stop()

total = int(claims["n_matches"].iloc[0])
st.caption(f"{total} claims match" + (f"; showing the first {limit}" if total > limit else ""))
for row in claims.to_dict("records"):
    shown = da.fmt_num(row["value"]) + (row["unit"] if da.present(row["unit"]) else "")
    details = " · ".join(
        da.md(x) for x in (row["claim_type"], row["metric"], row["benchmark"],
                           f"vs {row['baseline']}" if da.present(row["baseline"]) else None)
        if da.present(x)
    )
    st.markdown(
        f"**{' '.join(x for x in (da.md(row['qualifier']), da.md(shown)) if x)}** "
        f"— {details}  \n"
        f"> {da.md(row['sentence'])}\n\n"
        f"{da.md(row['title'])} ({row['activity_date']:%Y-%m-%d}) {da.paper_links(row)}"
    )
