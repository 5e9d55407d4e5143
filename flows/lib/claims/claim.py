"""What a claim is: the record, the values its fields take, and the sentence it is built in."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from flows.lib.contract import CLAIM_TYPES, DIRECTIONS, QUALIFIERS

__all__ = ["CLAIM_TYPES", "DIRECTIONS", "QUALIFIERS", "Claim", "Sentence"]


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


@dataclass(frozen=True)
class Sentence:
    """A sentence of an abstract: its text, its index, and where it starts in the abstract."""

    text: str
    index: int
    offset: int

    def claim(
        self,
        start: int,
        end: int,
        *,
        claim_type: str,
        value: float | None = None,
        unit: str | None = None,
        direction: str = "level",
        qualifier: str = "",
        metric: str | None = None,
        benchmark: str | None = None,
        baseline: str | None = None,
    ) -> Claim:
        """The claim whose span is ``text[start:end]``; the defaults are a claim without a number
        (a new resource, a finding)."""
        # Claim's fields in order: where the span lies, then what the claim states
        span = self.text[start:end]
        where = (self.index, self.text, span, self.offset + start, self.offset + end)
        what = (claim_type, value, unit, direction, qualifier, metric, benchmark, baseline)
        return Claim(*where, *what)
