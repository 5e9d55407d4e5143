"""Topic quality on hand-labelled theme groups: our topics, our themes and stock BERTopic.

Usage: python benchmarks/topic_quality.py --home HOME [--warehouse FILE] [--set key=value ...]

Loads the labelled groups (benchmarks/theme_groups/theme_groups.csv: group, arxiv_id, split),
finds their papers in HOME's lake, and prints for the dev and the held-out half separately:
pair recall (same-group pairs that share a primary topic / theme) and cross-group merge rate
(different-group pairs that share one), for

  ours/topics, ours/themes  from --warehouse (a warehouse or candidate built by dbt), or else
                            computed here by flows.lib.topics (the code the dbt models call) on a
                            cold registry, with TopicSettings overridden by --set;
  stock BERTopic            UMAP + HDBSCAN (min_cluster_size=10) + reduce_outliers
                            (strategy "embeddings"), UMAP random_state 42, on the same cached
                            MiniLM document embeddings of every paper of the lake;

plus n topics, n themes, median papers per topic, median papers per theme-month (complete
months from the theme's first month on), and the labels that are measurements
(flows.stages.tagging.phrase_quality.is_measurement) or contain a digit. States the machine load.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from flows.settings import REPO_ROOT, Settings, TopicSettings

GROUPS = REPO_ROOT / "benchmarks" / "theme_groups" / "theme_groups.csv"


def lake_papers(lake: Path) -> pd.DataFrame:
    """paper_id, content_hash, activity_date, keyphrases, embedding, title, abstract."""
    from flows.stages.tagging.cache import text_hash
    from flows.stages.tagging.keyphrases import compose_text

    con = duckdb.connect(str(lake), read_only=True)
    try:
        papers = con.execute(
            """
            select p.paper_id, p.content_hash, p.title, p.abstract,
                cast(coalesce(p.first_seen_at, p.published_at) as date) as activity_date,
                coalesce(k.keyphrases, []) as keyphrases
            from papers p
            left join (select paper_id, list(keyphrase order by rank) as keyphrases
                       from paper_keywords group by paper_id) k using (paper_id)
            """
        ).df()
        papers["text_hash"] = [
            text_hash(compose_text(t or "", a or ""))
            for t, a in zip(papers["title"], papers["abstract"], strict=True)
        ]
        con.register("_hashes", papers[["paper_id", "text_hash"]])
        emb = con.execute(
            """
            select h.paper_id, e.embedding from _hashes h
            join doc_embeddings e using (text_hash)
            where e.model_name = (select model_name from doc_embeddings
                                  group by model_name order by count(*) desc limit 1)
            """
        ).df()
    finally:
        con.close()
    papers = papers.merge(emb, on="paper_id")
    papers["embedding"] = [np.asarray(e, dtype=np.float32) for e in papers["embedding"]]
    return papers.sort_values("paper_id", ignore_index=True)


def ours_computed(papers: pd.DataFrame, params: TopicSettings) -> pd.DataFrame:
    """paper_id, topic, theme from flows.lib.topics on an empty registry (a cold first run)."""
    from flows.lib.topics import place_papers, topic_table

    empty_topics = pd.DataFrame(columns=["topic_id", "centroid", "label", "theme_id"])
    empty_topics["retired_run_id"] = pd.Series(dtype=object)
    empty_themes = pd.DataFrame(columns=["theme_id", "centroid", "label", "retired_run_id"])
    no_assignments = pd.DataFrame(
        columns=["paper_id", "topic_id", "content_hash", "similarity", "is_loose"]
    )
    placed, _ = place_papers(papers, empty_topics, no_assignments, params)
    topics = topic_table(papers, placed, empty_topics, empty_themes, params)
    primary = placed[placed["is_primary"]][["paper_id", "topic_id"]]
    primary = primary.merge(topics[["topic_id", "theme_id"]], on="topic_id")
    return primary.rename(columns={"topic_id": "topic", "theme_id": "theme"})


def ours_from_warehouse(path: Path) -> tuple[pd.DataFrame, list[str]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        frame = con.execute(
            """
            select p.paper_id, p.primary_topic_id as topic, t.theme_id as theme
            from dim_papers p join dim_topics t on p.primary_topic_id = t.topic_id
            """
        ).df()
        labels = [
            r[0]
            for r in con.execute(
                "select label from dim_topics union all select label from dim_themes"
            ).fetchall()
        ]
    finally:
        con.close()
    return frame, labels


def stock_bertopic(papers: pd.DataFrame) -> pd.DataFrame:
    from bertopic import BERTopic
    from umap import UMAP

    umap = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=42)
    model = BERTopic(umap_model=umap, min_topic_size=10, calculate_probabilities=False)
    docs = [f"{t}. {a}" for t, a in zip(papers["title"], papers["abstract"], strict=True)]
    embeddings = np.vstack(papers["embedding"])
    topics, _ = model.fit_transform(docs, embeddings=embeddings)
    topics = model.reduce_outliers(docs, topics, strategy="embeddings", embeddings=embeddings)
    return pd.DataFrame({"paper_id": papers["paper_id"], "topic": topics})


def pair_scores(groups: pd.DataFrame, cluster: dict[str, str]) -> tuple[float, float, int]:
    """(pair recall, cross-group merge rate, papers found) over the papers of `groups`."""
    pairs = zip(groups["group"], groups["paper_id"], strict=True)
    rows = [(g, cluster[p]) for g, p in pairs if p in cluster]
    same = together = cross = merged = 0
    for (g1, c1), (g2, c2) in itertools.combinations(rows, 2):
        if g1 == g2:
            same += 1
            together += c1 == c2
        else:
            cross += 1
            merged += c1 == c2
    return together / max(same, 1), merged / max(cross, 1), len(rows)


def theme_month_median(papers: pd.DataFrame, assigned: pd.DataFrame) -> float:
    """Median papers per theme and complete month, from the theme's first month on."""
    frame = assigned.merge(papers[["paper_id", "activity_date"]], on="paper_id")
    frame["month"] = pd.to_datetime(frame["activity_date"]).dt.to_period("M")
    last_day = pd.to_datetime(papers["activity_date"]).max()
    last_complete = (last_day + pd.Timedelta(days=1)).to_period("M") - 1
    counts = frame.groupby(["theme", "month"]).size()
    cells = []
    for theme, first in frame.groupby("theme")["month"].min().items():
        for month in pd.period_range(first, last_complete, freq="M"):
            cells.append(counts.get((theme, month), 0))
    return float(np.median(cells)) if cells else 0.0


