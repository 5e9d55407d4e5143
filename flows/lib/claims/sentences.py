"""Sentence splitting with character offsets (rules, no model).

A sentence ends at ``.``, ``!`` or ``?`` followed by white space and an upper-case letter, a
digit, a quote or an opening bracket, unless the full stop closes a known abbreviation
(``e.g.``, ``et al.``, ``vs.``, ``Fig.``) or a single initial.
"""

from __future__ import annotations

import re

_BOUNDARY = re.compile(r"[.!?](?:[\"')\]]*)(?=\s+[\"'(\[]?[A-Z0-9])")
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:e\.g|i\.e|et al|etc|vs|cf|Fig|Figs|Eq|Eqs|Sec|Tab|No|approx|resp|Dr|Mr|Ms|St)"
    r"|(?:^|\s)[A-Z])\.?$"
)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` offsets of the sentences of ``text``, white space trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        tail = text[max(start, match.start() - 12) : match.start() + 1]
        if text[match.start()] == "." and _ABBREVIATIONS.search(tail):
            continue
        spans.append((start, end))
        start = end
    spans.append((start, len(text)))
    trimmed = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            trimmed.append((a, b))
    return trimmed
