"""Data access of the dashboard: cached calls into ``flows.read.readers``.

Results are cached with ``st.cache_data`` keyed by the published file's identity (path, inode,
mtime, size), so a run that publishes a new warehouse (``os.replace``) is picked up on the next
rerun, and each query still opens its own short-lived read-only connection.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

import pandas as pd
import streamlit as st

from flows.read import readers
from flows.settings import Settings, get_settings


@st.cache_resource
def settings() -> Settings:
    """Settings of this dashboard: ``--home`` after ``--`` on the streamlit command line wins."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--home")
    known, _ = parser.parse_known_args(sys.argv[1:])
    return get_settings(home=known.home) if known.home else get_settings()


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(home: str, version: tuple, name: str, args: tuple, kwargs: tuple) -> Any:
    return getattr(readers, name)(settings(), *args, **dict(kwargs))


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list | set) else value


def query(name: str, *args: Any, **kwargs: Any) -> Any:
    """Call ``flows.read.readers.<name>`` on the published warehouse, cached per published file."""
    s = settings()
    version = readers.warehouse_version(s)
    if version is None:
        raise readers.WarehouseNotFound(
            f"no published warehouse at {s.warehouse_path}: run `papertrends run` first"
        )
    return _cached(
        str(s.home),
        version.key,
        name,
        tuple(_hashable(a) for a in args),
        tuple(sorted((k, _hashable(v)) for k, v in kwargs.items())),
    )


def run_status() -> readers.RunStatus:
    """Warehouse + validation reports (summary files are small: read on every rerun)."""
    return readers.run_status(settings())


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|$~])")


def present(value: Any) -> bool:
    """False for None, NaN/NA and empty strings (DuckDB NULLs as pandas gives them)."""
    if value is None or (isinstance(value, str) and not value):
        return False
    try:
        return not bool(pd.isna(value))
    except (TypeError, ValueError):
        return True


def md(text: Any) -> str:
    """Escape text for st.markdown (including ``$``, which would start LaTeX)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)) if present(text) else ""


def paper_links(row: Any) -> str:
    links = []
    if present(row.get("arxiv_url")):
        links.append(f"[arXiv]({row['arxiv_url']})")
    if present(row.get("hf_url")):
        links.append(f"[HF]({row['hf_url']})")
    return " · ".join(links)


def fmt_pct(value: Any) -> str:
    return f"{float(value):.1%}" if present(value) else "–"


def fmt_num(value: Any, spec: str = "g") -> str:
    return format(float(value), spec) if present(value) else "–"


def upvotes(n: Any) -> str:
    return "1 upvote" if n == 1 else f"{n} upvotes"
