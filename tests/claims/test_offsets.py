"""Offsets are exact: ``text[start:end] == span`` and the span lies inside its sentence."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from flows.lib.claims import extract_claims
from flows.lib.records import RawRecord, clean_text
from flows.stages.sources.hf_daily import list_files, read_file


def _check(text: str) -> int:
    claims = extract_claims(text)
    for claim in claims:
        assert text[claim.start_offset : claim.end_offset] == claim.span
        assert claim.span
        # the sentence is the text at some position that encloses the span
        starts, at = [], text.find(claim.sentence)
        while at != -1:
            starts.append(at)
            at = text.find(claim.sentence, at + 1)
        assert any(
            s <= claim.start_offset and claim.end_offset <= s + len(claim.sentence) for s in starts
        )
    return len(claims)


def test_offsets_exact_over_real_abstracts(shared_data: Path):
    files = list_files(shared_data / "hf-daily-papers")
    checked = claims = 0
    for path in files[::6]:  # every sixth day: ~100 files across the years and file shapes
        for record in read_file(path):
            if isinstance(record, RawRecord) and record.abstract:
                claims += _check(clean_text(record.abstract))
                checked += 1
    assert checked > 1000
    assert claims > checked  # abstracts state claims: more than one per abstract on average


_WORDS = st.sampled_from(
    [
        "accuracy",
        "improves",
        "by",
        "up to",
        "over",
        "from",
        "to",
        "reduces",
        "latency",
        "x",
        "faster",
        "%",
        "ms",
        "pp",
        "points",
        "GPT-4",
        "e.g.",
        "vs.",
        "(",
        ")",
        ",",
        ".",
        "~",
        "We",
        "introduce",
        "a",
        "dataset",
        "find",
        "that",
        "-",
        "\u2013",
        "$",
        "+",
        "\\%",
    ]
)
_NUMBERS = st.one_of(
    st.integers(0, 100_000).map(str),
    st.floats(0, 1000, allow_nan=False).map(lambda f: f"{f:.2f}"),
    st.integers(1000, 99_999).map(lambda n: f"{n:,}"),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_WORDS, _NUMBERS), max_size=40), st.sampled_from([" ", "", "  "]))
def test_offsets_exact_on_generated_text(tokens: list[str], joiner: str):
    _check(joiner.join(tokens))
