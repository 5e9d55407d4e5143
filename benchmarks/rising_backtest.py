"""Backtest of the "rising" rules on the monthly windows of a published warehouse.

Usage: python benchmarks/rising_backtest.py WAREHOUSE [--lake LAKE] [--grid]

For every complete month m with three complete months before and after it, each rule flags
some topics as rising at m; a flag is a *hit* when the topic's share over m+1..m+3 is at least
1.5x its share over m-3..m-1 (each with one paper added to the topic's count) and the topic
still has at least 3 papers over m+1..m+3 (issue 11), so neither an empty baseline nor a dying
topic is a free hit. Printed per rule: flags, flags per month, hits and precision, over all
eligible months and separately over the first half (the *design* months, the only ones the
thresholds were chosen on) and the second half (*held out*).

Monthly windows are recomputed here from the papers' activity dates and primary topics (not
read from the trend marts), and the rules are evaluated on them:
- ``current``: the old rule, ``zscore_8 >= 2 and change_abs > 0`` (recomputed as
  dbt/macros/window_trends.sql defines them; checked against the mart's columns);
- ``is_rising (dbt)``: the new rule as the published mart computed it (``is_rising``);
- ``is_rising (mirror)``: the same rule recomputed here from the dbt vars in
  dbt/dbt_project.yml, so it can be applied to topics that have no mart (stock BERTopic);
  its agreement with the mart's flags is printed;
- ``is_rising, min_score 1.5``: the same rule (the dbt vars) with ``min_score`` 1.5, the
  candidate chosen on the design months to reach 5 flags a month and rejected on the held-out
  half (README, "Rising"), kept so the comparison is repeated in every run;
- ``flag everything``: every topic-month from the topic's first month on.

Marts: topics (fct_paper_topics primary topic), and themes when the warehouse has
fct_theme_trends (evaluated from that mart's monthly counts). With ``--lake``: stock BERTopic
(UMAP + HDBSCAN min_cluster_size=10, outliers reduced by embedding similarity, fixed random
state) fitted on the lake's cached MiniLM document embeddings of the same papers, and both
rules evaluated on its topics in the same run. ``--grid`` prints the design-months precision
of a grid of thresholds (how the defaults were chosen), the best of them with at least 5 flags
a month, and two extensions of the rule (a second condition on the previous window, and a
two-window smoothing) on top of the defaults; it never prints held-out figures. Signals other
than the counts (HF upvotes, breadth, novelty, new authors, ranking rules): rising_signals.py.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
HORIZON = 3  # months before and after m (issue 11)
HIT_RATIO = 1.5
HIT_MIN_FUTURE = 3
TARGET_PER_MONTH = 5  # issue 11: at least 5 flags a month on average


# --- monthly windows ---------------------------------------------------------------------------


@dataclass
class Months:
    """Calendar months of the data: start dates, all papers per month, completeness."""

    starts: list[date]
    n_all: np.ndarray
    complete: np.ndarray

    def eligible(self) -> list[int]:
        """Months m with m-3..m+3 all complete."""
        n = len(self.starts)
        return [
            i for i in range(HORIZON, n - HORIZON)
            if self.complete[i - HORIZON : i + HORIZON + 1].all()
        ]


def month_index(dates: pd.Series) -> pd.Series:
    return dates.dt.year * 12 + dates.dt.month - 1


def months_of(papers: pd.DataFrame) -> Months:
    """``papers``: one row per paper with ``activity_date``."""
    dates = pd.to_datetime(papers["activity_date"])
    first, last = dates.min(), dates.max()
    idx = month_index(dates)
    lo, hi = int(idx.min()), int(idx.max())
    n_all = np.bincount(idx - lo, minlength=hi - lo + 1).astype(float)
    starts = [date(k // 12, k % 12 + 1, 1) for k in range(lo, hi + 1)]
    ends = [pd.Timestamp(s) + pd.offsets.MonthEnd(0) for s in starts]
    complete = np.array(
        [pd.Timestamp(s) >= first and e <= last for s, e in zip(starts, ends, strict=True)]
    )
    return Months(starts, n_all, complete)


def count_matrix(assign: pd.DataFrame, months: Months) -> tuple[list[str], np.ndarray]:
    """Topics x months paper counts from ``assign`` (paper_id, key, activity_date)."""
    lo = months.starts[0].year * 12 + months.starts[0].month - 1
    col = month_index(pd.to_datetime(assign["activity_date"])) - lo
    keys, row = np.unique(assign["key"].astype(str), return_inverse=True)
    counts = np.zeros((len(keys), len(months.starts)))
    np.add.at(counts, (row, col.to_numpy()), 1)
    return list(keys), counts


def first_months(counts: np.ndarray) -> np.ndarray:
    return np.argmax(counts > 0, axis=1)


# --- rules -------------------------------------------------------------------------------------


def current_rule(counts: np.ndarray) -> np.ndarray:
    """``zscore_8 >= 2 and change_abs > 0`` as window_trends.sql computes them."""
    first = first_months(counts)
    flags = np.zeros(counts.shape, dtype=bool)
    for k, f in enumerate(first):
        for i in range(f, counts.shape[1]):
            trailing = counts[k, max(f, i - 8) : i]
            prev = counts[k, i - 1] if i > f else (0.0 if i > 0 else None)
            if len(trailing) < 2 or prev is None:
                continue
            sd = trailing.std(ddof=1)
            if sd > 0 and (counts[k, i] - trailing.mean()) / sd >= 2 and counts[k, i] > prev:
                flags[k, i] = True
    return flags


@dataclass(frozen=True)
class RisingParams:
    """The new rule's thresholds; its defaults are dbt's (vars ``rising``, see
    :func:`dbt_rising_params`), the grid search tries others."""

    baseline_windows: int  # months
    prior_papers: float
    min_papers: int
    min_ratio: float
    min_score: float


CANDIDATE_MIN_SCORE = 1.5  # the rejected candidate (see the module docstring)


def rising_score(n: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Signed root of the Poisson deviance of n papers against the expected count."""
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(n > 0, n * np.log(np.where(n > 0, n, 1) / expected), 0.0)
    return np.sign(n - expected) * np.sqrt(np.maximum(2 * (term - (n - expected)), 0.0))


