"""Claim extraction from an abstract: rules over sentences, deterministic and explainable.

Each sentence goes to the pattern handlers in turn. Numbers first (``flows.lib.claims.numeric``): a
figure is a claim when its unit or a metric says it is an outcome and no setup rule rejects it
(``flows.lib.claims.context``); "from A to B" gives the change and the level, a range one claim per
end. A sentence without a numeric claim may still state a new resource ("we introduce X, a
benchmark ...") or a finding ("we find that ..."): claims without a value.
"""

from __future__ import annotations

from flows.lib.claims import context as ctx
from flows.lib.claims import lexicon as lx
from flows.lib.claims.claim import CLAIM_TYPES, DIRECTIONS, QUALIFIERS, Claim, Sentence
from flows.lib.claims.numeric import numeric_claims
from flows.lib.claims.sentences import split_sentences

__all__ = ["CLAIM_TYPES", "DIRECTIONS", "QUALIFIERS", "Claim", "extract_claims"]

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


def _resource_claim(s: Sentence) -> Claim | None:
    """A new resource and what it is: "We introduce BizFinBench, the first benchmark ..."."""
    sentence = s.text
    if (", a" not in sentence and ", the" not in sentence) or not any(
        verb in sentence for verb in _RESOURCE_VERBS
    ):
        return None
    match = lx.NEW_RESOURCE.search(sentence)
    if match is None:
        return None
    name = match.group("name")
    is_benchmark = bool(lx.RESOURCE_KIND_BENCHMARK.match(match.group("kind")))
    return s.claim(
        match.start("name"),
        match.end("kind"),
        claim_type="new_resource",
        benchmark=name if is_benchmark else None,
    )


def _finding_claim(s: Sentence) -> Claim | None:
    """A finding, to the end of the sentence: "We find that current models struggle ..."."""
    sentence = s.text
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
    return s.claim(start, end, claim_type="finding", benchmark=ctx.benchmark_near(sentence, start))


def _sentence_claims(s: Sentence) -> list[Claim]:
    """The numeric claims of a sentence; without any, a new resource or else a finding."""
    claims = numeric_claims(s)
    if claims:
        return claims
    extra = _resource_claim(s) or _finding_claim(s)
    return [] if extra is None else [extra]


def extract_claims(text: str) -> list[Claim]:
    """The claims of one abstract, in text order, one per span. Pure function of ``text``."""
    claims: list[Claim] = []
    for index, (start, end) in enumerate(split_sentences(text)):
        found = _sentence_claims(Sentence(text[start:end], index, start))
        seen: set[tuple[int, int]] = set()
        for claim in sorted(found, key=lambda c: (c.start_offset, c.end_offset)):
            key = (claim.start_offset, claim.end_offset)
            if key not in seen:
                seen.add(key)
                claims.append(claim)
    return claims
