"""Is a phrase fit to be a keyphrase or a topic label? Three checks, one module.

- ``is_measurement``: the phrase holds a number with a unit or a scale ("7B", "1T tokens",
  "16.3x faster convergence", "22.5k human trajectory") - a fact about one paper's setup or
  result, never a theme.
- ``has_verb_tail``: the phrase runs past its noun into a verb ("object removal aims",
  "World modeling offers", "12b beats frontier model").
- ``learn_boilerplate``: phrases made only of words every kind of abstract uses
  ("substantial challenges", "remarkable progress", "limited computational resources"),
  learned from document frequencies over the archive, not typed by hand.

The candidate generator (``flows.tagging.candidates``) applies the first two while it reads an
abstract, so no stored keyphrase is a measurement; the dbt model
``int_keyphrases_boilerplate`` applies the third over the whole archive, for the topic models
to give those phrases no weight. Pass surface forms (as written) where you have them: the
canonical form splits hyphens, so the name "Qwen2.5-VL-7B" becomes "qwen2.5 vl 7b", whose last
word reads as a model size.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from statistics import quantiles

from flows.claims.quantities import find_quantities
from flows.tagging.candidates import (
    STOP_WORDS,
    is_noun_or_verb,
    lexicon,
    tokens_of,
    verb_before,
)
from flows.tagging.canonical import singular

# ---------------------------------------------------------------------------------------------
# measurements

# A number glued to a lower-case scale or size unit, as canonical (lower-cased) forms write it:
# "7b", "128k", "2000b", "1.5tb". (flows.claims.quantities reads the upper-case spellings.)
_LOWER_SCALE = re.compile(r"\d+(?:[.,]\d+)*(?:[kmbt]|bn|tb|gb|mb|kb)")
# What a hyphenated number names rather than counts: numbered formats and dimensions ("4-bit",
# "3-D"), a versioned product ("2.0-flash", "3.5-turbo"), an acronym ("360-USID").
_NAMED_COMPOUND = re.compile(r"-(?:(?i:bits?|d)\b|[A-Z])|(?<=\.\d)-|(?<=\.\d\d)-")


_LETTER = re.compile(r"[^\W\d_]")


def _token_start(phrase: str, at: int) -> int:
    return phrase.rfind(" ", 0, at) + 1


@lru_cache(maxsize=200_000)
def is_measurement(phrase: str) -> bool:
    """True when ``phrase`` holds a number with a unit or a scale.

    The numbers and units are those of the claims quantity parser
    (``flows.claims.quantities.find_quantities``, evaluated on MeasEval: recall 0.886,
    precision 0.854), so the project has one notion of a quantity. A word of the phrase is a
    measurement when it *starts* with a number followed by a unit or a scale:

    - "7B", "1T tokens", "10x", "128k", "1.5TB host memory", "16.3x faster convergence",
      "24fps", and hyphenated counts: "560-billion-parameter", "32K-token", "256-task";
    - lower-cased scales count too ("7b", "2000b tokens", as canonical forms write them).

    Not measurements:

    - a number inside a name, i.e. in a word that starts with a letter: "GPT-4", "Qwen2.5",
      "COVID-19", "text-to-3D", and also "Qwen2.5-VL-7B", "Llama3.1-8B-Instruct",
      "MMDU-45k": the size is part of the checkpoint's or the dataset's name;
    - a number glued to letters that are no unit: "3D", "4D", "FP8", "6G";
    - a bare number ("Llama 3"), a numbered format or dimension ("4-bit quantization",
      "3-D"), a versioned product ("Gemini 2.0-flash"), a number before an acronym
      ("360-USID"): they name a kind of thing.
    """
    for q in find_quantities(phrase):
        if not (q.unit or q.is_scale):
            continue
        start = _token_start(phrase, q.number_start)
        if _LETTER.search(phrase[start : q.number_start].removeprefix("sim")):  # in a name
            continue
        if q.unit == "" and _NAMED_COMPOUND.match(phrase, q.number_end):
            continue
        return True
    return any(_LOWER_SCALE.fullmatch(token) for token in phrase.split())


# ---------------------------------------------------------------------------------------------
# verb tails


def _verb_reading(word: str) -> tuple[bool, bool]:
    """(can be a finite verb, can only be a verb) for a lower-case word, by the lexicon."""
    pos = lexicon(word)
    lemmas = pos.get("VERB")
    if not lemmas:
        return False, False
    finite = word.endswith("s") or word in lemmas  # "aims", or the base form "offer"
    only_verb = not ({"NOUN", "PROPN", "ADJ"} & set(pos))
    return finite, only_verb


def has_verb_tail(phrase: str, next_words: str | None = None) -> bool:
    """True when ``phrase`` runs past its noun into a verb: "object removal aims",
    "World modeling offers", "12b beats frontier model".

    No POS tagger here, so the lexicon (lemminflect) and the word order decide. A word after
    the first one is a verb when it is:

    - a finite form that can only be a verb ("removal enables", "model achieves");
    - a plural noun that can be a verb with words after it ("12b beats frontier model"):
      English noun modifiers are singular, so a plural inside a phrase is a verb;
    - the last word, a plural noun that can be a verb after a singular word, when the word
      that follows the phrase in its text (``next_words``: the text after it, or its first
      words) opens an object or complement ("offers *a*", "lags *behind*", "aims *to
      improve*": ``candidates.verb_before``), the rule the candidate generator breaks phrases
      by. Without ``next_words`` the form is ambiguous
      ("training samples", "reward model outputs" are nouns) and counts as a noun.
    """
    words = phrase.split()
    for i, word in enumerate(words[1:], start=1):
        lower = word.lower()
        if not lower.isalpha() or (word != lower and not word.istitle()):
            continue  # acronyms, names and numbers are nouns
        finite, only_verb = _verb_reading(lower)
        if only_verb and finite:
            return True
        if not is_noun_or_verb(lower):
            continue
        if i < len(words) - 1:
            return True
        previous = words[i - 1].lower()
        if not (previous.isalpha() and is_noun_or_verb(previous)) and verb_before(
            word, *_following(next_words)
        ):
            return True
    return False


def _following(text: str | None) -> tuple[str | None, str | None]:
    """The first two words of ``text`` as long as only white space stands before them."""
    if not text:
        return None, None
    tokens = tokens_of(text)
    if not tokens or text[: tokens[0][1]].strip():
        return None, None
    first = tokens[0][0]
    if len(tokens) < 2 or text[tokens[0][2] : tokens[1][1]].strip():
        return first, None
    return first, tokens[1][0]


# ---------------------------------------------------------------------------------------------
# boilerplate


@dataclass(frozen=True)
class WordStats:
    """Per-word document and collection frequencies over a corpus of abstracts (words folded
    as in canonical forms: lower case, hyphen parts apart, nouns singular)."""

    n_docs: int
    df: Mapping[str, int]  # documents holding the word
    cf: Mapping[str, int]  # occurrences over all documents

    def residual_idf(self, word: str) -> float:
        """Observed IDF minus the IDF a Poisson spread of the word's occurrences predicts, in
        bits (Church & Gale 1995). Topical words cluster in few documents, several times each
        ("video" 1.45, "quantization" 1.44); words every abstract uses once spread like
        Poisson draws ("substantial" 0.01, "challenges" 0.09)."""
        df = self.df.get(word, 0)
        if not df:
            return math.inf
        rate = self.cf[word] / self.n_docs
        idf = -math.log2(df / self.n_docs)
        poisson_idf = -math.log2(-math.expm1(-rate))
        return idf - poisson_idf


def fold(word: str) -> list[str]:
    """The words of one token as canonical forms write them ("Challenges" -> ["challenge"],
    "cost-effective" -> ["cost", "effective"])."""
    return [singular(part) for part in word.lower().split("-") if part]


def word_stats(texts: Iterable[str]) -> WordStats:
    """Document and collection frequencies of the (folded) words of ``texts``."""
    df: Counter[str] = Counter()
    cf: Counter[str] = Counter()
    n_docs = 0
    for text in texts:
        n_docs += 1
        words = [w for token, _, _ in tokens_of(text or "") for w in fold(token)]
        cf.update(words)
        df.update(set(words))
    return WordStats(n_docs, dict(df), dict(cf))


@dataclass(frozen=True)
class BoilerplateRule:
    """The thresholds of ``learn_boilerplate``. Both burstiness cut-offs are quantiles of the
    corpus's own common words, so the rule carries no number tuned to one archive."""

    min_word_df: float = 0.005  # a common word is in at least 0.5% of the documents
    mean_quantile: float = 0.5  # the phrase's mean residual IDF at most the median word's
    max_quantile: float = 0.75  # and none of its words above the upper quartile


@dataclass(frozen=True)
class Boilerplate:
    phrase: str
    n_docs: int  # the phrase's document frequency, as given
    mean_residual_idf: float


def burstiness_cutoffs(stats: WordStats, rule: BoilerplateRule) -> tuple[float, float]:
    """(mean, max) residual-IDF cut-offs: quantiles over the corpus's common words."""
    floor = rule.min_word_df * stats.n_docs
    values = sorted(
        stats.residual_idf(w) for w, df in stats.df.items() if df >= floor and w.isalpha()
    )
    if len(values) < 4:
        return -math.inf, -math.inf
    cuts = quantiles(values, n=100, method="inclusive")
    return cuts[round(rule.mean_quantile * 100) - 1], cuts[round(rule.max_quantile * 100) - 1]


def learn_boilerplate(
    phrase_df: Mapping[str, int], stats: WordStats, rule: BoilerplateRule | None = None
) -> list[Boilerplate]:
    """The boilerplate among ``phrase_df`` (phrase -> documents using it), most used first.

    A phrase is boilerplate when every word of it is *common* (in at least ``min_word_df`` of
    the archive's documents) and *spread evenly*: abstracts about any subject use it about
    once, as a Poisson draw would, instead of clustering in a few documents that repeat it.
    The spread is the residual IDF of each word (``WordStats.residual_idf``); a phrase
    qualifies when its words' mean residual IDF is at most the median of the archive's
    common words and none of them is above the upper quartile. Why this holds:

    - "substantial challenges", "remarkable progress", "significant improvements" are made of
      words every kind of paper writes once ("substantial" is in 7.9% of the abstracts, with a
      residual IDF of 0.01 bits): they say nothing about what the paper is about;
    - a theme's words are bursty: a paper about video says "video" 3.6 times on average, so
      "video generation" is no boilerplate however common it is;
    - a rare word is specific by itself, so one rare word keeps a phrase out;
    - the cut-offs are quantiles of the archive's own words, so the rule re-learns itself
      when the archive changes, and no phrase list is typed by hand.
    Single words qualify too ("challenge", "progress").
    """
    rule = rule or BoilerplateRule()
    mean_cut, max_cut = burstiness_cutoffs(stats, rule)
    floor = rule.min_word_df * stats.n_docs
    found: list[Boilerplate] = []
    for phrase, n_docs in phrase_df.items():
        words = [w for token in phrase.split() for w in fold(token) if w not in STOP_WORDS]
        if not words or any(stats.df.get(w, 0) < floor for w in words):
            continue
        spread = [stats.residual_idf(w) for w in words]
        mean = sum(spread) / len(spread)
        if mean <= mean_cut and max(spread) <= max_cut:
            found.append(Boilerplate(phrase, n_docs, round(mean, 4)))
    found.sort(key=lambda b: (-b.n_docs, b.phrase))
    return found
