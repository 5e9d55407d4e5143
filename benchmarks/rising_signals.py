"""Signals beyond monthly counts for the "rising" rule, backtested like rising_backtest.py.

Usage: python benchmarks/rising_signals.py WAREHOUSE [--level topic|theme] [--assignments PARQUET]
       [--held-out]

Same months, hit definition and design/held-out split as ``rising_backtest.py`` (issue 11: a
flag at month m is a hit when the topic's share over m+1..m+3 is >= 1.5x its share over
m-3..m-1, one paper added to each, with >= 3 papers over m+1..m+3). Per topic and month it
computes, from the warehouse's ``dim_papers`` (primary topic, HF upvotes, authors, activity
date) and ``fct_paper_keywords``:

- upvotes: the topic's upvotes per paper against the month's upvotes per paper (``upv_rel``),
  and the topic's share of the month's upvotes against its baseline upvote share
  (``upv_ratio``, one median paper's upvotes added to the baseline);
- breadth: distinct activity days and distinct authors in the window, and the largest single
  day's share of the window's papers (one burst vs a spread);
- keyphrase novelty: the share of the window's papers with a top-5 keyphrase that none of the
  topic's earlier papers had;
- momentum: the share ratio of the previous month against the baseline before it;
- size: the topic's papers over the baseline (larger topics have steadier shares).

Each family of rules is a small grid printed on the **design months only** (the first 10 of the
20 eligible months); the best member of each family with >= 5 flags a month on the design
months is chosen there. ``--held-out`` then prints, once, those chosen candidates on all months
and on each half next to the current ``is_rising`` (the dbt vars) and the old z-score rule.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.rising_backtest import (  # noqa: E402
    TARGET_PER_MONTH,
    Months,
    Score,
    count_matrix,
    current_rule,
    dbt_rising_params,
    everything_rule,
    halves,
    hits,
    load_papers,
    months_of,
    report,
    rising_rule,
    rising_score,
    score,
)

BASELINE = 3  # months, as the rule's default
MIN_PAPERS = 4  # the rule's support: 1 -> 3 papers is never rising


@dataclass
class Signals:
    """Topic x month matrices of the window and of its trailing baseline."""

    n: np.ndarray  # papers
    ratio: np.ndarray  # share / baseline share (prior 1 paper)
    score: np.ndarray  # rising_score (Poisson deviance) against the baseline share
    prev_ratio: np.ndarray  # the previous month's ratio against the baseline before it
    base_n: np.ndarray  # papers over the baseline months
    upv_rel: np.ndarray  # upvotes per paper / the month's upvotes per paper
    upv_ratio: np.ndarray  # upvote share / baseline upvote share
    upv_med: np.ndarray  # median upvotes of the window's papers / the month's median
    days: np.ndarray  # distinct activity days
    authors: np.ndarray  # distinct authors
    new_authors: np.ndarray  # share of the window's distinct authors new to the topic
    top_day: np.ndarray  # the largest single day's share of the window's papers
    novelty: np.ndarray  # share of papers with a keyphrase unseen in the topic before
    new_shared: np.ndarray  # keyphrases in >= 2 of the window's papers, unseen in the topic before
    eligible: np.ndarray  # topic exists (first month <= m) and has a baseline
    theme_ratio: np.ndarray | None = None  # the topic's theme's share / its baseline share


def matrix(frame: pd.DataFrame, pos: dict[str, int], lo: int, shape: tuple[int, int],
           values: np.ndarray) -> np.ndarray:
    out = np.zeros(shape)
    rows = frame["key"].astype(str).map(pos).to_numpy()
    cols = frame["month"].to_numpy() - lo
    np.add.at(out, (rows, cols), values)
    return out


def by_window(frame: pd.DataFrame, pos: dict[str, int], lo: int, shape: tuple[int, int],
              column: str, how: str) -> np.ndarray:
    grouped = frame.groupby(["key", "month"])[column].agg(how).reset_index()
    return matrix(grouped, pos, lo, shape, grouped[column].to_numpy(dtype=float))


def trailing(m: np.ndarray, i: int, width: int = BASELINE) -> np.ndarray:
    return m[:, max(0, i - width) : i].sum(axis=1)


def load_frame(
    con: duckdb.DuckDBPyConnection, papers: pd.DataFrame, level: str, assignments: Path | None
) -> pd.DataFrame:
    """The papers with a key (primary topic, primary theme, or the topic of ``assignments``,
    a parquet of paper_id, key), their upvotes, authors and top-5 keyphrases."""
    extra = con.execute("select paper_id, coalesce(upvotes, 0) as upvotes, authors, "
                        "primary_theme_id from dim_papers").df()
    keywords = con.execute("select paper_id, list(keyphrase) as keyphrases "
                           "from fct_paper_keywords where rank <= 5 group by paper_id").df()
    frame = papers.merge(extra, on="paper_id").merge(keywords, on="paper_id", how="left")
    if assignments is not None:
        frame = frame.merge(pd.read_parquet(assignments)[["paper_id", "key"]], on="paper_id")
    else:
        frame["key"] = frame["primary_theme_id" if level == "theme" else "topic_id"]
    frame = frame[frame["key"].notna()]
    frame["key"] = frame["key"].astype(str)
    dates = pd.to_datetime(frame["activity_date"])
    frame["month"] = dates.dt.year * 12 + dates.dt.month - 1
    frame["day"] = dates.dt.normalize()
    return frame.sort_values(["activity_date", "paper_id"]).reset_index(drop=True)


def novelty(frame: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Per paper: has a top-5 keyphrase no earlier month's paper of its topic had; per topic
    and month: how many keyphrases unseen in the topic before are shared by >= 2 papers."""
    seen: dict[str, set[str]] = {}
    novel = np.zeros(len(frame), dtype=bool)
    shared = []
    for (key, month), group in frame.groupby(["key", "month"], sort=True):
        known = seen.setdefault(str(key), set())
        here: Counter[str] = Counter()
        for row, phrases in zip(group.index, group["keyphrases"], strict=True):
            phrases = set(phrases) if isinstance(phrases, list | np.ndarray) else set()
            novel[row] = bool(phrases - known)
            here.update(phrases)
        shared.append((key, month, sum(1 for p, c in here.items() if c >= 2 and p not in known)))
        known |= set(here)
    return novel, pd.DataFrame(shared, columns=["key", "month", "new_shared"])