def rising_rule(counts: np.ndarray, months: Months, p: RisingParams) -> np.ndarray:
    """Mirror of the dbt rule (dbt/macros/window_trends.sql) on month counts."""
    n_months = counts.shape[1]
    first = first_months(counts)
    flags = np.zeros(counts.shape, dtype=bool)
    for i in range(1, n_months):
        lo = max(0, i - p.baseline_windows)
        base_all = months.n_all[lo:i].sum()
        if base_all <= 0:
            continue
        base = counts[:, lo:i].sum(axis=1)
        base_share = (base + p.prior_papers) / base_all
        expected = months.n_all[i] * base_share
        n = counts[:, i]
        ratio = (n / months.n_all[i]) / base_share if months.n_all[i] else np.zeros_like(n)
        flags[:, i] = (
            (first <= i)
            & (n >= p.min_papers)
            & (ratio >= p.min_ratio)
            & (rising_score(n, expected) >= p.min_score)
        )
    return flags


def everything_rule(counts: np.ndarray) -> np.ndarray:
    first = first_months(counts)
    return np.arange(counts.shape[1])[None, :] >= first[:, None]


# --- evaluation --------------------------------------------------------------------------------


def hits(counts: np.ndarray, months: Months) -> np.ndarray:
    """hit[k, i]: topic k, flagged at month i, grew by the issue's definition."""
    h = np.zeros(counts.shape, dtype=bool)
    for i in months.eligible():
        past = counts[:, i - HORIZON : i].sum(axis=1)
        future = counts[:, i + 1 : i + HORIZON + 1].sum(axis=1)
        past_share = (past + 1) / months.n_all[i - HORIZON : i].sum()
        future_share = (future + 1) / months.n_all[i + 1 : i + HORIZON + 1].sum()
        h[:, i] = (future >= HIT_MIN_FUTURE) & (future_share >= HIT_RATIO * past_share)
    return h


@dataclass
class Score:
    months: int
    flags: int
    hits: int

    @property
    def precision(self) -> float:
        return self.hits / self.flags if self.flags else float("nan")

    @property
    def per_month(self) -> float:
        return self.flags / self.months if self.months else float("nan")

    def cell(self) -> str:
        return f"{self.precision:5.2f} ({self.hits}/{self.flags}, {self.per_month:.1f}/mo)"


def score(flags: np.ndarray, hit: np.ndarray, month_ids: list[int]) -> Score:
    f = flags[:, month_ids]
    return Score(len(month_ids), int(f.sum()), int((f & hit[:, month_ids]).sum()))


def halves(months: Months) -> tuple[list[int], list[int]]:
    eligible = months.eligible()
    cut = (len(eligible) + 1) // 2
    return eligible[:cut], eligible[cut:]


