"""Numeric claims of a sentence: one handler per pattern of figures, and the claim builder.

The sentence's quantities (``flows.lib.claims.quantities``) are read in two passes. First each pair
of neighbouring figures, left to right, is offered to the pair patterns in turn: a compound
duration ("4 minutes and 15 seconds" is one figure, 255 s), "from A to B" (two claims: the change
B - A, in points for percentages, and the level B), a range "A-B" (one claim per end, with the
range's direction). A figure joins one pair at most. Then every figure left over that is a claim
on its own (``flows.lib.claims.context.is_candidate``) is one claim.

A handler returns what it found: its claims and the quantities it consumed. Every claim is made
by :func:`_build` from a :class:`Figure`; the words around the figure (``flows.lib.claims.context``)
give what the handler does not state itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import pairwise

from flows.lib.claims import context as ctx
from flows.lib.claims import lexicon as lx
from flows.lib.claims.claim import Claim, Sentence
from flows.lib.claims.quantities import Quantity, find_quantities

_DIGIT = re.compile(r"\d")
_SECONDS = {"h": 3600.0, "min": 60.0, "s": 1.0, "ms": 0.001, "us": 0.000001}
_DURATION_JOINT = re.compile(r"^\s*(?:,|and|,\s*and)?\s*$")
_FROM_TO_BETWEEN = re.compile(
    r"^\s*(?:(?:down|up|all\s+the\s+way)\s+)?to\s+(?:(?:an?|the|only|just|merely|nearly)\s+)?"
    r"(?:[a-z]+\s+)?$|^\s*(?:\u2192|->|=>|\u21d2|\u2013>)\s*$"
)
_FROM_BEFORE = re.compile(r"\bfrom\s+(?:only\s+|just\s+|a\s+|an\s+|the\s+|\w+\s+of\s+)?$", re.I)
_AND_BEFORE = re.compile(r"(?:,|\band)\s+$")
_RESTATED_BEFORE = re.compile(r"(?:\d|%|x|points?|pp)\s*\($")
_RANGE_BETWEEN = re.compile(r"^\s*(?:-|\u2013|\u2014|--|~|\u223c|to)\s*$")
_BETWEEN_AND = re.compile(r"^\s+and\s+$")
_BETWEEN_BEFORE = re.compile(r"\bbetween\s+$", re.I)
_COORDINATION = re.compile(r"^\s*(?:,|and|or|,\s*and|,\s*or)\s*$")


@dataclass(frozen=True)
class Figure:
    """A numeric claim to build. ``sentence[start:end]`` is its span; ``quantity`` is the figure
    whose surroundings give its qualifier, benchmark and baseline, and also its metric and claim
    type when they are not given (None)."""

    start: int
    end: int
    quantity: Quantity
    value: float
    unit: str
    direction: str
    claim_type: str | None = None
    metric: str | None = None


def _build(s: Sentence, f: Figure) -> Claim:
    """The claim a :class:`Figure` states, completed from the words around its quantity."""
    q = f.quantity
    metric = f.metric if f.metric is not None else ctx.metric_of(s.text, q)
    return s.claim(
        f.start,
        f.end,
        claim_type=f.claim_type or ctx.claim_type_of(s.text, q, f.direction, metric),
        value=f.value,
        unit=f.unit,
        direction=f.direction,
        qualifier=q.qualifier,
        metric=metric,
        benchmark=ctx.benchmark_near(s.text, q.start),
        baseline=ctx.baseline_near(s.text, q.start),
    )


@dataclass(frozen=True)
class Found:
    """What a pattern handler found: its claims and the quantities it consumed."""

    pattern: str
    claims: tuple[Claim, ...]
    consumed: tuple[Quantity, ...]


@dataclass(frozen=True)
class Pair:
    """Two neighbouring figures of a sentence and the text that decides how they read."""

    a: Quantity
    b: Quantity
    between: str  # from the end of ``a`` to the qualifier of ``b``
    before_a: str  # the 40 characters before ``a`` and its qualifier
    after_from_to: bool  # a "from A to B" came earlier in the sentence ("..., and C to D")
    ends: tuple[Quantity, Quantity] | None  # ``a`` and ``b`` in their shared unit (``_ends``)

    @classmethod
    def of(cls, text: str, a: Quantity, b: Quantity, *, after_from_to: bool) -> Pair:
        before_a = text[max(0, a.qualifier_start - 40) : a.qualifier_start]
        ends = _ends(text, a, b, before_a)
        return cls(a, b, text[a.end : b.qualifier_start], before_a, after_from_to, ends)


def _ends(text: str, a: Quantity, b: Quantity, before_a: str) -> tuple[Quantity, Quantity] | None:
    """Both figures in the unit they share, when the pair can state claims: the units agree,
    the second is a candidate (any bare number is, in a sentence about scores) and the first is
    neither a size nor a year."""
    if a.unit and b.unit and a.unit != b.unit:
        return None
    unit = b.unit or a.unit
    first, last = replace(a, unit=unit), replace(b, unit=unit)
    score = bool(lx.SCORE_WORDS.search(text)) or (
        a.decimals >= 1 and b.decimals >= 1 and bool(lx.CHANGE_VERB.search(before_a))
    )
    if ctx.is_candidate(text, last, score) and not first.is_scale and not ctx.is_year(first):
        return first, last
    return None


def _duration(s: Sentence, pair: Pair) -> Found | None:
    """A compound duration is one figure, in the smaller unit: "4 minutes and 15 seconds"."""
    a, b = pair.a, pair.b
    if not (
        a.unit in _SECONDS
        and b.unit in _SECONDS
        and _SECONDS[a.unit] > _SECONDS[b.unit]
        and _DURATION_JOINT.match(pair.between)
    ):
        return None
    total = round(a.value * _SECONDS[a.unit] / _SECONDS[b.unit] + b.value, 6)
    merged = replace(b, qualifier=a.qualifier, qualifier_start=a.qualifier_start)
    claims: tuple[Claim, ...] = ()
    if ctx.is_candidate(s.text, merged):
        direction = ctx.direction_of(s.text, merged)[0]
        claims = (_build(s, Figure(a.qualifier_start, b.end, merged, total, b.unit, direction)),)
    return Found("duration", claims, (a, b))


def _is_from_to(pair: Pair) -> bool:
    between, before_a = pair.between, pair.before_a
    return (
        bool(_FROM_TO_BETWEEN.match(between))
        and not pair.a.sign
        and not pair.b.sign
        and bool(
            _FROM_BEFORE.search(before_a)
            or (pair.after_from_to and _AND_BEFORE.search(before_a))
            or "\u2192" in between
            or "->" in between
        )
    )


def _from_to(s: Sentence, pair: Pair) -> Found | None:
    """From A to B ("from 45.2% to 61.0%"): the change, in points for percentages, and the level
    reached. The change is left out when a bracket restates it ("by 8.43% (from 23.32% to
    14.89%)")."""
    if pair.ends is None or not _is_from_to(pair):
        return None
    a, b, last = pair.a, pair.b, pair.ends[1]
    start = a.qualifier_start
    from_match = _FROM_BEFORE.search(pair.before_a)
    if from_match:  # the span starts at "from"
        start -= len(pair.before_a) - from_match.start()
    metric = ctx.metric_of(s.text, replace(last, qualifier_start=start))
    kind = "efficiency" if last.unit in lx.EFFICIENCY_UNITS else None
    claims: list[Claim] = []
    head = s.text[:start].rstrip()
    if not (head.endswith("(") and _RESTATED_BEFORE.search(head)):
        value = round(abs(b.value - a.value), max(a.decimals, b.decimals))
        change_unit = "points" if last.unit == "%" else ctx.claim_unit(last)
        direction = "increase" if b.value > a.value else "decrease"
        change_type = kind or "improvement"
        change = Figure(start, b.end, last, value, change_unit, direction, change_type, metric)
        claims.append(_build(s, change))
    level_type = kind or ctx.claim_type_of(s.text, last, "level", metric)
    unit = ctx.claim_unit(last)
    level = Figure(b.qualifier_start, b.end, last, b.value, unit, "level", level_type, metric)
    claims.append(_build(s, level))
    return Found("from-to", tuple(claims), (a, b))