def label_figures(labels: list[str]) -> str:
    from flows.stages.tagging.phrase_quality import is_measurement

    parts = [part.strip() for label in labels for part in label.split(" / ")]
    measurements = sorted({p for p in parts if is_measurement(p)})
    digits = sum(any(ch.isdigit() for ch in label) for label in labels)
    return (
        f"labels: {len(labels)}, measurements {len(measurements)} {measurements[:5]}, "
        f"with a digit {digits}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="PAPERTRENDS_HOME with a lake")
    parser.add_argument("--warehouse", type=Path, help="warehouse/candidate built by dbt")
    parser.add_argument("--groups", type=Path, default=GROUPS)
    parser.add_argument("--set", action="append", default=[], help="TopicSettings key=value")
    parser.add_argument("--no-stock", action="store_true", help="skip stock BERTopic")
    args = parser.parse_args()
    print(f"load at start: {os.getloadavg()} (shared 2-core machine)")
    params = TopicSettings(**dict(kv.split("=", 1) for kv in args.set))
    papers = lake_papers(Settings(home=args.home).lake_path)
    with args.groups.open(newline="", encoding="utf-8") as f:
        groups = pd.DataFrame(list(csv.DictReader(f))).rename(columns={"arxiv_id": "paper_id"})
    print(f"{len(papers)} papers with embeddings; {len(groups)} labelled in "
          f"{groups['group'].nunique()} groups")
    start = time.perf_counter()
    if args.warehouse:
        ours, labels = ours_from_warehouse(args.warehouse)
        source = f"warehouse {args.warehouse}"
    else:
        ours, labels = ours_computed(papers, params), []
        source = f"flows.lib.topics, cold, params {params.model_dump()}"
    print(f"ours ({source}): {time.perf_counter() - start:.1f} s")
    systems = {
        "ours/topics": dict(zip(ours["paper_id"], ours["topic"], strict=True)),
        "ours/themes": dict(zip(ours["paper_id"], ours["theme"], strict=True)),
    }
    if not args.no_stock:
        start = time.perf_counter()
        stock = stock_bertopic(papers)
        print(f"stock BERTopic: {time.perf_counter() - start:.1f} s")
        systems["stock BERTopic"] = dict(zip(stock["paper_id"], stock["topic"], strict=True))
    print(f"{'system':<16} {'split':<8} {'recall':>7} {'merge':>7} {'found':>6} {'clusters':>9}")
    for name, cluster in systems.items():
        sizes = pd.Series(list(cluster.values())).value_counts()
        for split in ("dev", "heldout"):
            recall, merge, found = pair_scores(groups[groups["split"] == split], cluster)
            print(f"{name:<16} {split:<8} {recall:7.3f} {merge:7.3f} {found:6d} {len(sizes):9d}"
                  f"  (median papers/cluster {sizes.median():.0f})")
    print(f"themes: {ours['theme'].nunique()}, median papers per theme-month "
          f"{theme_month_median(papers, ours):.0f}")
    if labels:
        print(label_figures(labels))
    print(f"load at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
