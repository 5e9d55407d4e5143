"""Claim extraction from an abstract: rules over sentences, deterministic and explainable.

Each sentence is scanned for quantities (``flows.claims.quantities``). A quantity is a claim
when its unit says it is an outcome (``%``, ``x``, points, a time, a size, a cost) or when a
metric names it as a score ("7.33 BLEU", "F1-score of 0.7266"), and no setup rule rejects it:
sizes and counts ("175 billion parameters", "1,080 prompts"), shares of the training data
("with 5% of the data"), hardware and training budgets ("a single 40GB A100"), figures of the
compared system ("vs 85.6% for cosine"), years and names ("GPT-4", "Llama 3").

The words around a claim then give its direction (the nearest cue: "improves ... by",
"reduces ... by", "26.7% improvement", "2.4x parameter reduction", a sign; a factor ``x`` is a
change; otherwise a level reached), its metric (the noun phrase it is about), the benchmark
("on LibriSpeech") and the baseline ("over GPT-4o"). "from A to B" gives two claims: the change
(B - A, in points for percentages) and the level B. A range "A-B" gives one claim per end.
Sentences without numeric claims may still state a new resource ("we introduce X, a
benchmark ...") or a finding ("we find that ..."): those are claims without a value.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache

from flows.claims import lexicon as lx
from flows.claims.quantities import Quantity, find_quantities
from flows.claims.sentences import split_sentences

CLAIM_TYPES = ("result", "improvement", "efficiency", "new_resource", "finding")
DIRECTIONS = ("increase", "decrease", "level")
QUALIFIERS = ("up to", "over", "about", "at least", "")


@dataclass(frozen=True)
class Claim:
    """One claim of an abstract. ``text[start_offset:end_offset] == span``."""

    sentence_index: int
    sentence: str
    span: str
    start_offset: int
    end_offset: int
    claim_type: str
    value: float | None
    unit: str | None
    direction: str
    qualifier: str
    metric: str | None
    benchmark: str | None
    baseline: str | None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


_WORD = re.compile(r"[\w](?:[\w@&/.+']|-(?!-))*[\w@+%]|[\w]")
_FROM_TO_BETWEEN = re.compile(
    r"^\s*(?:(?:down|up|all\s+the\s+way)\s+)?to\s+(?:(?:an?|the|only|just|merely|nearly)\s+)?"
    r"(?:[a-z]+\s+)?$|^\s*(?:\u2192|->|=>|\u21d2|\u2013>)\s*$"
)
_RANGE_BETWEEN = re.compile(r"^\s*(?:-|\u2013|\u2014|--|~|\u223c|to)\s*$")
_BETWEEN_AND = re.compile(r"^\s+and\s+$")
_FROM_BEFORE = re.compile(r"\bfrom\s+(?:only\s+|just\s+|a\s+|an\s+|the\s+|\w+\s+of\s+)?$", re.I)
_BETWEEN_BEFORE = re.compile(r"\bbetween\s+$", re.I)
_AND_BEFORE = re.compile(r"(?:,|\band)\s+$")
_CLAUSE_BREAK = re.compile(r"[;:]\s|\.\s|\(\d\)|\(i+v?\)")
_PAREN = re.compile(r"\([^()]*\)")
_DIGIT = re.compile(r"\d")
_COORDINATION = re.compile(r"^\s*(?:,|and|or|,\s*and|,\s*or)\s*$")


_SECONDS = {"h": 3600.0, "min": 60.0, "s": 1.0, "ms": 0.001, "us": 0.000001}


def _is_year(q: Quantity) -> bool:
    return q.unit == "" and q.decimals == 0 and 1900 <= q.value <= 2100


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _left_clause(sentence: str, pos: int, width: int = 110) -> str:
    origin = max(0, pos - width)
    left = sentence[origin:pos]
    breaks = list(_CLAUSE_BREAK.finditer(left))
    if breaks:
        left = left[breaks[-1].end() :]
    return left


def _right_words(sentence: str, pos: int, n: int = 5) -> list[str]:
    right = _PAREN.sub(" ", sentence[pos : pos + 80])
    right = re.split(r"[,;:.!?()\[\]]\s|[,;:()]", right, maxsplit=1)[0]
    return _words(right)[:n]


_QUALIFIER_WORDS = re.compile(r"\b(?:up\s+to|more\s+than|at\s+least|as\s+much\s+as)\b", re.I)
_BY_BEFORE = re.compile(
    r"\bby\s*(?:(?:an?|the)\s+)?(?:(?:average|margin|factor|total)\s+)?(?:of\s*)?$", re.I
)


def _direction(sentence: str, q: Quantity) -> tuple[str, str]:
    """(direction, the rule that decided it)."""
    if q.sign == "+":
        return "increase", "sign"
    if q.sign == "-":
        return "decrease", "sign"
    for word in _right_words(sentence, q.end, 4):
        lower = word.lower()
        if lx.INCREASE_AFTER.match(lower):
            return "increase", f"after:{word}"
        if lx.DECREASE_AFTER.match(lower):
            return "decrease", f"after:{word}"
        if lower in lx.STOP_WORDS - {"average", "overall", "relative", "absolute", "more", "less"}:
            break
    left = _QUALIFIER_WORDS.sub(" ", _left_clause(sentence, q.qualifier_start))
    if re.search(
        r"\bto\s+(?:only\s+|just\s+|merely\s+|a\s+|an\s+)?$", left, re.I
    ) and not re.search(
        r"\b(?:compared|relative|close|equal|similar|comparable)\s+to\s*$", left, re.I
    ):
        return "level", "to N"
    if re.search(r"\bcosts?\s+(?:only\s+|just\s+)?$", left, re.I):
        return "decrease", "costs N"
    words = _words(left)
    # "X by N": the verb before "by" decides, however far back in the clause; otherwise only a
    # cue among the last few words counts ("improves accuracy up to 12%", "achieves 70%")
    reach = 14 if _BY_BEFORE.search(left) or re.search(r"\bby\b", left) else 5
    for word in list(reversed(words))[:reach]:
        if lx.INCREASE_BEFORE.match(word) and word.lower() != "up":
            return "increase", f"before:{word}"
        if lx.DECREASE_BEFORE.match(word) and word.lower() != "down":
            return "decrease", f"before:{word}"
        if lx.LEVEL_BEFORE.match(word) and word.lower() not in {
            "of",
            "with",
            "in",
            "at",
            "is",
            "are",
            "to",
        }:
            break
    if q.unit == "x":
        return "increase", "a factor is a change"
    return "level", "no change cue"


_LEADING = frozenset(
    [
        "a",
        "an",
        "the",
        "its",
        "their",
        "our",
        "his",
        "her",
        "this",
        "these",
        "those",
        "only",
        "just",
        "merely",
        "nearly",
        "and",
        "or",
    ]
)
_UNIT_METRIC = {
    "FPS": "frame rate",
    "tokens/s": "throughput",
    "it/s": "throughput",
    "GB": "memory",
    "MB": "memory",
    "TB": "memory",
    "USD": "cost",
    "FLOPs": "compute",
    "ms": "latency",
    "s": "time",
    "min": "time",
    "h": "time",
}


_COMPARED_VERB = re.compile(r"^(?:outperform\w*|surpass\w*|beat\w*|exceed\w*|outpac\w*)$", re.I)
_RATE_UNITS = frozenset({"FPS", "tokens/s", "it/s"})


def _is_cue(word: str) -> bool:
    return bool(
        lx.INCREASE_BEFORE.match(word)
        or lx.DECREASE_BEFORE.match(word)
        or re.match(
            r"^(?:achiev\w*|attain\w*|reach\w*|obtain\w*|scored|scoring|record\w*|hit|hits|"
            r"deliver\w*|yield\w*|gets?|got|maintain\w*|retain\w*|show\w*|has|have|had|"
            r"is|are|was|were|be|been|leads?|brings?|runs?|run|outputs?|swing\w*|"
            r"accounting|remains?|costs?|can|could|may|might|will|would|should|must|does|do|did|"
            r"equivalent|corresponding)$",
            word,
            re.I,
        )
    )


def _phrase(words: list[str]) -> str | None:
    """The first noun phrase of ``words``: leading determiners dropped, up to a stop word."""
    while words and (
        words[0].lower() in _LEADING
        # "extending its generation capability": a verb in -ing before a determiner
        or (len(words) > 1 and words[0].endswith("ing") and words[1].lower() in _LEADING)
    ):
        words = words[1:]
    phrase: list[str] = []
    for word in words:
        if (
            word.lower() in lx.STOP_WORDS - {"average", "overall"}
            or _is_cue(word)
            or (any(ch.isdigit() for ch in word) and not re.search(r"@\d|F1|\d[A-Za-z]", word))
        ):
            break
        phrase.append(word)
        if len(phrase) == 4:
            break
    return " ".join(phrase) or None


def _metric(sentence: str, q: Quantity) -> str | None:
    # right side: "26.7% improvement in real-world setting", "5.2% FID reduction", "% accuracy"
    right = _right_words(sentence, q.end, 8)
    by_change = bool(
        _BY_BEFORE.search(
            _QUALIFIER_WORDS.sub(" ", sentence[max(0, q.qualifier_start - 30) : q.qualifier_start])
        )
    )
    collected: list[str] = []
    cue_metric = None
    i = 0
    while i < len(right):
        word = right[i]
        lower = word.lower()
        if (
            lx.INCREASE_AFTER.match(lower)
            or lx.DECREASE_AFTER.match(lower)
            or lower
            in {
                "absolute",
                "relative",
                "average",
                "overall",
                "point",
                "points",
            }
        ):
            if collected:
                break
            cue_metric = cue_metric or lx.CUE_NOUN_METRIC.get(lower)
            if i + 1 < len(right) and right[i + 1].lower() in {"in", "of", "for"}:
                i += 2
                continue
            i += 1
            continue
        if lower == "in" and i == 0 and (q.unit == "points" or q.sign or by_change):
            i += 1  # "gains of up to 5.3 points in J&F", "by up to 20% in answer accuracy"
            continue
        if lower == "of" and i == 0 and q.unit == "%":
            # "99.9% of the maximum span": the share of what
            i += 1
            while i < len(right) and right[i].lower() in _LEADING:
                i += 1
            continue
        if lower in lx.STOP_WORDS or word[0].isdigit() or _is_cue(word):
            break
        collected.append(lx.CUE_NOUN_METRIC.get(lower, word))
        if len(collected) == 3:
            break
        i += 1
    if collected:
        return " ".join(collected)
    if cue_metric:
        return cue_metric
    if q.unit in _RATE_UNITS:
        return _UNIT_METRIC[q.unit]
    # left side: the phrase after the last comma, number or verb: "success rate of 70%",
    # "reducing WER by 13.46%", "improves answer accuracy up to 12%", ", WIL by 9.82%"
    left = _QUALIFIER_WORDS.sub(" ", _left_clause(sentence, q.qualifier_start, 90))
    left = re.split(r"[,;(]", left)[-1]
    words = _words(left)
    cut = 0
    for index, word in enumerate(words):
        if (
            _is_cue(word)
            or any(ch.isdigit() for ch in word)
            and not re.search(r"@\d|F1|\d[A-Za-z]", word)
        ):
            cut = index + 1
    phrase = _phrase(words[cut:])
    if cut and _COMPARED_VERB.match(words[cut - 1]):
        phrase = None  # "outperforms nine baselines by 20%": the object is the baseline
    if phrase is None and cut:
        # "math tasks degrade by over 60 points": the subject before the verb
        before = [w for w in words[: cut - 1] if not _is_cue(w)]
        while before and (before[-1].lower() in lx.STOP_WORDS or before[-1].endswith("ly")):
            before.pop()  # "accuracy further improves to", "win-rates in AlpacaEval-2 from"
        tail: list[str] = []
        for word in reversed(before):
            if word.lower() in lx.STOP_WORDS or any(ch.isdigit() for ch in word):
                break
            tail.insert(0, word)
            if len(tail) == 3:
                break
        phrase = " ".join(tail) or None
    return phrase or _UNIT_METRIC.get(q.unit)


_NAME_BEFORE_PAREN = re.compile(r"(?P<name>[A-Z][\w\-.@+]*(?:\s[A-Z0-9][\w\-.@+]*)?)\s*\(\s*$")


@lru_cache(maxsize=1024)
def _benchmark_mentions(sentence: str) -> tuple[tuple[int, str], ...]:
    found = []
    for pattern in (lx.BENCHMARK_ON, lx.BENCHMARK_NOUN):
        for match in pattern.finditer(sentence):
            name = match.group("name").rstrip(".,")
            if not lx.NOT_BENCHMARKS.match(name) and len(name) >= 2:
                found.append((match.start(), name))
    return tuple(found)


@lru_cache(maxsize=1024)
def _baseline_mentions(sentence: str) -> tuple[tuple[int, str], ...]:
    found = []
    for match in lx.BASELINE_PATTERN.finditer(sentence):
        name = match.group("name").strip().rstrip(".,")
        if name and not name[0].isdigit():
            found.append((match.start(), name))
    return tuple(found)


def _nearest(mentions: tuple[tuple[int, str], ...], position: int) -> str | None:
    if not mentions:
        return None
    return min(mentions, key=lambda mention: abs(mention[0] - position))[1]


def _benchmark(sentence: str, q_start: int) -> str | None:
    """The benchmark named nearest to the figure: "on GSM8K", "the LibriSpeech benchmark"."""
    # "MM-IFEval (+10.2%)": the name the figure is bracketed after
    named = _NAME_BEFORE_PAREN.search(sentence[max(0, q_start - 40) : q_start])
    if named and not lx.NOT_BENCHMARKS.match(named.group("name")):
        return named.group("name")
    return _nearest(_benchmark_mentions(sentence), q_start)


def _baseline(sentence: str, q_start: int) -> str | None:
    """The compared system named nearest to the figure: "over GPT-4o", "than MEMIT"."""
    return _nearest(_baseline_mentions(sentence), q_start)


def _is_score(sentence: str, q: Quantity) -> bool:
    if q.decimals == 0 and q.value > 100:
        return False
    if lx.SCORE_AFTER.match(sentence[q.end : q.end + 40]):
        return True
    left = sentence[max(0, q.qualifier_start - 40) : q.qualifier_start]
    if lx.SCORE_BEFORE.search(left):
        return True
    if q.decimals >= 1 and q.sign in {"+", "-"}:
        return True  # "+6.1 improvement", "(+18.1)": a signed change of a score
    if (
        q.decimals >= 1
        and re.search(
            r"\b(?:achiev\w*|attain\w*|reach\w*|obtain\w*|scor\w*|record\w*|gets?)\s+"
            r"(?:an?\s+)?(?:average\s+)?(?:of\s+)?$",
            left,
            re.I,
        )
        and re.match(r"^\s+on\s+(?:the\s+)?[A-Z]", sentence[q.end : q.end + 30])
    ):
        return True  # "achieves 68.3 on MRCR"
    if q.decimals >= 1:
        # "Claude-3.5-Sonnet (63.18)", "ChatGPT-o3: 83.58": a score listed after a system's name
        if re.search(r"[A-Za-z0-9)]\s*\(\s*$", left) and sentence[q.end : q.end + 2].startswith(
            ")"
        ):
            return not lx.COMPARISON_CUE.search(left)
        if re.search(r"[A-Za-z0-9]:\s*$", left):
            return True
    return False


def _is_setup(sentence: str, q: Quantity) -> bool:
    before = sentence[max(0, q.qualifier_start - 60) : q.qualifier_start]
    after = sentence[q.end : q.end + 60]
    if q.unit == "%" and lx.DATA_SHARE_BEFORE.search(before) and lx.DATA_SHARE_AFTER.match(after):
        return True
    if q.unit in lx.EFFICIENCY_UNITS:
        if lx.HARDWARE_AFTER.match(after) or lx.TRAINING_BEFORE.search(before):
            return True
        if q.unit in {"s", "min", "h", "ms"} and (
            lx.MEDIA_LENGTH.match(after) or lx.MEDIA_BEFORE.search(before)
        ):
            return True
    if lx.SETTING_BEFORE.search(before) and lx.SETTING_AFTER.match(after):
        return True
    if lx.BASELINE_VALUE_BEFORE.search(before[-30:]):
        return True
    # a figure in brackets right after a compared system: "surpassing X (53.44%)"
    return bool(
        re.search(r"\(\s*$", before)
        and after.lstrip().startswith(")")
        and lx.COMPARISON_CUE.search(before)
        and not q.sign
    )


def _unit(q: Quantity) -> str:
    return q.unit or "absolute"


def _claim_type(sentence: str, q: Quantity, direction: str, metric: str | None) -> str:
    # the words right after the figure ("2x speedup", "40% less memory") and its metric
    right: list[str] = []
    for word in _right_words(sentence, q.end, 4):
        if word.lower() in lx.STOP_WORDS - {"more", "less"}:
            break
        right.append(word)
    around = " ".join(right) + " " + (metric or "")
    if q.unit in lx.EFFICIENCY_UNITS or lx.EFFICIENCY_WORDS.search(around):
        return "efficiency"
    if direction != "level":
        return "improvement"
    if lx.FINDING_SENTENCE.search(sentence) and not re.search(
        r"\b(?:our|we)\b", sentence[: q.start], re.I
    ):
        return "finding"
    return "result"


def _candidate(sentence: str, q: Quantity, score_sentence: bool = False) -> bool:
    if q.is_scale or _is_year(q):
        return False
    if q.unit in lx.CLAIM_UNITS:
        return not _is_setup(sentence, q)
    if q.unit == "":
        return (score_sentence or _is_score(sentence, q)) and not _is_setup(sentence, q)
    return False


def _sentence_claims(sentence: str, index: int, offset: int) -> list[Claim]:
    if _DIGIT.search(sentence) is None:
        return []
    quantities = find_quantities(sentence)
    claims: list[Claim] = []
    used: set[int] = set()

    def make(
        q_start: int,
        q_end: int,
        q: Quantity,
        value: float,
        unit: str,
        direction: str,
        claim_type: str | None = None,
        metric: str | None = None,
    ) -> Claim:
        metric = metric if metric is not None else _metric(sentence, q)
        return Claim(
            sentence_index=index,
            sentence=sentence,
            span=sentence[q_start:q_end],
            start_offset=offset + q_start,
            end_offset=offset + q_end,
            claim_type=claim_type or _claim_type(sentence, q, direction, metric),
            value=value,
            unit=unit,
            direction=direction,
            qualifier=q.qualifier,
            metric=metric,
            benchmark=_benchmark(sentence, q.start),
            baseline=_baseline(sentence, q.start),
        )

    from_to_seen = False
    for i in range(len(quantities) - 1):
        a, b = quantities[i], quantities[i + 1]
        if i in used:
            continue
        between = sentence[a.end : b.qualifier_start]
        before_a = sentence[max(0, a.qualifier_start - 40) : a.qualifier_start]
        if (
            a.unit in _SECONDS
            and b.unit in _SECONDS
            and _SECONDS[a.unit] > _SECONDS[b.unit]
            and re.match(r"^\s*(?:,|and|,\s*and)?\s*$", between)
        ):
            # "4 minutes and 15 seconds": one duration, in the smaller unit
            used.update({i, i + 1})
            total = round(a.value * _SECONDS[a.unit] / _SECONDS[b.unit] + b.value, 6)
            merged = Quantity(
                **{**b.__dict__, "qualifier": a.qualifier, "qualifier_start": a.qualifier_start}
            )
            if _candidate(sentence, merged):
                claims.append(
                    make(
                        a.qualifier_start,
                        b.end,
                        merged,
                        total,
                        b.unit,
                        _direction(sentence, merged)[0],
                    )
                )
            continue
        unit = b.unit or a.unit
        if a.unit and b.unit and a.unit != b.unit:
            continue
        pair_a = Quantity(**{**a.__dict__, "unit": unit})
        pair_b = Quantity(**{**b.__dict__, "unit": unit})
        score = bool(lx.SCORE_WORDS.search(sentence)) or (
            a.decimals >= 1 and b.decimals >= 1 and bool(lx.CHANGE_VERB.search(before_a))
        )
        if not (
            _candidate(sentence, pair_b, score) and not pair_a.is_scale and not _is_year(pair_a)
        ):
            continue
        is_from_to = (
            bool(_FROM_TO_BETWEEN.match(between))
            and not a.sign
            and not b.sign
            and (
                _FROM_BEFORE.search(before_a)
                or (from_to_seen and _AND_BEFORE.search(before_a))
                or "\u2192" in between
                or "->" in between
            )
        )
        if is_from_to:
            from_to_seen = True
            used.update({i, i + 1})
            decimals = max(a.decimals, b.decimals)
            change = round(abs(b.value - a.value), decimals)
            direction = "increase" if b.value > a.value else "decrease"
            from_match = _FROM_BEFORE.search(before_a)
            start = (
                a.qualifier_start - (len(before_a) - from_match.start())
                if from_match
                else a.qualifier_start
            )
            metric = _metric(sentence, Quantity(**{**pair_b.__dict__, "qualifier_start": start}))
            change_unit = "points" if unit == "%" else _unit(pair_b)
            kind = "efficiency" if unit in lx.EFFICIENCY_UNITS else None
            head = sentence[:start].rstrip()
            if not (head.endswith("(") and re.search(r"(?:\d|%|x|points?|pp)\s*\($", head)):
                # "by 8.43% (from 23.32% to 14.89%)": the change is stated already
                claims.append(
                    make(
                        start,
                        b.end,
                        pair_b,
                        change,
                        change_unit,
                        direction,
                        kind or "improvement",
                        metric,
                    )
                )
            claims.append(
                make(
                    b.qualifier_start,
                    b.end,
                    pair_b,
                    b.value,
                    _unit(pair_b),
                    "level",
                    kind or _claim_type(sentence, pair_b, "level", metric),
                    metric,
                )
            )
            continue
        is_range = bool(_RANGE_BETWEEN.match(between)) or (
            bool(_BETWEEN_AND.match(between)) and bool(_BETWEEN_BEFORE.search(before_a))
        )
        if is_range and (not a.unit or a.unit == b.unit) and a.sign == b.sign:
            used.update({i, i + 1})
            # the cues around the whole range decide: left of its first end, right of its last
            joined = Quantity(
                **{
                    **pair_b.__dict__,
                    "qualifier_start": a.qualifier_start,
                    "start": a.start,
                    "sign": a.sign or b.sign,
                }
            )
            direction, _ = _direction(sentence, joined)
            metric = _metric(sentence, joined)
            kind = _claim_type(sentence, joined, direction, metric)
            claims.append(
                make(
                    a.qualifier_start,
                    a.end,
                    pair_a,
                    a.value,
                    _unit(pair_b),
                    direction,
                    kind,
                    metric,
                )
            )
            claims.append(
                make(b.start, b.end, pair_b, b.value, _unit(pair_b), direction, kind, metric)
            )

    decided: dict[int, tuple[str, str]] = {}
    for i, q in enumerate(quantities):
        if i not in used and _candidate(sentence, q):
            decided[i] = _direction(sentence, q)
    for i in sorted(decided, reverse=True):
        # "16.7% and 22.1% relative improvements": the cue after the last applies to all
        nxt = decided.get(i + 1)
        q, r = quantities[i], quantities[i + 1] if i + 1 < len(quantities) else None
        if (
            nxt
            and r is not None
            and nxt[1].startswith("after:")
            and not decided[i][1].startswith(("after:", "sign"))
            and q.unit == r.unit
            and _COORDINATION.match(sentence[q.end : r.qualifier_start])
        ):
            decided[i] = nxt
    for i, (direction, _rule) in sorted(decided.items()):
        q = quantities[i]
        claims.append(make(q.qualifier_start, q.end, q, q.value, _unit(q), direction))
    return claims


_RESOURCE_VERBS = (
    "introduce",
    "present",
    "release",
    "propose",
    "construct",
    "build",
    "curate",
    "collect",
    "create",
    "develop",
    "contribute",
    "open-source",
)


def _resource_claim(sentence: str, index: int, offset: int) -> Claim | None:
    if (", a" not in sentence and ", the" not in sentence) or not any(
        verb in sentence for verb in _RESOURCE_VERBS
    ):
        return None
    match = lx.NEW_RESOURCE.search(sentence)
    if match is None:
        return None
    name = match.group("name")
    is_benchmark = bool(lx.RESOURCE_KIND_BENCHMARK.match(match.group("kind")))
    start, end = match.start("name"), match.end("kind")
    return _non_numeric_claim(
        sentence, index, offset, start, end, "new_resource", name if is_benchmark else None
    )


def _finding_claim(sentence: str, index: int, offset: int) -> Claim | None:
    if " that " not in sentence:
        return None
    match = lx.FINDING_SENTENCE.search(sentence)
    if match is None:
        return None
    start, end = match.end(), len(sentence)
    while start < end and sentence[start].isspace():
        start += 1
    while end > start and sentence[end - 1] in " .":
        end -= 1
    if end - start < 12:
        return None
    return _non_numeric_claim(
        sentence, index, offset, start, end, "finding", _benchmark(sentence, start)
    )


def _non_numeric_claim(
    sentence: str,
    index: int,
    offset: int,
    start: int,
    end: int,
    claim_type: str,
    benchmark: str | None,
) -> Claim:
    """A claim without a number (a new resource, a finding): the span sentence[start:end]."""
    return Claim(
        sentence_index=index,
        sentence=sentence,
        span=sentence[start:end],
        start_offset=offset + start,
        end_offset=offset + end,
        claim_type=claim_type,
        value=None,
        unit=None,
        direction="level",
        qualifier="",
        metric=None,
        benchmark=benchmark,
        baseline=None,
    )


def extract_claims(text: str) -> list[Claim]:
    """The claims of one abstract, in text order. Pure function of ``text``."""
    claims: list[Claim] = []
    for index, (start, end) in enumerate(split_sentences(text)):
        sentence = text[start:end]
        found = _sentence_claims(sentence, index, start)
        if not found:
            extra = _resource_claim(sentence, index, start) or _finding_claim(
                sentence, index, start
            )
            if extra is not None:
                found = [extra]
        seen: set[tuple[int, int]] = set()
        for claim in sorted(found, key=lambda c: (c.start_offset, c.end_offset)):
            key = (claim.start_offset, claim.end_offset)
            if key not in seen:
                seen.add(key)
                claims.append(claim)
    return claims