def report(title: str, rules: dict[str, np.ndarray], counts: np.ndarray, months: Months) -> None:
    hit = hits(counts, months)
    design, held = halves(months)
    print(f"\n{title}: {counts.shape[0]} keys")
    print(f"  {'rule':34} {'all months':>24} {'design half':>24} {'held-out half':>24}")
    for name, flags in rules.items():
        cells = [score(flags, hit, ids).cell() for ids in (design + held, design, held)]
        print(f"  {name:34} {cells[0]:>24} {cells[1]:>24} {cells[2]:>24}")


# --- inputs ------------------------------------------------------------------------------------


def dbt_rising_params() -> RisingParams:
    """The rule's defaults, from dbt/dbt_project.yml (vars.rising)."""
    project = yaml.safe_load((REPO / "dbt" / "dbt_project.yml").read_text())
    rising = project["vars"]["rising"]
    return RisingParams(
        baseline_windows=int(rising["baseline_windows"]["month"]),
        prior_papers=float(rising["prior_papers"]),
        min_papers=int(rising["min_papers"]),
        min_ratio=float(rising["min_ratio"]),
        min_score=float(rising["min_score"]),
    )


def mart_flags(
    con: duckdb.DuckDBPyConnection, mart: str, key: str, keys: list[str], months: Months,
    column: str,
) -> np.ndarray:
    """A boolean column of a trend mart's monthly rows as a keys x months matrix."""
    rows = con.execute(
        f"select {key}::varchar, window_start from {mart} where grain = 'month' and {column}"
    ).fetchall()
    pos = {k: r for r, k in enumerate(keys)}
    col = {s: c for c, s in enumerate(months.starts)}
    flags = np.zeros((len(keys), len(months.starts)), dtype=bool)
    for k, start in rows:
        if k in pos and start in col:
            flags[pos[k], col[start]] = True
    return flags


def mart_counts(
    con: duckdb.DuckDBPyConnection, mart: str, key: str, months: Months
) -> tuple[list[str], np.ndarray]:
    frame = con.execute(
        f"select {key}::varchar as key, window_start, n_papers from {mart} where grain = 'month'"
    ).df()
    keys = sorted(frame["key"].unique())
    pos = {k: r for r, k in enumerate(keys)}
    col = {s: c for c, s in enumerate(months.starts)}
    counts = np.zeros((len(keys), len(months.starts)))
    for k, start, n in frame.itertuples(index=False):
        counts[pos[k], col[pd.Timestamp(start).date()]] = n
    return keys, counts


def agreement(a: np.ndarray, b: np.ndarray, month_ids: list[int]) -> str:
    a, b = a[:, month_ids], b[:, month_ids]
    return f"{int((a & b).sum())} flags agree, {int((a & ~b).sum())} + {int((~a & b).sum())} differ"


def evaluate_mart(
    con: duckdb.DuckDBPyConnection, title: str, mart: str, key: str,
    counts: np.ndarray, keys: list[str], months: Months, params: RisingParams,
) -> None:
    eligible = months.eligible()
    rules = {"current (zscore_8>=2, change_abs>0)": current_rule(counts)}
    mart_current = mart_flags(con, mart, key, keys, months, "zscore_8 >= 2 and change_abs > 0")
    columns = {r[0] for r in con.execute(f"describe {mart}").fetchall()}
    if "is_rising" in columns:
        rules["is_rising (dbt)"] = mart_flags(con, mart, key, keys, months, "is_rising")
    rules["is_rising (mirror)"] = rising_rule(counts, months, params)
    rules["is_rising, min_score 1.5"] = rising_rule(
        counts, months, replace(params, min_score=CANDIDATE_MIN_SCORE))
    rules["flag everything"] = everything_rule(counts)
    report(title, rules, counts, months)
    print(f"  check: current rule here vs the mart's zscore_8/change_abs: "
          f"{agreement(rules['current (zscore_8>=2, change_abs>0)'], mart_current, eligible)}")
    if "is_rising (dbt)" in rules:
        print(f"  check: is_rising mirror vs mart: "
              f"{agreement(rules['is_rising (mirror)'], rules['is_rising (dbt)'], eligible)}")


# --- stock BERTopic ----------------------------------------------------------------------------


