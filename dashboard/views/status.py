"""Run status: the published run, its validation summary and Data Docs, recent runs."""

from __future__ import annotations

import data_access as da
import pandas as pd
import streamlit as st

st.title("Run status")
status = da.run_status()
settings = da.settings()

if status.warehouse is None:
    st.warning(f"No published warehouse at `{settings.warehouse_path}`.")
else:
    run = status.published or {}
    if not status.latest_failed:  # when it failed, the app's banner above says so
        st.success(f"Showing the latest published run {run.get('run_id', 'unknown')}.")
    st.subheader("Last published run")
    st.table(pd.DataFrame(
        [{"field": k, "value": str(v)} for k, v in run.items()]
        + [{"field": "warehouse file", "value": status.warehouse.path},
           {"field": "file modified", "value": f"{status.warehouse.modified_at:%Y-%m-%d %H:%M %Z}"}]
    ), hide_index=True)


def show_summary(title: str, summary) -> None:
    st.subheader(title)
    if summary is None:
        st.caption("No validation summary found for this run.")
        return
    if summary.error:
        st.warning(f"Unreadable summary {summary.path}: {summary.error}")
    st.markdown(
        f"run **{da.md(summary.run_id)}** · status **{da.md(summary.status)}** · "
        f"published **{summary.published}**  \n"
        f"expectations passed: **{summary.expectations_passed}** · "
        f"failed: **{summary.expectations_failed}**"
    )
    if summary.failed_checks:
        st.markdown("Failed checks:\n" + "\n".join(f"- {da.md(c)}" for c in summary.failed_checks))
    if (summary.path.parent / "report.html").is_file():
        st.markdown(f"[Run report of {da.md(summary.run_id)}](runs?run={summary.run_id})")
    if summary.data_docs:
        st.markdown(f"Data Docs: [{da.md(summary.data_docs.name)}]({summary.data_docs.as_uri()})")
        st.code(str(summary.data_docs), language=None)


show_summary("Validation of the published run", status.published_summary)
if status.latest_summary is not None and status.latest_summary is not status.published_summary:
    show_summary("Latest run", status.latest_summary)

recent = da.readers.list_summaries(settings)[:10]
if recent:
    st.subheader("Recent runs")
    st.table(pd.DataFrame([
        {"run": s.run_id, "status": s.status, "published": str(s.published),
         "finished": f"{s.finished_at:%Y-%m-%d %H:%M}" if s.finished_at else "",
         "failed expectations": s.expectations_failed}
        for s in recent
    ]), hide_index=True)
