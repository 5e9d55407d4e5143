"""Precision and recall of ``flows.lib.claims.extract_claims`` on hand-labelled abstracts.

Usage: ``python benchmarks/claims_eval.py [--errors] [--split dev|heldout|all]``

The labels (``benchmarks/claims_labels/hf_daily_numeric_claims.json``) name each abstract by
its HF daily-papers file and arXiv id; the abstracts are read at run time from
``$PAPERTRENDS_DATA_DIR`` (default ``../shared/data``) through the pipeline's own parser and
text cleaning, so the text is the abstract as stored. Nothing is read from the repository but
the labels; when the data is absent the script says so and exits 0.

A predicted numeric claim matches a labelled one of the same paper with the same value, unit
and direction (one-to-one). Metric agreement over the matched pairs is reported apart: the two
metric phrases share a content word. The MeasEval train split checks the number-and-unit
detection underneath (``flows.lib.claims.quantities.find_quantities``).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

LABELS = Path(__file__).resolve().parent / "claims_labels" / "hf_daily_numeric_claims.json"


@dataclass(frozen=True)
class Key:
    """What a numeric claim must agree on to count as found."""

    value: float
    unit: str
    direction: str


@dataclass(frozen=True)
class Scores:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: Scores) -> Scores:
        return Scores(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)


def same_key(a: Key, b: Key) -> bool:
    return (
        a.unit == b.unit
        and a.direction == b.direction
        and math.isclose(a.value, b.value, rel_tol=1e-9, abs_tol=1e-6)
    )


def match(gold: list[Key], predicted: list[Key]) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, predicted index) of equal keys, in order of appearance."""
    pairs: list[tuple[int, int]] = []
    taken: set[int] = set()
    for gi, g in enumerate(gold):
        for pi, p in enumerate(predicted):
            if pi not in taken and same_key(g, p):
                pairs.append((gi, pi))
                taken.add(pi)
                break
    return pairs


def score(gold: list[Key], predicted: list[Key]) -> Scores:
    tp = len(match(gold, predicted))
    return Scores(tp=tp, fp=len(predicted) - tp, fn=len(gold) - tp)


_CONTENT = re.compile(r"[a-z0-9@&]+")
_IGNORED = {"the", "a", "an", "of", "in", "on", "and", "average", "overall", "score", "rate"}


def metric_agrees(gold: str | None, predicted: str | None) -> bool:
    """Both name the same thing: they share a content word (plural folded)."""

    def words(text: str | None) -> set[str]:
        found = _CONTENT.findall((text or "").lower())
        return {w.rstrip("s") for w in found if w not in _IGNORED}

    return bool(words(gold) & words(predicted))


def load_labels(path: Path = LABELS) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["papers"]


def load_abstracts(data_dir: Path, papers: list[dict]) -> dict[tuple[str, str], str]:
    """Abstracts as the pipeline stores them, keyed by (file, arXiv id)."""
    from flows.lib.records import RawRecord, clean_text
    from flows.stages.sources.hf_daily import read_file

    wanted: dict[str, set[str]] = {}
    for paper in papers:
        wanted.setdefault(paper["source_file"], set()).add(paper["arxiv_id"])
    found: dict[tuple[str, str], str] = {}
    for name, ids in wanted.items():
        path = data_dir / "hf-daily-papers" / name
        if not path.is_file():
            continue
        for record in read_file(path):
            if isinstance(record, RawRecord) and record.arxiv_id in ids:
                found[(name, record.arxiv_id)] = clean_text(record.abstract)
    return found


@dataclass
class Report:
    scores: Scores
    metric_agreement: tuple[int, int]
    qualifier_agreement: tuple[int, int]
    type_agreement: tuple[int, int]
    errors: list[str]


def evaluate(papers: list[dict], abstracts: dict[tuple[str, str], str]) -> Report:
    from flows.lib.claims import extract_claims

    total = Scores(0, 0, 0)
    metric = [0, 0]
    qualifier = [0, 0]
    kind = [0, 0]
    errors: list[str] = []
    for paper in papers:
        text = abstracts[(paper["source_file"], paper["arxiv_id"])]
        gold = paper["claims"]
        predicted = [c for c in extract_claims(text) if c.value is not None]
        gold_keys = [Key(float(c["value"]), c["unit"], c["direction"]) for c in gold]
        pred_keys = [Key(float(c.value), c.unit or "", c.direction) for c in predicted]
        pairs = match(gold_keys, pred_keys)
        total = total + Scores(len(pairs), len(pred_keys) - len(pairs), len(gold_keys) - len(pairs))
        for gi, pi in pairs:
            metric[0] += metric_agrees(gold[gi]["metric"], predicted[pi].metric)
            qualifier[0] += gold[gi]["qualifier"] == predicted[pi].qualifier
            kind[0] += gold[gi]["claim_type"] == predicted[pi].claim_type
        metric[1] += len(pairs)
        qualifier[1] += len(pairs)
        kind[1] += len(pairs)
        matched_gold = {gi for gi, _ in pairs}
        matched_pred = {pi for _, pi in pairs}
        for gi, c in enumerate(gold):
            if gi not in matched_gold:
                errors.append(
                    f"{paper['arxiv_id']} MISS {c['value']} {c['unit']} {c['direction']}: "
                    f"{c['quote']!r}"
                )
        for pi, c in enumerate(predicted):
            if pi not in matched_pred:
                context = text[max(0, c.start_offset - 50) : c.end_offset + 30]
                errors.append(
                    f"{paper['arxiv_id']} FALSE {c.value} {c.unit} {c.direction}: {c.span!r}"
                    f" in {context!r}"
                )
    return Report(total, tuple(metric), tuple(qualifier), tuple(kind), errors)


