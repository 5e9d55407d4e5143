"""What the words around a figure say: whether it is a claim, and its direction, metric,
claim type, benchmark and baseline.

A quantity is a claim when its unit says it is an outcome (``%``, ``x``, points, a time, a size, a
cost) or when a metric names it as a score ("7.33 BLEU", "F1-score of 0.7266"), and no setup rule
rejects it: sizes and counts ("175 billion parameters", "1,080 prompts"), shares of the training
data ("with 5% of the data"), hardware and training budgets ("a single 40GB A100"), figures of the
compared system ("vs 85.6% for cosine"), years and names ("GPT-4", "Llama 3").

The nearest cue gives the direction ("improves ... by", "reduces ... by", "26.7% improvement",
"2.4x parameter reduction", a sign; a factor ``x`` is a change; otherwise a level reached), the
noun phrase the figure is about its metric, "on LibriSpeech" its benchmark and "over GPT-4o" its
baseline.
"""

from __future__ import annotations

import re
from functools import lru_cache

from flows.lib.claims import lexicon as lx
from flows.lib.claims.quantities import Quantity

_WORD = re.compile(r"[\w](?:[\w@&/.+']|-(?!-))*[\w@+%]|[\w]")
_CLAUSE_BREAK = re.compile(r"[;:]\s|\.\s|\(\d\)|\(i+v?\)")
_PAREN = re.compile(r"\([^()]*\)")


def is_year(q: Quantity) -> bool:
    """A bare whole number from 1900 to 2100: a year, never a claim."""
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


def direction_of(sentence: str, q: Quantity) -> tuple[str, str]:
    """(direction, the rule that decided it): a sign, the nearest cue after or before the figure,
    "to N" (a level reached); a factor without a cue is an increase, anything else a level."""
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


def _is_figure(word: str) -> bool:
    """A word with a digit that is a figure, not a name ("@5", "F1", "7B" are names)."""
    return any(ch.isdigit() for ch in word) and not re.search(r"@\d|F1|\d[A-Za-z]", word)


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
            or _is_figure(word)
        ):
            break
        phrase.append(word)
        if len(phrase) == 4:
            break
    return " ".join(phrase) or None


def metric_of(sentence: str, q: Quantity) -> str | None:
    """The thing a figure measures: the words after it, else the metric its change noun names
    ("2x speedup": speed), a rate's own metric ("30 FPS": frame rate), else the phrase before it,
    else the metric of its unit ("40 GB": memory)."""
    named, cue_metric = _metric_after(sentence, q)
    if named:
        return named
    if cue_metric:
        return cue_metric
    if q.unit in _RATE_UNITS:
        return _UNIT_METRIC[q.unit]
    return _metric_before(sentence, q) or _UNIT_METRIC.get(q.unit)


_CHANGE_WORDS = frozenset({"absolute", "relative", "average", "overall", "point", "points"})


def _metric_after(sentence: str, q: Quantity) -> tuple[str | None, str | None]:
    """(the metric named right after the figure, the metric a change noun there names):
    "26.7% improvement in real-world setting", "5.2% FID reduction", "% accuracy", "2x speedup"."""
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
            or lower in _CHANGE_WORDS
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
    return " ".join(collected) or None, cue_metric


def _metric_before(sentence: str, q: Quantity) -> str | None:
    """The phrase after the last comma, number or verb before the figure: "success rate of 70%",
    "reducing WER by 13.46%", "improves answer accuracy up to 12%", ", WIL by 9.82%"; or the
    subject of that verb when nothing follows it ("math tasks degrade by over 60 points")."""
    left = _QUALIFIER_WORDS.sub(" ", _left_clause(sentence, q.qualifier_start, 90))
    left = re.split(r"[,;(]", left)[-1]
    words = _words(left)
    cut = 0
    for index, word in enumerate(words):
        if _is_cue(word) or _is_figure(word):
            cut = index + 1
    phrase = _phrase(words[cut:])
    if cut and _COMPARED_VERB.match(words[cut - 1]):
        phrase = None  # "outperforms nine baselines by 20%": the object is the baseline
    if phrase is None and cut:
        phrase = _subject(words[: cut - 1])
    return phrase


def _subject(words: list[str]) -> str | None:
    """The last noun phrase of ``words`` (at most three words), cues and adverbs dropped."""
    before = [w for w in words if not _is_cue(w)]
    while before and (before[-1].lower() in lx.STOP_WORDS or before[-1].endswith("ly")):
        before.pop()  # "accuracy further improves to", "win-rates in AlpacaEval-2 from"
    tail: list[str] = []
    for word in reversed(before):
        if word.lower() in lx.STOP_WORDS or any(ch.isdigit() for ch in word):
            break
        tail.insert(0, word)
        if len(tail) == 3:
            break
    return " ".join(tail) or None


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


def benchmark_near(sentence: str, q_start: int) -> str | None:
    """The benchmark named nearest to the figure: "on GSM8K", "the LibriSpeech benchmark"."""
    # "MM-IFEval (+10.2%)": the name the figure is bracketed after
    named = _NAME_BEFORE_PAREN.search(sentence[max(0, q_start - 40) : q_start])
    if named and not lx.NOT_BENCHMARKS.match(named.group("name")):
        return named.group("name")
    return _nearest(_benchmark_mentions(sentence), q_start)


def baseline_near(sentence: str, q_start: int) -> str | None:
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
    if q.unit == "%" and lx.DATA_SHARE.fits(before, after):
        return True
    if q.unit in lx.EFFICIENCY_UNITS:
        if lx.HARDWARE_AFTER.match(after) or lx.TRAINING_BEFORE.search(before):
            return True
        if q.unit in {"s", "min", "h", "ms"} and (
            lx.MEDIA_LENGTH.match(after) or lx.MEDIA_BEFORE.search(before)
        ):
            return True
    if lx.SETTING.fits(before, after):
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


def claim_unit(q: Quantity) -> str:
    """The unit a claim states: the quantity's, or "absolute" for a bare score."""
    return q.unit or "absolute"


def claim_type_of(sentence: str, q: Quantity, direction: str, metric: str | None) -> str:
    """efficiency (its unit or the words around it say so), improvement (a change), finding (in a
    "we find that" sentence, not about our own work) or result."""
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


def is_candidate(sentence: str, q: Quantity, score_sentence: bool = False) -> bool:
    """A figure that is a claim on its own: a claim unit, or a bare score (any bare number when
    ``score_sentence``), and no setup fact, size or year."""
    if q.is_scale or is_year(q):
        return False
    if q.unit in lx.CLAIM_UNITS:
        return not _is_setup(sentence, q)
    if q.unit == "":
        return (score_sentence or _is_score(sentence, q)) and not _is_setup(sentence, q)
    return False