def doc_embeddings(lake: Path, papers: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The lake's cached document embeddings of the papers (keyed by the tagged text's hash)."""
    from flows.settings import Settings
    from flows.stages.tagging.cache import text_hash
    from flows.stages.tagging.embedder import model_name
    from flows.stages.tagging.keyphrases import compose_text

    model = model_name(Settings().tagging)
    papers = papers.assign(text=[compose_text(t or "", a or "") for t, a in
                                 zip(papers["title"], papers["abstract"], strict=True)])
    papers["text_hash"] = [text_hash(t) for t in papers["text"]]
    con = duckdb.connect(str(lake), read_only=True)
    try:
        con.register("wanted", papers[["paper_id", "text_hash"]])
        rows = con.execute(
            "select w.paper_id, e.embedding from doc_embeddings e join wanted w using (text_hash)"
            " where e.model_name = ?", [model],
        ).fetchall()
    finally:
        con.close()
    vectors = dict(rows)
    kept = papers[papers["paper_id"].isin(vectors)].reset_index(drop=True)
    matrix = np.asarray([vectors[p] for p in kept["paper_id"]], dtype=np.float32)
    return kept, matrix


def stock_bertopic(docs: list[str], embeddings: np.ndarray, seed: int = 42) -> np.ndarray:
    from bertopic import BERTopic
    from hdbscan import HDBSCAN
    from umap import UMAP

    umap_model = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine",
                      random_state=seed)
    hdbscan_model = HDBSCAN(min_cluster_size=10, metric="euclidean",
                            cluster_selection_method="eom", prediction_data=True)
    model = BERTopic(umap_model=umap_model, hdbscan_model=hdbscan_model)
    topics, _ = model.fit_transform(docs, embeddings)
    topics = model.reduce_outliers(docs, topics, strategy="embeddings", embeddings=embeddings)
    return np.asarray(topics)


def stock_assignments(
    lake: Path, papers: pd.DataFrame, seed: int, cache: Path | None
) -> pd.DataFrame:
    """paper_id, activity_date, key (stock BERTopic topic), fitted or read from ``cache``."""
    if cache is not None and cache.is_file():
        fitted = pd.read_parquet(cache)
        print(f"\nstock BERTopic: read from {cache} (fitted earlier with seed {seed})")
    else:
        kept, embeddings = doc_embeddings(lake, papers)
        topics = stock_bertopic(list(kept["text"]), embeddings, seed)
        fitted = pd.DataFrame({"paper_id": kept["paper_id"], "key": topics.astype(str)})
        if cache is not None:
            fitted.to_parquet(cache)
    return papers[["paper_id", "activity_date"]].merge(fitted, on="paper_id")


# --- grid (design months only) -----------------------------------------------------------------


def grid(sets: dict[str, np.ndarray], months: Months) -> None:
    design, _ = halves(months)
    print("\ngrid on the design months only (precision, flags/month) per topic set:")
    print("  base prior min_papers min_ratio min_score | " + " | ".join(sets))
    hit = {name: hits(c, months) for name, c in sets.items()}
    best: dict[str, tuple[Score, RisingParams] | None] = dict.fromkeys(sets)
    for base, prior, min_papers, ratio, z in itertools.product(
        (3, 6), (0.5, 1.0, 2.0), (3, 4, 5, 6, 8), (1.0, 1.5, 2.0, 2.5, 3.0),
        (0.0, 1.0, 1.5, 2.0, 2.5, 3.0),
    ):
        p = RisingParams(base, prior, min_papers, ratio, z)
        cells = [score(rising_rule(c, months, p), hit[n], design) for n, c in sets.items()]
        print(f"  {base:4} {prior:5} {min_papers:10} {ratio:9} {z:9} | "
              + " | ".join(f"{s.precision:.2f} {s.per_month:5.1f}" for s in cells))
        for name, s in zip(sets, cells, strict=True):
            if s.per_month >= TARGET_PER_MONTH and (
                best[name] is None or s.precision > best[name][0].precision
            ):
                best[name] = (s, p)
    for name, found in best.items():
        print(f"  best on design with >= {TARGET_PER_MONTH} flags/month, {name}: "
              + (f"{found[0].cell()} {found[1]}" if found else "none"))


def extended_rule(
    counts: np.ndarray, months: Months, p: RisingParams, kind: str, threshold: float
) -> np.ndarray:
    """The rule plus a condition on the previous window (``previous``: its share at least
    ``threshold`` x its own baseline share) or a two-window smoothing (``smoothed``: the
    rising_score of windows m-1..m against the baseline before m-1 at least ``threshold``)."""
    flags = rising_rule(counts, months, p)
    shifted = np.zeros_like(flags)
    for i in range(2, counts.shape[1]):
        lo = max(0, i - 1 - p.baseline_windows)
        base_all = months.n_all[lo : i - 1].sum()
        base_share = (counts[:, lo : i - 1].sum(axis=1) + p.prior_papers) / base_all
        if kind == "previous":
            shifted[:, i] = counts[:, i - 1] / months.n_all[i - 1] >= threshold * base_share
        else:
            n2, all2 = counts[:, i - 1 : i + 1].sum(axis=1), months.n_all[i - 1 : i + 1].sum()
            shifted[:, i] = rising_score(n2, all2 * base_share) >= threshold
    return flags & shifted


def extensions(sets: dict[str, np.ndarray], months: Months, p: RisingParams) -> None:
    design, _ = halves(months)
    print(f"\nextensions of the rule on the design months only (on top of {p}):")
    for kind, threshold in itertools.product(("previous", "smoothed"), (0.5, 1.0, 1.5, 2.0)):
        cells = [score(extended_rule(c, months, p, kind, threshold), hits(c, months), design)
                 for c in sets.values()]
        print(f"  {kind:9} >= {threshold:4} | "
              + " | ".join(f"{n} {s.cell()}" for n, s in zip(sets, cells, strict=True)))


# --- main --------------------------------------------------------------------------------------


def load_papers(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "select p.paper_id, p.title, p.abstract, p.activity_date, pt.topic_id "
        "from dim_papers p left join fct_paper_topics pt "
        "on pt.paper_id = p.paper_id and pt.is_primary "
        "where p.activity_date is not null"
    ).df()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path, help="a published warehouse.duckdb")
    parser.add_argument("--lake", type=Path, help="its lake.duckdb: also fit stock BERTopic")
    parser.add_argument("--grid", action="store_true", help="threshold grid, design months")
    parser.add_argument("--seed", type=int, default=42, help="BERTopic/UMAP random state")
    parser.add_argument("--bertopic-cache", type=Path,
                        help="parquet of the stock BERTopic fit (paper_id, topic): read when "
                        "present, else written after fitting")
    args = parser.parse_args()
    if not args.warehouse.is_file():
        sys.exit(f"no warehouse at {args.warehouse}")
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
          f"(1/5/15 min, {os.cpu_count()} cores; shared machine)")
    con = duckdb.connect(str(args.warehouse), read_only=True)
    papers = load_papers(con)
    months = months_of(papers)
    design, held = halves(months)
    fmt = "%Y-%m"
    print(f"{len(papers)} papers, {len(months.eligible())} eligible months: design "
          f"{months.starts[design[0]]:{fmt}}..{months.starts[design[-1]]:{fmt}}, held out "
          f"{months.starts[held[0]]:{fmt}}..{months.starts[held[-1]]:{fmt}}")
    params = dbt_rising_params()
    print(f"rule: {params}")
    tagged = papers[papers["topic_id"].notna()].rename(columns={"topic_id": "key"})
    keys, counts = count_matrix(tagged, months)
    sets = {"topics": counts}
    evaluate_mart(con, "topics (fct_topic_trends)", "fct_topic_trends", "topic_id",
                  counts, keys, months, params)
    tables = {r[0] for r in con.execute("select table_name from information_schema.tables")
              .fetchall()}
    if "fct_theme_trends" in tables:
        key = next(c for c in con.execute("describe fct_theme_trends").df()["column_name"]
                   if c.endswith("_id"))
        theme_keys, theme_counts = mart_counts(con, "fct_theme_trends", key, months)
        sets["themes"] = theme_counts
        evaluate_mart(con, "themes (fct_theme_trends)", "fct_theme_trends", key,
                      theme_counts, theme_keys, months, params)
    con.close()
    if args.lake:
        start = time.perf_counter()
        assign = stock_assignments(args.lake, papers, args.seed, args.bertopic_cache)
        bt_keys, bt_counts = count_matrix(assign, months)
        sets["stock BERTopic"] = bt_counts
        print(f"\nstock BERTopic on {len(assign)} cached embeddings: {len(bt_keys)} topics "
              f"in {time.perf_counter() - start:.0f} s")
        report("stock BERTopic topics", {
            "current (zscore_8>=2, change_abs>0)": current_rule(bt_counts),
            "is_rising (mirror)": rising_rule(bt_counts, months, params),
            "is_rising, min_score 1.5": rising_rule(
                bt_counts, months, replace(params, min_score=CANDIDATE_MIN_SCORE)),
            "flag everything": everything_rule(bt_counts),
        }, bt_counts, months)
    if args.grid:
        grid(sets, months)
        extensions(sets, months, params)


if __name__ == "__main__":
    main()