# --- MeasEval: number-and-unit detection -------------------------------------------------


def measeval_quantities(split_dir: Path) -> tuple[dict[str, str], dict[str, list[tuple[int, int]]]]:
    """Paragraph texts and gold Quantity spans of a MeasEval split."""
    texts = {
        p.stem: p.read_text(encoding="utf-8") for p in sorted((split_dir / "text").glob("*.txt"))
    }
    gold: dict[str, list[tuple[int, int]]] = {doc: [] for doc in texts}
    for tsv in sorted((split_dir / "tsv").glob("*.tsv")):
        with tsv.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                if row["annotType"] == "Quantity" and row["docId"] in gold:
                    span = (int(row["startOffset"]), int(row["endOffset"]))
                    if span not in gold[row["docId"]]:
                        gold[row["docId"]].append(span)
    return texts, gold


def measeval_scores(split_dir: Path) -> dict[str, float]:
    from flows.lib.claims.quantities import find_quantities

    texts, gold = measeval_quantities(split_dir)
    counts = Counter()
    for doc, text in texts.items():
        predicted = [(q.qualifier_start, q.end) for q in find_quantities(text)]
        spans = gold[doc]
        counts["gold"] += len(spans)
        counts["predicted"] += len(predicted)

        def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
            return a[0] < b[1] and b[0] < a[1]

        counts["gold_found"] += sum(any(overlaps(g, p) for p in predicted) for g in spans)
        counts["pred_correct"] += sum(any(overlaps(p, g) for g in spans) for p in predicted)
        counts["gold_exact"] += sum(g in predicted for g in spans)
        counts["gold_end"] += sum(
            any(p[1] == g[1] and overlaps(p, g) for p in predicted) for g in spans
        )
    return {
        "paragraphs": len(texts),
        "gold_quantities": counts["gold"],
        "predicted": counts["predicted"],
        "recall_overlap": counts["gold_found"] / counts["gold"],
        "precision_overlap": counts["pred_correct"] / counts["predicted"],
        "recall_exact_span": counts["gold_exact"] / counts["gold"],
        "recall_number_and_unit_end": counts["gold_end"] / counts["gold"],
    }


def _data_dir() -> Path:
    from flows.settings import Settings

    return Settings().data_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "heldout", "all"], default="all")
    parser.add_argument("--errors", action="store_true", help="list every miss and false claim")
    args = parser.parse_args(argv)

    data_dir = _data_dir()
    if not (data_dir / "hf-daily-papers").is_dir():
        print(f"SKIPPED: real data not found at {data_dir} (set PAPERTRENDS_DATA_DIR)")
        return 0
    papers = load_labels()
    abstracts = load_abstracts(data_dir, papers)
    missing = [p["arxiv_id"] for p in papers if (p["source_file"], p["arxiv_id"]) not in abstracts]
    if missing:
        print(f"SKIPPED: {len(missing)} labelled abstracts not found in {data_dir}: {missing[:5]}")
        return 0
    splits = ["dev", "heldout"] if args.split == "all" else [args.split]
    print(f"numeric claims, {len(papers)} labelled abstracts")
    print("a match: same paper + value + unit + direction; agreement columns over the matches")
    print(
        f"{'split':8} {'papers':>6} {'gold':>5} {'pred':>5} {'tp':>4} {'P':>6} {'R':>6} {'F1':>6}"
        f" {'metric':>7} {'qualif':>7} {'type':>6}"
    )
    overall: list[dict] = []
    for split in [*splits, "overall"] if args.split == "all" else splits:
        chosen = [p for p in papers if p["split"] == split] if split != "overall" else overall
        if split != "overall":
            overall.extend(chosen)
        report = evaluate(chosen, abstracts)
        s = report.scores

        def pct(pair: tuple[int, int]) -> str:
            return f"{pair[0] / pair[1]:.2f}" if pair[1] else "-"

        print(
            f"{split:8} {len(chosen):6d} {s.tp + s.fn:5d} {s.tp + s.fp:5d} {s.tp:4d} "
            f"{s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {pct(report.metric_agreement):>7}"
            f" {pct(report.qualifier_agreement):>7} {pct(report.type_agreement):>6}"
        )
        if args.errors and split != "overall":
            for line in report.errors:
                print("   ", line)
    measeval = data_dir / "quantities" / "measeval" / "train"
    if measeval.is_dir():
        m = measeval_scores(measeval)
        print(
            f"MeasEval train quantity detection: {m['paragraphs']} paragraphs, "
            f"{m['gold_quantities']} gold quantities, {m['predicted']} predicted; "
            f"overlap recall {m['recall_overlap']:.3f} precision {m['precision_overlap']:.3f}; "
            f"exact-span recall {m['recall_exact_span']:.3f}; "
            f"number+unit end recall {m['recall_number_and_unit_end']:.3f}"
        )
    else:
        print(f"MeasEval: SKIPPED ({measeval} not found)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
