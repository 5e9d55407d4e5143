"""Candidate keyphrases of an abstract: noun-phrase-like spans that never cross a stop word or
punctuation.

A light pattern stands in for a POS tagger (no spaCy/NLTK model downloads here): each token is
classed with the lemminflect lexicon as a possible noun, an adjective-like modifier, or a break
(verbs, adverbs, stop words). A candidate is a span ``modifier* noun`` of at most
``max_words`` tokens inside one run of non-break tokens. Technical tokens (acronyms, CamelCase,
digits, hyphenated compounds such as ``text-to-SQL`` or ``CB-LLMs``) count as nouns and are kept
intact. Measurements ("7B", "1.5TB", "16.3x", "32K-token": ``phrase_quality.is_measurement``)
and verbs are breaks, so "2000B tokens" yields "tokens" and "object removal aims to" yields
"object removal".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

# A token: letters/digits joined by inner hyphens, or digits joined by a decimal point.
TOKEN_RE = re.compile(r"[^\W_]+(?:(?:-|\.(?=\d))[^\W_]+)*")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that end any phrase: English stop words plus the filler of abstracts (reporting verbs,
# vague qualifiers, discourse adverbs).
ABSTRACT_FILLER = _words(
    """
    propose proposed proposes present presents presented introduce introduces introduced
    show shows shown showed demonstrate demonstrates demonstrated use uses used using based
    via novel new existing various different several significant significantly extensive
    comprehensive effectively efficiently state-of-the-art sota furthermore moreover
    additionally respectively specifically particularly notably finally however thus
    therefore despite whereas whether although also able enable enables enabled achieve
    achieves achieved achieving outperform outperforms outperforming remain remains et al
    e.g i.e etc vs including include includes recent recently widely first second third one
    two three four five given possible available like leverage leverages leveraging
    """
)
# Words too generic to make a keyphrase on their own ("large model", "effective method"): a
# candidate needs at least one word outside this set.
GENERIC_WORDS = _words(
    """
    paper papers work works study studies approach approaches method methods result results
    performance improvement improvements experiment experiments framework frameworks model
    models data task tasks problem problems challenge challenges way ways fact lack term
    terms aspect aspects case cases number numbers type types kind kinds set sets system
    systems key main important crucial critical potential specific effective efficient
    strong stronger better best good high higher low lower large larger small smaller wide
    broad many much more most less least simple general diverse robust accurate superior
    significant technique techniques strategy strategies capability capabilities ability
    abilities
    """
)
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | ABSTRACT_FILLER

# Token classes.
NOUN = "N"  # can head a phrase (and modify)
MOD = "A"  # can only modify (adjectives, participles)
BREAK = "X"  # ends any phrase


@dataclass
class Candidate:
    """One candidate phrase of a document (several occurrences merged by lower-cased text)."""

    surface: str  # the first occurrence as written
    words: tuple[str, ...]
    first_position: int  # index of its first token among the document's tokens
    count: int = 1
    surfaces: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The lower-cased text: what gets embedded (the models are uncased) and cached."""
        return self.surface.lower()


URL_RE = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+")


def tokens_of(text: str) -> list[tuple[str, int, int]]:
    """The word tokens of ``text`` with their character offsets (URLs and e-mails skipped)."""
    spans = [m.span() for m in URL_RE.finditer(text)]
    tokens = [(m.group(), m.start(), m.end()) for m in TOKEN_RE.finditer(text)]
    if not spans:
        return tokens
    return [t for t in tokens if not any(a <= t[1] < b for a, b in spans)]


@lru_cache(maxsize=500_000)
def lexicon(word: str) -> dict[str, tuple[str, ...]]:
    """lemminflect's lemmas of a lower-case word by part of speech (cached: the lookup copies).
    Do not mutate the result."""
    from lemminflect import getAllLemmas

    return getAllLemmas(word)


@lru_cache(maxsize=200_000)
def is_gerund(token: str) -> bool:
    """A verb-only -ing form ("allowing", "reviewing"): a phrase does not start with one."""
    lower = token.lower()
    pos = lexicon(lower)
    return lower.endswith("ing") and set(pos) == {"VERB"}


