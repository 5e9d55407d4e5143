"""papertrends dashboard over the published warehouse (read-only).

Run with ``papertrends dashboard`` or
``streamlit run dashboard/app.py -- --home $PAPERTRENDS_HOME``.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for folder in (HERE, HERE.parent):  # dashboard modules + the flows package from a checkout
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import data_access as da  # noqa: E402
import streamlit as st  # noqa: E402

from flows.read.readers import WarehouseNotFound  # noqa: E402


def main() -> None:
    st.set_page_config(page_title="papertrends", page_icon="📈", layout="wide")
    pages = [
        st.Page(HERE / "views" / "trends.py", title="Topic trends", url_path="trends",
                default=True),
        st.Page(HERE / "views" / "rising.py", title="Rising topics", url_path="rising"),
        st.Page(HERE / "views" / "search.py", title="Keyword search", url_path="search"),
        st.Page(HERE / "views" / "claims.py", title="Claims explorer", url_path="claims"),
        st.Page(HERE / "views" / "status.py", title="Run status", url_path="status"),
        st.Page(HERE / "views" / "runs.py", title="Run history", url_path="runs"),
    ]
    page = st.navigation(pages)
    status = da.run_status()
    if status.banner:
        st.error(status.banner, icon="⚠️")
    with st.sidebar:
        if status.warehouse is not None:
            run_id = status.published.get("run_id") if status.published else "unknown"
            st.caption(f"Published run {run_id} · file of "
                       f"{status.warehouse.modified_at:%Y-%m-%d %H:%M %Z}")
    if status.warehouse is None:
        st.info(f"No published warehouse yet at `{da.settings().warehouse_path}`. "
                "Run `papertrends run` to build and publish one.")
        if page.url_path not in ("status", "runs"):
            return
    try:
        page.run()
    except WarehouseNotFound as exc:
        st.info(str(exc))


main()
