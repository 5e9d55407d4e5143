"""Number-and-unit detection with character offsets (rules, no model).

``find_quantities`` returns every number of a text that is a quantity (not part of a name such
as ``GPT-4``, ``Qwen2.5-7B`` or ``3D``), with its unit normalised (``%``, ``x``, ``points``,
``ms``, ``s``, ``GB``, ...), the hedge written before it (``up to``, ``over``, ``about``,
``at least``) and a count/size marker (``20M``, ``6 million``) that makes it a setup fact rather
than a measured outcome.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A number: thousands separators, decimals, an optional sign. Not glued to a letter, a digit or
# an identifier joint on its left ("GPT-4", "v2", "3.5-turbo", "arXiv:2406.1").
_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"

# Units as written -> normalised unit. Longest spellings first; matched right after the number
# (optionally after one space, or a hyphen for "2-fold").
_UNIT_TABLE: list[tuple[str, str]] = [
    (r"percentage\s+points?|percent(?:age)?\s+pts|pp\b|p\.p\.", "points"),
    (r"\\?%|percent\b", "%"),
    (r"points?\b|pts\b", "points"),
    (r"(?:-|\s)?fold\b|\s?times\b|\s?[x\u00d7](?![A-Za-z0-9])", "x"),
    (r"milliseconds?\b|ms\b|msec\b", "ms"),
    (r"microseconds?\b|\u00b5s\b|us\b", "us"),
    (r"seconds?\b|secs?\b|s\b", "s"),
    (r"minutes?\b|mins?\b", "min"),
    (r"hours?\b|hrs?\b|h\b", "h"),
    (r"days?\b", "days"),
    (r"tokens?\s*/\s*s(?:ec(?:ond)?)?\b|tokens?\s+per\s+second\b|tok/s\b", "tokens/s"),
    (r"(?:frames?\s+per\s+second|fps|FPS)\b", "FPS"),
    (r"it/s\b|iterations?\s+per\s+second\b", "it/s"),
    (r"TB\b|GB\b|GiB\b|MB\b|MiB\b|KB\b", "_bytes"),
    (r"[GTP]?FLOPs?\b", "_flops"),
    (r"USD\b|dollars?\b|US\$", "USD"),
    (r"MP\b|megapixels?\b", "MP"),
    (r"dB\b", "dB"),
    (r"kWh\b|Wh\b|W\b|kW\b", "_power"),
    (r"[kMG]?Hz\b", "_hz"),
    (r"(?:n|\u00b5|m|c|k)?m\b|mm\b", "_length"),
    # general science units (MeasEval), kept literal: "38 \u00b0C", "1 mg/L", "2.5 \u03bcm"
    (
        r"(?:\u00b0\s?[CFK]?|\u00ba[CF]?|ppm\b|ppb\b|ppt\b|wt\.?\s?%|vol\.?\s?%|"
        r"(?:[pn\u00b5\u03bcmcdk]|)(?:mol|Pa|bar|eV|Da|Gy|Sv|Bq|g|L|V|W|J|Hz|\u03a9)"
        r"(?:[\u00b2\u00b3]|[\u2212-]?\d)?(?:\s?/\s?[pn\u00b5\u03bcmck]?[A-Za-z]{1,3}(?:[\u00b2\u00b3]|[\u2212-]?\d)?)?\b|"
        r"years?\b|yrs?\b|months?\b|weeks?\b|bp\b|kb\b|\u00c5(?:/s)?|ka\b|Ma\b|Ga\b|degrees?\b|K\b)",
        "_literal",
    ),
]
_UNIT = re.compile("|".join(f"(?P<u{i}>{pat})" for i, (pat, _) in enumerate(_UNIT_TABLE)))

# Count/size markers: "20M", "6 million", "1.7B parameters" are sizes, never measured outcomes.
_SCALE = re.compile(
    r"(?:(?:[KkMBT]\b|bn\b)|\s(?:thousand|million|billion|trillion)\b|\+?(?:K|M|B)\+)"
)

_QUALIFIERS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"(?:\bup\s+to|\bas\s+(?:much|high|many)\s+as)(?:\s+(?:a|an))?\s*$", re.I),
        "up to",
    ),
    (re.compile(r"(?:\bat\s+least|\bno\s+less\s+than|\u2265|>=|\u2273)\s*$", re.I), "at least"),
    (
        re.compile(
            r"(?:\bless\s+than|\bfewer\s+than|\bbelow|\bunder|\bat\s+most|<|\u2264|<=)\s*$", re.I
        ),
        "up to",
    ),
    (
        re.compile(
            r"(?:\bover|\bmore\s+than|\bgreater\s+than|\bhigher\s+than|\bupwards\s+of|\bexceeding|\babove|"
            r"\bbeyond|(?<![-=])>)"
            r"(?:\s+(?:a|an))?\s*$",
            re.I,
        ),
        "over",
    ),
    (
        re.compile(
            r"(?:\b(?:about|approximately|approx\.|around|roughly|nearly|almost|circa|some)"
            r"|(?<![\d%x])~|\u2248|(?<![\d%x])\u223c|\bsim|\\sim|\$\\sim\$)(?:\s+(?:a|an))?\s*$",
            re.I,
        ),
        "about",
    ),
]


@dataclass(frozen=True)
class Quantity:
    """A number found in a text: ``text[start:end]`` is the number with its unit."""

    start: int
    end: int
    number_start: int
    number_end: int
    value: float
    unit: str  # normalised unit, "" for a bare number
    unit_text: str
    sign: str  # "+", "-" or ""
    qualifier: str  # "up to" | "over" | "about" | "at least" | ""
    qualifier_start: int  # where the qualifier starts (== number_start when none)
    is_scale: bool  # "20M", "6 million": a count or size
    decimals: int


def _parse(num: str) -> tuple[float, int]:
    plain = num.replace(",", "")
    decimals = len(plain.split(".")[1]) if "." in plain else 0
    return float(plain), decimals


def _glued_left(text: str, start: int) -> bool:
    """True when the number continues an identifier ("GPT-4", "Llama3", "v2.1", "x86")."""
    if start == 0:
        return False
    prev = text[start - 1]
    if prev.isalnum() or prev in "_@#/\\:.":
        # "by3.1%": a glued preposition is a typo, not a name
        return not re.search(r"(?:\bby|\bsim|\bof|\bto)$", text[max(0, start - 4) : start])
    if prev in "-\u2013~":
        before = text[:start].rstrip("-\u2013~")
        if before and (
            before[-1].isdigit()
            or before[-1] == "%"
            or (before[-1] in "x\u00d7" and len(before) > 1 and before[-2].isdigit())
        ):
            return False  # "5-15", "0.7--24%": the right end of a range
        # "GPT-4", "Qwen-7B": an identifier
        return bool(before) and (before[-1].isalnum() or before[-1] == ")")
    return False


def _glued_right(text: str, end: int) -> bool:
    """True when letters follow without a unit boundary ("3D", "7B-chat", "4o", "1st")."""
    return end < len(text) and (text[end].isalpha() or text[end] in "_@")


def _unit_at(text: str, pos: int) -> tuple[str, str, int]:
    """The unit written at ``pos`` (after at most one space): (normalised, as written, end)."""
    gap = 0
    if pos < len(text) and text[pos] == " ":
        gap = 1
    match = _UNIT.match(text, pos + gap)
    if match is None and gap:
        match = None
    if match is None or match.lastgroup is None:
        return "", "", pos
    index = int(match.lastgroup[1:])
    pattern, normalised = _UNIT_TABLE[index]
    written = match.group(0)
    if normalised == "x" and text[match.end() : match.end() + 2].strip()[:1].isdigit():
        # "3 x 3", "1344 times 1344": a dimension, not a factor; "2x", "2 times" are factors
        return "", "", pos
    if normalised == "_bytes":
        normalised = written.replace("i", "")
    elif normalised == "_flops":
        normalised = "FLOPs"
    elif normalised in {"_power", "_hz", "_length", "_literal"}:
        normalised = written
    return normalised, written.strip(), match.end()


_QUALIFIER_HINT = re.compile(
    r"(?:to|as|approx\.|least|than|over|of|ing|above|beyond|below|under|most|about|ately|ound|ghly|early|"
    r"most|irca|some|sim|[~\u2248\u223c<>\u2264\u2265\u2273$]|=|\ba|\ban)\s*$",
    re.I,
)


def _qualifier(text: str, start: int) -> tuple[str, int]:
    origin = max(0, start - 24)
    left = text[origin:start]
    if not _QUALIFIER_HINT.search(left[-8:]):
        return "", start
    for pattern, name in _QUALIFIERS:
        match = pattern.search(left)
        if match:
            return name, origin + match.start()
    return "", start


_NUMBER_RE = re.compile(_NUMBER)
_REFERENCE_BEFORE = re.compile(
    r"(?:\b(?:Fig(?:ure)?s?\.?|Tables?|Tab\.|Eqs?\.?|Equations?|Sections?|Sect\.|Chapters?|Appendix|"
    r"Refs?\.?|phases?|stages?|complex|fractions?|numbered|steps?|lines?|columns?|rows?|panels?|"
    r"Experiments?|Studies|Study|Lemma|Theorem|Proposition|Definition|Algorithm)\s*\(?\s*"
    r"(?:\d+\s*(?:,|and|-|\u2013)\s*)*$|\[[\d,\s\u2013-]*$|\bet\s+al\.?,?\s*(?:\d{4}[a-z]?,\s*)*$)",
    re.I,
)


def _is_reference(text: str, start: int, end: int, integer: bool) -> bool:
    """Figure, table, section and citation numbers: "Fig. 3", "[12]", "(Smith et al., 2012)"."""
    if _REFERENCE_BEFORE.search(text[max(0, start - 28) : start]):
        return True
    after = text[end : end + 3]
    before = text[max(0, start - 2) : start]
    if integer and before.endswith("(") and after.startswith(")"):
        return True  # "(24)": a citation or an equation number
    return bool(
        integer
        and re.search(r"[A-Z][a-z]+,?\s*$", text[max(0, start - 30) : start])
        and re.match(r"^[a-z]?\s*[);,]", after)
        and len(text[start:end]) == 4
    )


def find_quantities(text: str) -> list[Quantity]:
    """Every number of ``text`` that reads as a quantity, left to right."""
    found = (_quantity(text, match) for match in _NUMBER_RE.finditer(text))
    return [quantity for quantity in found if quantity is not None]


def _quantity(text: str, match: re.Match[str]) -> Quantity | None:
    """The quantity of the number ``match``, or None when it is part of a name or a reference."""
    num_start, num_end = match.span()
    if _glued_left(text, num_start):
        return None
    sign, start = _sign(text, num_start)
    value, decimals = _parse(match.group(0))
    if _is_reference(text, start, num_end, decimals == 0):
        return None
    after = _unit_or_scale(text, num_end, value)
    if after is None:
        return None
    unit, unit_text, end, is_scale = after
    if sign == "$":
        unit, unit_text = "USD", "$"
    if (
        sign in {"-", "\u2212"}
        and start > 0
        and not text[start - 1].isspace()
        and text[start - 1] not in "("
    ):
        sign, start = "", num_start
    qualifier, q_start = _qualifier(text, start)
    return Quantity(
        start,
        end,
        num_start,
        num_end,
        value,
        unit,
        unit_text,
        sign={"\u2212": "-"}.get(sign, sign if sign in {"+", "-"} else ""),
        qualifier=qualifier,
        qualifier_start=q_start if qualifier else start,
        is_scale=is_scale,
        decimals=decimals,
    )


def _sign(text: str, num_start: int) -> tuple[str, int]:
    """The sign written right before a number ("+", "-", "\u2212", "$", "\\$") and where the
    quantity starts with it."""
    prev = text[num_start - 1] if num_start else ""
    sign = prev if prev in "+-\u2212$" else ""
    sign_start = num_start - 1 if sign else num_start
    if sign == "$" and sign_start > 0 and text[sign_start - 1] == "\\":
        sign_start -= 1
    if sign and sign != "$" and sign_start > 0 and text[sign_start - 1].isalnum():
        return "", num_start  # "3-5": a range dash, not a sign
    return sign, sign_start


def _unit_or_scale(text: str, num_end: int, value: float) -> tuple[str, str, int, bool] | None:
    """(unit, unit as written, end, is a count or size) of the number ending at ``num_end``;
    None when letters glued to it make it part of a name ("3D", "4o", "1st")."""
    scale = _SCALE.match(text, num_end)
    if scale is not None:
        return "", "", scale.end(), True
    unit, unit_text, end = _unit_at(text, num_end)
    if unit == "s" and unit_text == "s" and end == num_end + 1 and value >= 1000:
        unit, unit_text, end = "", "", num_end  # "1990s": a decade
    if unit:
        return unit, unit_text, end, False
    if _glued_right(text, num_end):
        return None
    # "5-shot", "15-task", "7-channel": a compound modifier, a setup fact
    compound = (
        num_end + 1 < len(text) and text[num_end] in "-\u2013" and text[num_end + 1].isalpha()
    )
    return "", "", num_end, compound