def _range(s: Sentence, pair: Pair) -> Found | None:
    """A range ("5-15 pp", "between 3 and 5 points"): one claim per end, both with the direction,
    metric and claim type that the words around the whole range give."""
    a, b = pair.a, pair.b
    is_range = bool(_RANGE_BETWEEN.match(pair.between)) or (
        bool(_BETWEEN_AND.match(pair.between)) and bool(_BETWEEN_BEFORE.search(pair.before_a))
    )
    if pair.ends is None or not is_range or (a.unit and a.unit != b.unit) or a.sign != b.sign:
        return None
    first, last = pair.ends
    # the cues around the whole range decide: left of its first end, right of its last
    joined = replace(last, qualifier_start=a.qualifier_start, start=a.start, sign=a.sign or b.sign)
    direction = ctx.direction_of(s.text, joined)[0]
    metric = ctx.metric_of(s.text, joined)
    kind = ctx.claim_type_of(s.text, joined, direction, metric)
    unit = ctx.claim_unit(last)
    claims = (
        _build(s, Figure(a.qualifier_start, a.end, first, a.value, unit, direction, kind, metric)),
        _build(s, Figure(b.start, b.end, last, b.value, unit, direction, kind, metric)),
    )
    return Found("range", claims, (a, b))


PairPattern = Callable[[Sentence, Pair], Found | None]
PAIR_PATTERNS: tuple[PairPattern, ...] = (_duration, _from_to, _range)


