"""Keyphrase quality over a tagged lake: measurements, verb tails and boilerplate in the top 10.

For each lake given (e.g. the warm home, tagged by the previous rule, and a copy re-tagged by
this tagger) prints, over every stored top-10 keyphrase:

- the share that is a measurement (``phrase_quality.is_measurement`` on the surface form:
  "7B", "1T tokens", "10x", "128k"; target <= 0.2%), and the share a wider check flags: any
  number with a unit or scale anywhere, sizes inside names too ("Qwen2.5-VL-7B");
- the verb-tailed keyphrases (``has_verb_tail`` with the words after the phrase in its paper);
- the boilerplate learned over the lake's papers (``learn_boilerplate``): list size, top
  entries, share of top-10 keyphrases it marks, and a hand-check list written after the rule
  (never used to tune it).

``--retag`` first copies the first lake and re-tags all its papers with the current tagger
(embeddings come from the lake's cache; new phrases are embedded), then measures both.

    python benchmarks/keyphrase_quality.py --lake /work/warm/home/lake.duckdb --retag
    python benchmarks/keyphrase_quality.py --lake previous/lake.duckdb --lake current/lake.duckdb
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from flows.lib.lake import open_lake  # noqa: E402
from flows.settings import Settings  # noqa: E402
from flows.stages.tagging.keyphrases import compose_text  # noqa: E402
from flows.stages.tagging.phrase_quality import (  # noqa: E402
    has_verb_tail,
    is_measurement,
    learn_boilerplate,
    word_stats,
)

# any number with a unit or scale, also inside a name ("Qwen2.5-VL-7B", "MMDU-45k")
ANY_SIZE = re.compile(
    r"(?<![A-Za-z.\d])\d+(?:[.,]\d+)?\s?(?:[kmbt]|bn|x|\u00d7|times|fold|[tgmk]b|fps|ms|%)"
    r"(?![A-Za-z])",
    re.IGNORECASE,
)
# The hand-check list, written after the boilerplate rule was fixed and never used to tune it:
# canonical forms a reader would call boilerplate, and themes of the archive.
BOILERPLATE_CHECK = [
    "substantial challenge",
    "remarkable progress",
    "limited computational resource",
    "significant improvement",
    "extensive experiment",
    "promising result",
    "superior performance",
    "competitive performance",
    "key challenge",
    "future research",
    "comprehensive evaluation",
    "experimental result",
    "wide range",
    "practical application",
    "great potential",
    "critical role",
    "new paradigm",
    "important problem",
    "growing interest",
    "empirical evidence",
]
THEME_CHECK = [
    "video generation",
    "reinforcement learning",
    "diffusion model",
    "speech recognition",
    "kv cache",
    "code generation",
    "mathematical reasoning",
    "reward model",
    "image editing",
    "retrieval augmented generation",
    "mixture of expert",
    "knowledge distillation",
    "3d reconstruction",
    "robot manipulation",
    "text to image generation",
    "autonomous driving",
    "graph neural network",
    "machine translation",
    "object detection",
    "medical image",
]


def load(lake: Path, top_n: int) -> tuple[list[tuple], dict[str, str], dict[str, set[str]]]:
    """Top-n rows (paper_id, keyphrase, surface_form, config_hash), texts, config hashes."""
    with open_lake(lake, read_only=True) as con:
        rows = con.execute(
            "select paper_id, keyphrase, surface_form, config_hash from paper_keywords "
            "where rank <= ? order by paper_id, rank",
            [top_n],
        ).fetchall()
        papers = con.execute("select paper_id, title, abstract from papers").fetchall()
    texts = {pid: compose_text(t or "", a or "") for pid, t, a in papers}
    hashes: dict[str, set[str]] = {}
    for _, _, _, h in rows:
        hashes.setdefault("config_hash", set()).add(h)
    return rows, texts, hashes


def words_after(text: str, surface: str) -> str | None:
    at = re.search(rf"(?<![\w-]){re.escape(surface)}(?![\w-])", text)
    return text[at.end() : at.end() + 40] if at else None


def quality(rows: list[tuple], texts: dict[str, str]) -> dict:
    measurements = [r[2] for r in rows if is_measurement(r[2])]
    any_size = [r[2] for r in rows if ANY_SIZE.search(r[2])]
    verb_tails = [r[2] for r in rows if has_verb_tail(r[2], words_after(texts.get(r[0], ""), r[2]))]
    return {
        "n": len(rows),
        "measurements": measurements,
        "any_size": any_size,
        "verb_tails": verb_tails,
    }


def report_lake(name: str, lake: Path, top_n: int) -> tuple[list[tuple], dict[str, str]]:
    rows, texts, hashes = load(lake, top_n)
    q = quality(rows, texts)
    n = max(1, q["n"])
    print(f"\n== {name}: {lake} ({len(texts)} papers, config {sorted(hashes['config_hash'])})")
    print(f"top-{top_n} keyphrases: {q['n']}")
    print(
        f"  measurements (is_measurement): {len(q['measurements'])} = "
        f"{100 * len(q['measurements']) / n:.2f}%  e.g. {Counter(q['measurements']).most_common(8)}"
    )
    print(
        f"  any number with unit/scale, names too: {len(q['any_size'])} = "
        f"{100 * len(q['any_size']) / n:.2f}%  e.g. {Counter(q['any_size']).most_common(8)}"
    )
    print(
        f"  verb-tailed: {len(q['verb_tails'])} = {100 * len(q['verb_tails']) / n:.2f}%  "
        f"e.g. {Counter(q['verb_tails']).most_common(8)}"
    )
    return rows, texts


def report_boilerplate(rows: list[tuple], texts: dict[str, str], show: int) -> None:
    start = time.perf_counter()
    stats = word_stats(texts.values())
    phrase_df = Counter(keyphrase for _, keyphrase in {(r[0], r[1]) for r in rows})
    found = learn_boilerplate(phrase_df, stats)
    seconds = time.perf_counter() - start
    marked = {b.phrase for b in found}
    share = sum(r[1] in marked for r in rows) / max(1, len(rows))
    print(f"\n== boilerplate learned over {stats.n_docs} abstracts in {seconds:.1f} s")
    print(
        f"  {len(found)} of {len(phrase_df)} distinct keyphrases; they are "
        f"{100 * share:.1f}% of the top-10 keyphrases"
    )
    print("  top entries (papers):", ", ".join(f"{b.phrase} ({b.n_docs})" for b in found[:show]))
    checks = {p: 1 for p in BOILERPLATE_CHECK + THEME_CHECK}
    learned = {b.phrase for b in learn_boilerplate(checks, stats)}
    hits = [p for p in BOILERPLATE_CHECK if p in learned]
    false = [p for p in THEME_CHECK if p in learned]
    print(
        f"  hand-check: boilerplate recognised {len(hits)}/{len(BOILERPLATE_CHECK)} "
        f"(missed: {[p for p in BOILERPLATE_CHECK if p not in learned]}); "
        f"themes marked {len(false)}/{len(THEME_CHECK)} {false}"
    )


def retag_copy(lake: Path, folder: Path) -> Path:
    """Copy ``lake`` into ``folder`` and re-tag every paper with the current tagger."""
    from flows.stages.tagging.tagger import tag_papers

    target = folder / "lake.duckdb"
    shutil.copy(lake, target)
    wal = lake.with_name(lake.name + ".wal")
    if wal.exists():
        shutil.copy(wal, folder / wal.name)
    settings = Settings(home=folder)
    if settings.tagging.model_dir is None:
        settings.tagging = settings.tagging.model_copy(update={"model_dir": lake.parent / "models"})
    start = time.perf_counter()
    with open_lake(target) as con:
        counts = tag_papers(settings, con, run_id="keyphrase-quality", progress=False)
    print(f"re-tagged a copy in {time.perf_counter() - start:.0f} s: {counts}")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lake", type=Path, action="append", help="lake.duckdb (repeatable)")
    parser.add_argument("--retag", action="store_true", help="also re-tag a copy of the first")
    parser.add_argument("--top-n", type=int, default=10)
    parser.add_argument("--show", type=int, default=30, help="boilerplate entries to print")
    args = parser.parse_args()
    lakes = args.lake or [Settings().lake_path]
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    with tempfile.TemporaryDirectory(prefix="keyphrase-quality-") as tmp:
        if args.retag:
            lakes = [lakes[0], retag_copy(lakes[0], Path(tmp))]
        last = None
        for i, lake in enumerate(lakes):
            name = "re-tagged copy" if args.retag and i == 1 else f"lake {i + 1}"
            last = report_lake(name, lake, args.top_n)
        report_boilerplate(*last, args.show)
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