def is_technical(token: str) -> bool:
    """Acronyms, CamelCase, tokens with digits, hyphenated compounds: kept as nouns."""
    return any(c.isdigit() for c in token) or "-" in token or any(c.isupper() for c in token[1:])


@lru_cache(maxsize=200_000)
def token_class(token: str) -> str:
    from flows.stages.tagging.phrase_quality import is_measurement  # it reads this module's lexicon

    lower = token.lower()
    if lower in STOP_WORDS or len(lower) < 2:
        return BREAK
    if not any(c.isalpha() for c in lower.removeprefix("sim")):  # "61.23", "\\sim25"
        return BREAK
    if is_measurement(token):  # "7B", "1.5TB", "16.3x", "32K-token": a fact, not a theme
        return BREAK
    if is_technical(token):
        return NOUN
    pos = lexicon(lower)
    if not pos:  # unknown to the lexicon: a technical word ("tokenizer", "multimodal")
        return MOD if lower.endswith("ed") else NOUN
    if "NOUN" in pos or "PROPN" in pos:
        return NOUN
    if "ADJ" in pos:
        return MOD
    if "VERB" in pos and (lower.endswith("ed") or lower.endswith("ing")):
        return MOD  # participles modify ("generated text", "tuning" stays out as a head)
    return BREAK


@lru_cache(maxsize=200_000)
def is_plural_noun(token: str) -> bool:
    """A plural common noun ("videos", "Models" in a title): ends a phrase (English
    modifiers are singular)."""
    if is_technical(token) or not (token.islower() or token.istitle()):
        return False
    token = token.lower()
    if not token.endswith("s") or token.endswith(("ss", "us", "is")):
        return False
    pos = lexicon(token)
    if not pos:  # unknown to the lexicon: "detectors", "tokenizers"
        return len(token) > 3
    lemmas = pos.get("NOUN")
    return bool(lemmas) and lemmas[0] != token


# After these words a word that can be a verb is one ("to build", "can benefit", "we address").
VERB_CONTEXT = _words(
    """
    to can could may might will would should must we they it which that not also often who i
    you he she further
    """
)


# Words that open a verb's object or complement and never continue a noun phrase: a plural
# noun that can be a verb ("offers", "lags") is a verb when one follows it ("offers a", "lags
# behind"); "training samples", "reward model outputs" stay nouns. ("to" and "such" follow
# nouns too: "models such as"; "to" counts only after a verb that takes an infinitive,
# below: "aims to", but "uses large language models to predict".)
VERB_FOLLOWERS = _words(
    """
    a an the its their his her our your my this these those it them us him how whether what
    both each every behind no any
    """
)


# Verbs that take a to-infinitive (catenative verbs), as lemmas: "removal aims to erase".
INFINITIVE_VERBS = _words(
    """
    aim seek tend fail need help struggle attempt strive want learn manage choose plan hope
    continue begin start try promise refuse claim appear seem proceed intend prefer remain
    """
)


@lru_cache(maxsize=200_000)
def is_noun_or_verb(token: str) -> bool:
    """A plural noun that is also a present-tense verb ("aims", "offers", "samples")."""
    return token.isalpha() and is_plural_noun(token) and "VERB" in lexicon(token)


@lru_cache(maxsize=200_000)
def is_base_verb(token: str) -> bool:
    """A word that can only be a verb, in its base form ("improve", "enhance")."""
    lower = token.lower()
    pos = lexicon(lower)
    return lower in pos.get("VERB", ()) and not ({"NOUN", "PROPN", "ADJ"} & set(pos))


def verb_before(token: str, next_token: str | None, after_next: str | None = None) -> bool:
    """``token`` is a verb because of the words after it: "offers *a*", "lags *behind*",
    "aims *to improve*"."""
    if next_token is None:
        return False
    lower, following = token.lower(), next_token.lower()
    if following == "to":
        lemmas = lexicon(lower).get("VERB", ())
        if after_next is None or not is_base_verb(after_next):
            return False
        if not INFINITIVE_VERBS & set(lemmas):
            return False
    elif following not in VERB_FOLLOWERS:
        return False
    return (token == lower or token.istitle()) and is_noun_or_verb(lower)


