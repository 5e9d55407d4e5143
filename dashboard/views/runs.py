"""Run history: the last runs in a table and small charts; each run links to its report.

``?run=<run_id>`` shows that run's report.html (the same self-contained page the pipeline
writes to ``reports/<run_id>/report.html``).
"""

from __future__ import annotations

import altair as alt
import data_access as da
import pandas as pd
import streamlit as st

from flows.journal.reports import find_report, html_report
from flows.journal.summary import list_runs
from flows.journal.tables import STAGES, run_history
from flows.lib.errors import UserError

settings = da.settings()


def show_report(run_id: str) -> None:
    try:
        folder = find_report(settings, run_id)
    except UserError as exc:
        st.warning(str(exc))
        return
    page = folder / "report.html"
    if not page.is_file():
        page = html_report(settings, folder.name) or page
    st.title(f"Run {folder.name}")
    st.markdown("[← Run history](runs)")
    if not page.is_file():
        st.warning(f"No report.html for run {folder.name}.")
        return
    st.code(str(page), language=None)
    st.iframe(page, height=1600)


def history_table(frame: pd.DataFrame) -> str:
    """Newest first, as a Markdown table whose run ids link to their reports."""
    lines = ["| run | started (UTC) | status | published | duration | papers added | "
             "expectations failed | dbt tests failed |", "|---|---|---|---|--:|--:|--:|--:|"]
    for row in frame.iloc[::-1].itertuples():
        run = f"[{da.md(row.run)}](runs?run={row.run_id})" if row.report else da.md(row.run)
        lines.append(
            f"| {run} | {row.started_at:%Y-%m-%d %H:%M} | {da.md(row.status)} | "
            f"{'yes' if row.published else 'no'} | {da.fmt_num(row.duration_s, '.0f')} s | "
            f"{da.fmt_num(row.papers_added, '.0f')} | {row.expectations_failed} | "
            f"{row.dbt_tests_failed} |"
        )
    return "\n".join(lines)


def charts(frame: pd.DataFrame) -> None:
    order = list(frame["run"])
    stages = frame.melt(id_vars=["run"], value_vars=[f"{s}_s" for s in STAGES],
                        var_name="stage", value_name="seconds").dropna()
    stages["stage"] = stages["stage"].str.removesuffix("_s")
    stages["order"] = stages["stage"].map({s: n for n, s in enumerate(STAGES)})
    x = alt.X("run:N", sort=order, title="run (oldest first)")
    left, middle, right = st.columns(3)
    left.markdown("**Duration per stage (s)**")
    left.altair_chart(alt.Chart(stages).mark_bar().encode(
        x=x, y=alt.Y("sum(seconds):Q", title="seconds"),
        color=alt.Color("stage:N", sort=list(STAGES)), order=alt.Order("order:Q"),
        tooltip=["run", "stage", "seconds"],
    ), width="stretch")
    middle.markdown("**Papers added to the warehouse** (published runs)")
    added = frame[["run", "status", "papers_added"]]
    middle.altair_chart(alt.Chart(added).mark_bar(color="#4f7cac").encode(
        x=x, y=alt.Y("papers_added:Q", title="papers"), tooltip=list(added.columns),
    ), width="stretch")
    right.markdown("**Failed checks**")
    failed = frame.melt(id_vars=["run"], value_vars=["expectations_failed", "dbt_tests_failed"],
                        var_name="kind", value_name="failed")
    right.altair_chart(alt.Chart(failed).mark_bar().encode(
        x=x, y=alt.Y("sum(failed):Q", title="checks"), color="kind:N",
        tooltip=["run", "kind", "failed"],
    ), width="stretch")


run_id = st.query_params.get("run")
if run_id:
    show_report(run_id)
    st.stop()

st.title("Run history")
last = st.slider("Last runs", min_value=5, max_value=100, value=20, step=5)
records = list_runs(settings)[:last]
if not records:
    st.info(f"No runs recorded under `{settings.reports_dir}` yet.")
    st.stop()
frame = pd.DataFrame(run_history(records, settings.reports_dir))
published = int(frame["published"].sum())
st.caption(f"{len(frame)} runs, {published} published, {len(frame) - published} not; "
           "a run id opens its report.")
charts(frame)
st.markdown(history_table(frame))
