"""Keyword search across papers, with their keyphrases and topics."""

from __future__ import annotations

import data_access as da
import streamlit as st

st.title("Keyword search")
text = st.text_input(
    "Search titles, abstracts and keyphrases", key="q", placeholder="e.g. diffusion"
)
if not text.strip():
    st.caption("Type a word or phrase and press Enter.")
    st.stop()

limit = da.settings().dashboard.max_results
results = da.query("search_papers", text, limit)
if results.empty:
    st.info(f"No paper matches “{text}”.")
    st.stop()

total = int(results["n_matches"].iloc[0])
st.caption(f"{total} papers match “{text}”" + (f"; showing the first {limit}" if total > limit
                                                else ""))
for row in results.to_dict("records"):
    st.markdown(
        f"**{da.md(row['title'])}**  \n"
        f"{row['activity_date']:%Y-%m-%d} · {da.upvotes(row['upvotes'])} · "
        f"{da.paper_links(row)}  \n"
        f"topics: {da.md(row['topics']) or '–'}  \n"
        f"keyphrases: {da.md(row['keyphrases']) or '–'}"
    )