def _verb_here(token: str, prev: str | None, sentence_start: bool) -> bool:
    if prev is None or (prev.lower() not in VERB_CONTEXT and not sentence_start):
        return False
    lower = token.lower()
    if is_technical(token) or "VERB" not in lexicon(lower):
        return False
    if prev is not None and prev.lower() in VERB_CONTEXT:
        return True
    return sentence_start and lower.endswith("ing")  # "Building on this, ..."


def _is_plural_acronym(token: str) -> bool:
    """ "LLMs", "VLMs": a plural subject, so a verb may follow."""
    return len(token) > 2 and token.endswith("s") and token[-2].isupper()


def _next_words(
    text: str, tokens: list[tuple[str, int, int]]
) -> list[tuple[str | None, str | None]]:
    """The two tokens after each one, as far as only white space stands between them."""
    nexts: list[str | None] = [None] * len(tokens)
    for i, ((_, _, end), (token, start, _)) in enumerate(zip(tokens, tokens[1:], strict=False)):
        if not text[end:start].strip():
            nexts[i] = token
    return [(n, nexts[i + 1] if n and i + 1 < len(nexts) else None) for i, n in enumerate(nexts)]


def phrase_runs(text: str) -> Iterator[list[tuple[str, int]]]:
    """Maximal runs of phrase-able tokens: no stop word, no punctuation, no verb inside."""
    run: list[tuple[str, int]] = []
    prev_end = None
    prev_token = None
    tokens = tokens_of(text)
    nexts = _next_words(text, tokens)
    for index, (token, start, end) in enumerate(tokens):
        gap = text[prev_end:start].strip() if prev_end is not None else ""
        sentence_start = prev_end is None or (bool(gap) and any(c in gap for c in ".!?:;"))
        prev, prev_token, prev_end = prev_token, token, end
        if gap:  # punctuation between tokens breaks the run
            if run:
                yield run
            run = []
        after_plural = (
            prev is not None and not gap and (is_plural_noun(prev) or _is_plural_acronym(prev))
        )
        verb_after_subject = after_plural and "VERB" in lexicon(token.lower())
        if (
            token_class(token) == BREAK
            or verb_after_subject  # "models exhibit", "videos benefit", "LLMs struggle"
            or _verb_here(token, prev, sentence_start)
            or (run and verb_before(token, *nexts[index]))  # "removal aims to improve"
        ):
            if run:
                yield run
            run = []
            continue
        run.append((token, index))
        if is_plural_noun(token):
            yield run
            run = []
    if run:
        yield run


def spans_of_run(
    run: list[tuple[str, int]], max_words: int, maximal_only: bool
) -> Iterator[tuple[tuple[str, ...], int]]:
    """The candidate spans of one run: the longest ``modifier* noun`` span ending at each
    noun, cut to ``max_words``, and (unless ``maximal_only``) its head-keeping suffixes
    ("large language models" -> "language models", "models")."""
    classes = [token_class(token) for token, _ in run]
    emitted_until = len(run) + 1
    for end in range(len(run), 0, -1):
        if classes[end - 1] != NOUN or end >= emitted_until:
            continue
        lo = max(0, end - max_words)
        starts = [lo] if maximal_only else range(lo, end)
        for start in starts:
            if is_gerund(run[start][0]):
                continue
            yield tuple(token for token, _ in run[start:end]), run[start][1]
        emitted_until = lo + 1  # nouns inside this span are covered by its suffixes
        if lo == 0:
            return


def extract_candidates(
    text: str, max_words: int = 4, maximal_only: bool = False
) -> list[Candidate]:
    """Distinct candidates of ``text`` (merged case-insensitively), in order of first position."""
    found: dict[str, Candidate] = {}
    for run in phrase_runs(text):
        for words, position in spans_of_run(run, max_words, maximal_only):
            if all(word.lower() in GENERIC_WORDS for word in words):
                continue
            surface = " ".join(words)
            key = surface.lower()
            cand = found.get(key)
            if cand is None:
                found[key] = Candidate(surface, words, position, 1, [surface])
            else:
                cand.count += 1
                cand.first_position = min(cand.first_position, position)
                cand.surfaces.append(surface)
    return sorted(found.values(), key=lambda c: c.first_position)
