"""Fixtures of the dashboard tests: a warehouse with the marts contract, published in a home."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flows.settings import Settings
from tests.dashboard.warehouse_builder import session_warehouse


@pytest.fixture(scope="session")
def test_warehouse(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """Built once per session from the real HF daily papers (or PAPERTRENDS_TEST_WAREHOUSE)."""
    return session_warehouse(tmp_path_factory.getbasetemp(), shared_data)


@pytest.fixture
def published(settings: Settings, test_warehouse: Path) -> Settings:
    """Settings whose PAPERTRENDS_HOME holds a published copy of the test warehouse."""
    shutil.copyfile(test_warehouse, settings.warehouse_path)
    return settings
