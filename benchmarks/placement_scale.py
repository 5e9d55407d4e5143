"""Topic placement of one day over a large archive (issue 12): seconds of ``place_papers`` as the
archive grows, against the previous rule in the same run.

A day of new papers (half of them near a theme no topic covers) is placed against a registry
whose topics hold an archive of N papers, spread over the real archive's days (2024-05 to
2026-08). The vectors are synthetic: unit vectors around one random centre per 30 papers, with
noise that leaves about 70% of the papers loose (below ``assign_similarity``), so the loose
papers of the last ``loose_days`` are many, as in a crowded archive. The previous rule clustered
all of them with the day's unplaced papers (``max_pool_papers`` unbounded: above 4,096 papers
UMAP's pynndescent compiles for about two minutes in every process).

    python benchmarks/placement_scale.py --papers 10000 100000 [--day 20] [--noise 1.1]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd

from flows.lib import topics
from flows.settings import TopicSettings

DAYS = pd.date_range("2024-05-01", "2026-08-01", freq="D")
DIM = 384


def unit(matrix: np.ndarray) -> np.ndarray:
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)


def archive(n: int, noise: float, rng: np.random.Generator) -> tuple[pd.DataFrame, ...]:
    """(papers, registry, assignments): n placed papers, one topic per 30 of them."""
    centres = unit(rng.normal(size=(max(n // 30, 1), DIM)))
    label = rng.integers(0, len(centres), n)
    vectors = unit(centres[label] + rng.normal(size=(n, DIM)) * noise / np.sqrt(DIM))
    ids = np.array([f"p{i:07d}" for i in range(n)])
    topic_ids = np.array([f"t_{c:07d}" for c in range(len(centres))])
    keys, centroids = topics.centroids_of(vectors, label)
    registry = pd.DataFrame(
        {"topic_id": topic_ids[keys], "centroid": list(centroids), "retired_run_id": None}
    )
    similarity = np.einsum("ij,ij->i", vectors, centroids[np.searchsorted(keys, label)])
    papers = pd.DataFrame({
        "paper_id": ids,
        "content_hash": ids,
        "activity_date": DAYS[rng.integers(0, len(DAYS), n)].date,
        "keyphrases": [[f"k{c}", f"k{c} model", f"w{i % 97}"] for i, c in enumerate(label)],
        "embedding": list(vectors),
    })
    assignments = pd.DataFrame({
        "paper_id": ids,
        "topic_id": topic_ids[label],
        "content_hash": ids,
        "similarity": similarity,
        "is_loose": similarity < TopicSettings().assign_similarity,
    })
    return papers, registry, assignments


def new_day(size: int, noise: float, rng: np.random.Generator, like: pd.DataFrame) -> pd.DataFrame:
    """``size`` papers on the day after the archive: half around a new centre, half like
    archive papers."""
    fresh = unit(rng.normal(size=(1, DIM)))
    half = size // 2
    known = np.stack(like["embedding"].sample(size - half, random_state=1))
    vectors = unit(np.vstack([
        fresh + rng.normal(size=(half, DIM)) * 0.5 / np.sqrt(DIM),
        known + rng.normal(size=(size - half, DIM)) * noise / np.sqrt(DIM),
    ]))
    ids = [f"n{i:05d}" for i in range(size)]
    return pd.DataFrame({
        "paper_id": ids,
        "content_hash": ids,
        "activity_date": [DAYS[-1].date() + pd.Timedelta(days=1)] * size,
        "keyphrases": [["novel theme", f"x{i}"] for i in range(size)],
        "embedding": list(vectors),
    })


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--day", type=int, default=20, help="new papers")
    parser.add_argument("--noise", type=float, default=1.1)
    args = parser.parse_args()
    rules = {
        "bounded pool": TopicSettings(),
        "previous rule (every loose paper)": TopicSettings(max_pool_papers=10**9),
    }
    topics.import_umap_cached()  # imports once, outside the timings
    print("| papers | rule | loose in horizon | pool | founded | seconds |")
    print("|---|---|---|---|---|---|")
    for n in args.papers:
        rng = np.random.default_rng(0)
        papers, registry, assignments = archive(n, args.noise, rng)
        papers = pd.concat([papers, new_day(args.day, args.noise, rng, papers)], ignore_index=True)
        for name, params in rules.items():
            place, _ = topics._initial_placement(papers, registry, assignments, params)
            pool = len(topics._pool(place, params, place.how == ""))
            started = time.perf_counter()
            placed, _ = topics.place_papers(papers, registry, assignments, params)
            seconds = time.perf_counter() - started
            founded = int((placed["placement"] == "founded").sum())
            print(f"| {n:,} | {name} | {int(place.loose_pool.sum()):,} | {pool:,} | {founded} "
                  f"| {seconds:.1f} |", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"peak RSS of the process: {peak:.2f} GB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