def _pairs(s: Sentence, quantities: list[Quantity]) -> list[Found]:
    """Neighbouring figures read by the first pair pattern that takes them, left to right."""
    found: list[Found] = []
    consumed: set[Quantity] = set()
    for a, b in pairwise(quantities):
        if a in consumed:
            continue
        after_from_to = any(f.pattern == "from-to" for f in found)
        pair = Pair.of(s.text, a, b, after_from_to=after_from_to)
        for pattern in PAIR_PATTERNS:
            match = pattern(s, pair)
            if match is not None:
                found.append(match)
                consumed.update(match.consumed)
                break
    return found


def _singles(s: Sentence, quantities: list[Quantity], consumed: set[Quantity]) -> Found:
    """Every figure left over that is a claim on its own, with the direction its words give."""
    decided = {
        i: ctx.direction_of(s.text, q)
        for i, q in enumerate(quantities)
        if q not in consumed and ctx.is_candidate(s.text, q)
    }
    decided = _share_cues_after(s.text, quantities, decided)
    figures = [
        Figure(q.qualifier_start, q.end, q, q.value, ctx.claim_unit(q), decided[i][0])
        for i, q in enumerate(quantities)
        if i in decided
    ]
    return Found("single", tuple(_build(s, f) for f in figures), tuple(f.quantity for f in figures))


def _share_cues_after(
    text: str, quantities: list[Quantity], decided: dict[int, tuple[str, str]]
) -> dict[int, tuple[str, str]]:
    """The cue after the last figure of a list ("16.7% and 22.1% relative improvements") decides
    the direction of the figures before it that no cue of their own decided."""
    shared = dict(decided)
    for i in sorted(shared, reverse=True):
        nxt = shared.get(i + 1)
        if nxt is None:
            continue
        q, r = quantities[i], quantities[i + 1]
        if (
            nxt[1].startswith("after:")
            and not shared[i][1].startswith(("after:", "sign"))
            and q.unit == r.unit
            and _COORDINATION.match(text[q.end : r.qualifier_start])
        ):
            shared[i] = nxt
    return shared


def numeric_claims(s: Sentence) -> list[Claim]:
    """The numeric claims of a sentence: the pair patterns' first, then the single figures'."""
    if _DIGIT.search(s.text) is None:
        return []
    quantities = find_quantities(s.text)
    if not quantities:
        return []
    found = _pairs(s, quantities)
    consumed = {q for f in found for q in f.consumed}
    found.append(_singles(s, quantities, consumed))
    return [claim for f in found for claim in f.claims]
