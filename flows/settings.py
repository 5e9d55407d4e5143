"""The one settings object of papertrends.

Precedence (highest first): keyword arguments, environment variables (``PAPERTRENDS_*``,
nested sections with ``__``, e.g. ``PAPERTRENDS_TAGGING__TOP_N=5``), the TOML file named by
``PAPERTRENDS_CONFIG`` (default ``./papertrends.toml`` when present), then the defaults here.

Everything a run writes lives under ``home`` (``PAPERTRENDS_HOME``, default ``./.papertrends``):

    $PAPERTRENDS_HOME/
      lake.duckdb        private store of the pipeline: raw tables, quarantine, tags, caches
      warehouse.duckdb   the published warehouse users query (read-only for readers)
      runs/<run_id>/     candidate warehouse of a run (kept when the run fails)
      reports/<run_id>/  validation report (Data Docs + summary.json)
      digests/           rendered digests
      run.lock           held while a run is active
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

REPO_ROOT = Path(__file__).resolve().parent.parent


class IngestSettings(BaseModel):
    hf_api_url: str = "https://huggingface.co/api/daily_papers"
    arxiv_api_url: str = "https://export.arxiv.org/api/query"
    http_timeout_s: float = 30.0
    http_retries: int = 5
    http_backoff_s: float = 2.0
    arxiv_delay_s: float = 3.0
    arxiv_page_size: int = 100
    max_abstract_chars: int = 20_000
    max_title_chars: int = 1_000


class TaggingSettings(BaseModel):
    top_n: int = 10
    batch_size: int = 256


class TransformSettings(BaseModel):
    dbt_project_dir: Path = REPO_ROOT / "dbt"


class ValidationSettings(BaseModel):
    # Run-over-run: a published mart may not shrink by more than this fraction of its rows.
    max_row_shrink_fraction: float = 0.2


class ScheduleSettings(BaseModel):
    cron: str = "0 6 * * *"
    timezone: str = "UTC"


class DashboardSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8501


class DigestSettings(BaseModel):
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "papertrends@localhost"
    mail_to: list[str] = Field(default_factory=list)


def _config_file() -> Path:
    return Path(os.environ.get("PAPERTRENDS_CONFIG", "papertrends.toml"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PAPERTRENDS_",
        env_nested_delimiter="__",
        extra="ignore",
    )

    home: Path = Path(".papertrends")
    # Folder of the real third-party data (../shared/data beside the checkout).
    data_dir: Path = REPO_ROOT.parent / "shared" / "data"

    ingest: IngestSettings = Field(default_factory=IngestSettings)
    tagging: TaggingSettings = Field(default_factory=TaggingSettings)
    transform: TransformSettings = Field(default_factory=TransformSettings)
    validation: ValidationSettings = Field(default_factory=ValidationSettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    dashboard: DashboardSettings = Field(default_factory=DashboardSettings)
    digest: DigestSettings = Field(default_factory=DigestSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _config_file()
        if path.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    def model_post_init(self, __context: Any) -> None:
        self.home = self.home.expanduser().resolve()

    # --- the PAPERTRENDS_HOME layout (public interface: keep these names) ---
    @cached_property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse.duckdb"

    @cached_property
    def lake_path(self) -> Path:
        return self.home / "lake.duckdb"

    @cached_property
    def runs_dir(self) -> Path:
        return self.home / "runs"

    @cached_property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @cached_property
    def digests_dir(self) -> Path:
        return self.home / "digests"

    @cached_property
    def lock_path(self) -> Path:
        return self.home / "run.lock"

    def ensure_home(self) -> None:
        for folder in (self.home, self.runs_dir, self.reports_dir, self.digests_dir):
            folder.mkdir(parents=True, exist_ok=True)


def get_settings(**overrides: Any) -> Settings:
    return Settings(**overrides)