def signals(frame: pd.DataFrame, months: Months) -> tuple[list[str], np.ndarray, Signals]:
    keys, counts = count_matrix(frame, months)
    pos = {k: r for r, k in enumerate(keys)}
    lo = months.starts[0].year * 12 + months.starts[0].month - 1
    shape = counts.shape
    upv = matrix(frame, pos, lo, shape, frame["upvotes"].to_numpy(dtype=float))
    upv_all = upv.sum(axis=0)
    days = by_window(frame, pos, lo, shape, "day", "nunique")
    per_day = frame.groupby(["key", "month", "day"]).size().rename("k").reset_index()
    top_day = by_window(per_day, pos, lo, shape, "k", "max")
    exploded = frame[["key", "month", "authors"]].explode("authors").dropna()
    authors = by_window(exploded, pos, lo, shape, "authors", "nunique")
    firsts = exploded.groupby(["key", "authors"])["month"].min().reset_index()
    new_authors = matrix(firsts, pos, lo, shape, np.ones(len(firsts)))
    novel_papers, shared = novelty(frame)
    novel = matrix(frame, pos, lo, shape, novel_papers.astype(float))
    new_shared = matrix(shared, pos, lo, shape, shared["new_shared"].to_numpy(dtype=float))
    med = by_window(frame, pos, lo, shape, "upvotes", "median")
    month_med = frame.groupby("month")["upvotes"].median()
    med_all = np.array([month_med.get(lo + i, np.nan) for i in range(shape[1])])
    median_upv = float(np.median(frame["upvotes"]))
    out = {name: np.zeros(shape) for name in
           ("ratio", "score", "prev_ratio", "base_n", "upv_rel", "upv_ratio")}
    first = np.argmax(counts > 0, axis=1)
    eligible = np.zeros(shape, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in range(1, shape[1]):
            base_all = trailing(months.n_all[None, :], i)[0]
            base_share = (trailing(counts, i) + 1.0) / base_all
            out["base_n"][:, i] = trailing(counts, i)
            out["ratio"][:, i] = counts[:, i] / months.n_all[i] / base_share
            out["score"][:, i] = rising_score(counts[:, i], months.n_all[i] * base_share)
            out["upv_rel"][:, i] = np.where(
                counts[:, i] > 0,
                (upv[:, i] / np.maximum(counts[:, i], 1)) / (upv_all[i] / months.n_all[i]), 0)
            base_upv_share = (trailing(upv, i) + median_upv) / trailing(upv_all[None, :], i)[0]
            out["upv_ratio"][:, i] = upv[:, i] / upv_all[i] / base_upv_share
            eligible[:, i] = first <= i
            if i >= 2:
                prev_all = trailing(months.n_all[None, :], i - 1)[0]
                prev_share = (trailing(counts, i - 1) + 1.0) / prev_all
                out["prev_ratio"][:, i] = counts[:, i - 1] / months.n_all[i - 1] / prev_share
    top_share = np.where(counts > 0, top_day / np.maximum(counts, 1), 0)
    return keys, counts, Signals(counts, out["ratio"], out["score"], out["prev_ratio"],
                                 out["base_n"], out["upv_rel"], out["upv_ratio"],
                                 med / np.maximum(med_all, 1)[None, :], days, authors,
                                 new_authors / np.maximum(authors, 1),
                                 top_share, novel / np.maximum(counts, 1), new_shared, eligible)


def theme_ratio(frame: pd.DataFrame, keys: list[str], months: Months) -> np.ndarray:
    """Per topic and month: its theme's (the commonest primary theme of its papers) share
    against the theme's baseline share (prior 1 paper), as the topic's ratio is computed."""
    themes = frame[frame["primary_theme_id"].notna()]
    theme_keys, theme_counts = count_matrix(
        themes.assign(key=themes["primary_theme_id"].astype(str)), months)
    ratio = np.zeros(theme_counts.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in range(1, theme_counts.shape[1]):
            base_share = ((trailing(theme_counts, i) + 1.0)
                          / trailing(months.n_all[None, :], i)[0])
            ratio[:, i] = theme_counts[:, i] / months.n_all[i] / base_share
    commonest = (themes.groupby("key")["primary_theme_id"].agg(lambda t: t.mode().iat[0])
                 .astype(str))
    row = {t: r for r, t in enumerate(theme_keys)}
    out = np.ones((len(keys), theme_counts.shape[1]))
    for r, key in enumerate(keys):
        if key in commonest.index:
            out[r] = ratio[row[commonest[key]]]
    return out


# --- rule families -----------------------------------------------------------------------------


def top_k(value: np.ndarray, allowed: np.ndarray, k: int) -> np.ndarray:
    """Per month, the k allowed topics with the highest value."""
    flags = np.zeros(value.shape, dtype=bool)
    masked = np.where(allowed, value, -np.inf)
    for i in range(value.shape[1]):
        order = np.argsort(-masked[:, i], kind="stable")[:k]
        flags[order, i] = np.isfinite(masked[order, i])
    return flags


Rule = Callable[[Signals], np.ndarray]


def base_gate(s: Signals, min_ratio: float = 1.5, min_score: float = 2.0) -> np.ndarray:
    return s.eligible & (s.n >= MIN_PAPERS) & (s.ratio >= min_ratio) & (s.score >= min_score)


# scores the "top-k by score" family ranks topics by, per month
RANKING_SCORES: dict[str, Rule] = {
    "rising_score": lambda s: s.score,
    "log ratio": lambda s: np.log(np.maximum(s.ratio, 1e-9)),
    "score + 0.5 log upv_rel": lambda s: s.score + 0.5 * np.log(np.maximum(s.upv_rel, 1e-3)),
    "score + log upv_rel": lambda s: s.score + np.log(np.maximum(s.upv_rel, 1e-3)),
    "score + 2 log upv_rel": lambda s: s.score + 2 * np.log(np.maximum(s.upv_rel, 1e-3)),
    "score + log upv_med": lambda s: s.score + np.log(np.maximum(s.upv_med, 1e-2)),
    "log ratio + log upv_rel": lambda s: np.log(np.maximum(s.ratio, 1e-9))
    + np.log(np.maximum(s.upv_rel, 1e-3)),
    "score + new_shared/2": lambda s: s.score + s.new_shared / 2,
    "score x upv_ratio>1": lambda s: s.score * (s.upv_ratio >= 1),
    "score + log prev_ratio": lambda s: s.score + np.log(np.maximum(s.prev_ratio, 0.1)),
    "score + max(log prev_ratio, 0)": lambda s: s.score + np.maximum(
        np.log(np.maximum(s.prev_ratio, 1e-3)), 0),
    "score x novelty": lambda s: s.score * s.novelty,
    "score + days/4": lambda s: s.score + s.days / 4,
    "log ratio + log(base_n+1)": lambda s: np.log(np.maximum(s.ratio, 1e-9))
    + np.log1p(s.base_n),
}


def families() -> dict[str, dict[str, Rule]]:
    """Family -> {candidate name: rule}. Every candidate keeps the >= 4 papers support."""
    fam: dict[str, dict[str, Rule]] = {name: {} for name in (
        "upvote gate", "upvote share", "breadth", "novelty", "momentum + upvotes",
        "top-k by score", "new authors", "theme context")}
    loose = ((1.2, 1.0), (1.5, 1.0), (1.5, 1.5), (1.5, 2.0))
    for (ratio, z), t in itertools.product(loose, (0.8, 1.0, 1.2, 1.5)):
        fam["upvote gate"][f"ratio>={ratio}, score>={z}, upv_rel>={t}"] = (
            lambda s, r=ratio, z=z, t=t: base_gate(s, r, z) & (s.upv_rel >= t))
    for ur, t in itertools.product((1.5, 2.0, 3.0), (0.0, 1.0, 1.2)):
        fam["upvote share"][f"upv_ratio>={ur}, ratio>={t}"] = (
            lambda s, ur=ur, t=t: s.eligible & (s.n >= MIN_PAPERS) & (s.upv_ratio >= ur)
            & (s.ratio >= t))
    for (ratio, z), d, top in itertools.product(loose, (3, 4, 5), (1.0, 0.5, 0.34)):
        fam["breadth"][f"ratio>={ratio}, score>={z}, days>={d}, top_day<={top}"] = (
            lambda s, r=ratio, z=z, d=d, top=top: base_gate(s, r, z) & (s.days >= d)
            & (s.top_day <= top))
    for (ratio, z), t in itertools.product(loose, (0.5, 0.9)):
        fam["novelty"][f"ratio>={ratio}, score>={z}, novelty>={t}"] = (
            lambda s, r=ratio, z=z, t=t: base_gate(s, r, z) & (s.novelty >= t))
    for (ratio, z), t in itertools.product(loose, (1, 2, 3)):
        fam["novelty"][f"ratio>={ratio}, score>={z}, new_shared>={t}"] = (
            lambda s, r=ratio, z=z, t=t: base_gate(s, r, z) & (s.new_shared >= t))
    for (ratio, z), pr, t in itertools.product(((1.2, 0.0), (1.2, 1.0), (1.5, 1.0)),
                                               (0.8, 1.0, 1.5), (0.0, 0.8, 1.0)):
        fam["momentum + upvotes"][f"ratio>={ratio}, score>={z}, prev>={pr}, upv_rel>={t}"] = (
            lambda s, r=ratio, z=z, pr=pr, t=t: base_gate(s, r, z) & (s.prev_ratio >= pr)
            & (s.upv_rel >= t))
    for (ratio, z), t in itertools.product(loose, (0.7, 0.8, 0.9)):
        fam["new authors"][f"ratio>={ratio}, score>={z}, new_authors>={t}"] = (
            lambda s, r=ratio, z=z, t=t: base_gate(s, r, z) & (s.new_authors >= t))
    for k in (5, 6):
        fam["new authors"][f"top {k} by score x new_authors, ratio>=1.5"] = (
            lambda s, k=k: top_k(s.score * s.new_authors,
                                 s.eligible & (s.n >= MIN_PAPERS) & (s.ratio >= 1.5), k))
    for (ratio, z), t in itertools.product(loose, (1.0, 1.2, 1.5)):
        fam["theme context"][f"ratio>={ratio}, score>={z}, theme_ratio>={t}"] = (
            lambda s, r=ratio, z=z, t=t: base_gate(s, r, z) & (s.theme_ratio >= t))
    for k in (5, 6):
        fam["theme context"][f"top {k} by score + log theme_ratio, ratio>=1.5"] = (
            lambda s, k=k: top_k(s.score + np.log(np.maximum(s.theme_ratio, 1e-3)),
                                 s.eligible & (s.n >= MIN_PAPERS) & (s.ratio >= 1.5), k))
    for (name, value), k, r in itertools.product(RANKING_SCORES.items(), (5, 6), (1.0, 1.5)):
        fam["top-k by score"][f"top {k} by {name}, ratio>={r}"] = (
            lambda s, v=value, k=k, r=r: top_k(
                v(s), s.eligible & (s.n >= MIN_PAPERS) & (s.ratio >= r), k))
    return fam


FEATURES: dict[str, Callable[[Signals], np.ndarray]] = {
    "log ratio": lambda s: np.log(np.maximum(s.ratio, 1e-3)),
    "score": lambda s: s.score,
    "log upv_rel": lambda s: np.log(np.maximum(s.upv_rel, 1e-3)),
    "log prev_ratio": lambda s: np.log(np.maximum(s.prev_ratio, 1e-3)),
    "log base_n+1": lambda s: np.log1p(s.base_n),
    "days": lambda s: s.days,
    "top_day": lambda s: s.top_day,
    "new_shared": lambda s: s.new_shared,
}


def learned(
    s: Signals, hit: np.ndarray, design: list[int], label: str = "design months"
) -> dict[str, Rule]:
    """Top-k by a logistic regression of hit on the signals, fitted on the ``design`` months."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    allowed = s.eligible & (s.n >= MIN_PAPERS)
    x = np.stack([f(s) for f in FEATURES.values()], axis=-1)
    rows = allowed[:, design]
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))
    model.fit(x[:, design][rows], hit[:, design][rows])
    coef = model[-1].coef_[0]
    print(f"  logistic coefficients (standardised, {label}): " + ", ".join(
        f"{n} {c:+.2f}" for n, c in zip(FEATURES, coef, strict=True)))
    prob = model.predict_proba(x.reshape(-1, x.shape[-1]))[:, 1].reshape(s.n.shape)
    return {f"top {k} by logistic(all signals), ratio>={r}":
            (lambda s, k=k, r=r: top_k(prob, allowed & (s.ratio >= r), k))
            for k, r in itertools.product((5, 6), (1.0, 1.5))}


# --- main --------------------------------------------------------------------------------------


def ceiling(s: Signals, hit: np.ndarray, month_ids: list[int], label: str) -> None:
    """What any rule with the >= 4 papers support can reach: the candidates per month, the
    hits among them, and the precision of an oracle that flags the hits first, 5 a month."""
    allowed = (s.eligible & (s.n >= MIN_PAPERS))[:, month_ids]
    found = (allowed & hit[:, month_ids]).sum(axis=0)
    oracle = np.minimum(found, TARGET_PER_MONTH).sum() / (TARGET_PER_MONTH * len(month_ids))
    print(f"  {label}: {allowed.sum(axis=0).mean():.1f} candidates (>= {MIN_PAPERS} papers) "
          f"a month, {found.mean():.1f} hits among them (precision "
          f"{found.sum() / allowed.sum():.2f}); oracle top {TARGET_PER_MONTH}: {oracle:.2f}")


def all_families(s: Signals, hit: np.ndarray, design: list[int]) -> dict[str, dict[str, Rule]]:
    fam = families()
    if s.theme_ratio is None:  # themes themselves, or topics without a theme (stock BERTopic)
        del fam["theme context"]
    print("\nlearned ranking:")
    fam["learned ranking"] = learned(s, hit, design)
    return fam


def design_search(
    s: Signals, hit: np.ndarray, months: Months
) -> dict[str, tuple[str, Score] | None]:
    """Print every candidate's design-month figures; return each family's best at >= 5/month."""
    design, _ = halves(months)
    chosen: dict[str, tuple[str, Score] | None] = {}
    for family, rules in all_families(s, hit, design).items():
        print(f"\n{family} (design months only):")
        best: tuple[str, Score] | None = None
        for name, rule in rules.items():
            sc = score(rule(s), hit, design)
            print(f"  {name:58} {sc.cell()}")
            if sc.per_month >= TARGET_PER_MONTH and (best is None or sc.precision
                                                      > best[1].precision):
                best = (name, sc)
        chosen[family] = best
        print(f"  -> chosen: {best[0] + ' ' + best[1].cell() if best else 'none >= 5/month'}")
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path, help="a published warehouse.duckdb")
    parser.add_argument("--level", choices=("topic", "theme"), default="topic",
                        help="primary topics (default) or primary themes as the keys")
    parser.add_argument("--assignments", type=Path,
                        help="parquet of paper_id, key (e.g. rising_backtest.py's stock BERTopic "
                        "--bertopic-cache) used as the keys instead")
    parser.add_argument("--held-out", action="store_true",
                        help="also print the chosen candidates on the held-out half")
    args = parser.parse_args()
    if not args.warehouse.is_file():
        sys.exit(f"no warehouse at {args.warehouse}")
    load = os.getloadavg()
    print(f"load: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1/5/15 min, {os.cpu_count()} "
          "cores; shared machine)")
    con = duckdb.connect(str(args.warehouse), read_only=True)
    papers = load_papers(con)
    months = months_of(papers)  # all papers, as rising_backtest.py
    frame = load_frame(con, papers, args.level, args.assignments)
    con.close()
    keys, counts, s = signals(frame, months)
    if args.level == "topic" and args.assignments is None:
        s.theme_ratio = theme_ratio(frame, keys, months)
    hit = hits(counts, months)
    design, held = halves(months)
    print(f"{len(frame)} papers with a key, {counts.shape[0]} keys "
          f"({args.assignments or args.level}), months: design "
          f"{months.starts[design[0]]:%Y-%m}..{months.starts[design[-1]]:%Y-%m}, held out "
          f"{months.starts[held[0]]:%Y-%m}..{months.starts[held[-1]]:%Y-%m}")
    params = dbt_rising_params()
    anchors = {"old zscore_8>=2, change_abs>0": current_rule(counts),
               "is_rising (dbt vars)": rising_rule(counts, months, params)}
    print("\nanchors on the design months: " + "; ".join(
        f"{n} {score(f, hit, design).cell()}" for n, f in anchors.items()))
    print("\nceiling:")
    ceiling(s, hit, design, "design months")
    chosen = design_search(s, hit, months)
    if args.held_out:
        print("\nceiling (held out: printed with --held-out only):")
        ceiling(s, hit, held, "held-out months")
        ceiling(s, hit, design + held, "all months")
        print("in-sample ceiling of a linear score (NOT a rule: fitted on all 20 months):")
        in_sample = learned(s, hit, design + held, "all months")
        sc = [score(rule(s), hit, design + held) for rule in in_sample.values()]
        print("  " + "; ".join(f"{n} {c.cell()}" for n, c in zip(in_sample, sc, strict=True)))
        all_rules = {name: rule for rules in all_families(s, hit, design).values()
                     for name, rule in rules.items()}
        rules = dict(anchors)
        for family, best in chosen.items():
            if best is not None:
                rules[f"{family}: {best[0]}"] = all_rules[best[0]](s)
        rules["flag everything"] = everything_rule(counts)
        report("chosen candidates, measured once on all months and both halves", rules,
               counts, months)


if __name__ == "__main__":
    main()
