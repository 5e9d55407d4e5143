"""Canonical forms of keyphrases, so counts group one concept under one string.

``canonical_form`` case-folds, treats hyphens as spaces ("text-to-SQL" = "text to SQL"),
singularises the head noun with lemminflect ("language models" = "language model", "LLMs" =
"LLM") and replaces an acronym defined in the same abstract by its expansion ("Large Language
Models (LLMs)": "LLMs" -> "large language model"). The surface form is kept beside it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from flows.stages.tagging.candidates import STOP_WORDS, lexicon, tokens_of

# "(LLMs)", "(CB-LLMs)", "(KV)": an acronym with at least two capitals, in parentheses.
ACRONYM_RE = re.compile(r"\(\s*([A-Za-z][A-Za-z0-9-]{0,14})\s*[),;]")


def _is_acronym(token: str) -> bool:
    return sum(c.isupper() for c in token) >= 2 and len(token) <= 15


def _strip_plural(acronym: str) -> str:
    """ "LLMs" -> "LLM" (a lower-case s after capitals is a plural)."""
    if len(acronym) > 2 and acronym.endswith("s") and acronym[-2].isupper():
        return acronym[:-1]
    return acronym


def _best_long_form(short: str, long: str) -> str | None:
    """Schwartz & Hearst (2003): the shortest tail of ``long`` whose characters cover the
    letters of ``short`` in order, the first letter at a word start."""
    s_index, l_index = len(short) - 1, len(long) - 1
    while s_index >= 0:
        c = short[s_index].lower()
        if not c.isalnum():
            s_index -= 1
            continue
        while (l_index >= 0 and long[l_index].lower() != c) or (
            s_index == 0 and l_index > 0 and long[l_index - 1].isalnum()
        ):
            l_index -= 1
        if l_index < 0:
            return None
        l_index -= 1
        s_index -= 1
    start = long.rfind(" ", 0, l_index + 1) + 1
    return long[start:]


def find_acronyms(text: str) -> dict[str, str]:
    """Acronyms defined in ``text`` as ``expansion (ACRONYM)``, keyed by the singular acronym,
    mapped to the expansion as written."""
    found: dict[str, str] = {}
    for match in ACRONYM_RE.finditer(text):
        acronym = _strip_plural(match.group(1))
        if not _is_acronym(acronym):
            continue
        # the words just before the parenthesis, within the same clause
        before = re.split(r"[.;:!?()\[\]]", text[: match.start()])[-1]
        words = [t for t, _, _ in tokens_of(before)][-(len(acronym) + 5) :]
        if not words:
            continue
        long_form = _best_long_form(acronym.replace("-", ""), " ".join(words))
        if not long_form:
            continue
        long_words = long_form.split()
        while long_words and long_words[0].lower() in STOP_WORDS:
            long_words = long_words[1:]
        if long_words and len(long_words) <= len(acronym) + 3:
            found.setdefault(acronym, " ".join(long_words))
    return found


@lru_cache(maxsize=200_000)
def singular(word: str) -> str:
    """The singular of a lower-case noun; unknown or invariant words unchanged."""
    lemmas = lexicon(word).get("NOUN")
    if lemmas:
        return lemmas[0]
    if not word.isalpha() or len(word) < 4 or word.endswith(("ss", "us", "is")):
        return word
    from lemminflect import getLemma

    # unknown to the lexicon ("modalities", "tokenizers", "llms"): lemminflect's OOV rules
    guess = getLemma(word, upos="NOUN")
    return guess[0] if guess else word


def _fold(words: list[str]) -> list[str]:
    folded = [w.lower() for word in words for w in word.split("-") if w]
    if folded:
        folded[-1] = singular(folded[-1])
    return folded


def canonical_form(surface: str, acronyms: dict[str, str] | None = None) -> str:
    """The grouping key of a keyphrase as written in an abstract with these acronyms."""
    acronyms = acronyms or {}
    words: list[str] = []
    tokens = surface.split()
    for token in tokens:
        acronym = _strip_plural(token)
        if acronym in acronyms:
            words.extend(_fold(acronyms[acronym].split()))
        elif _is_acronym(token) and token != acronym:
            words.append(acronym)  # "LLMs" -> "LLM" wherever it sits
        else:
            words.append(token)
    return " ".join(_fold(words))
