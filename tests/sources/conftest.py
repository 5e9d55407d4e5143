from __future__ import annotations

import pytest

from flows.settings import Settings


@pytest.fixture
def fast_settings(settings: Settings) -> Settings:
    """Settings for the live clients against a local server: short timeout, tiny backoff."""
    settings.ingest.http_timeout_s = 0.5
    settings.ingest.http_retries = 3
    settings.ingest.http_backoff_s = 0.01
    settings.ingest.arxiv_delay_s = 0.0
    return settings
