"""Fixtures of the dashboard tests: the warehouse the real pipeline published, in a fresh home."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flows.settings import Settings


@pytest.fixture(scope="session")
def test_warehouse(published_home: Path) -> Path:
    """warehouse.duckdb published by `papertrends backfill` over recorded days (real pipeline)."""
    return published_home / "warehouse.duckdb"


@pytest.fixture
def published(settings: Settings, test_warehouse: Path) -> Settings:
    """Settings whose PAPERTRENDS_HOME holds a published copy of the test warehouse."""
    shutil.copyfile(test_warehouse, settings.warehouse_path)
    return settings
