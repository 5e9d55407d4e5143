"""Is a phrase fit to be a keyphrase or a topic label? Three checks, one module.

- ``is_measurement``: the phrase holds a number with a unit or a scale ("7B", "1T tokens",
  "16.3x faster convergence", "22.5k human trajectory") - a fact about one paper's setup or
  result, never a theme.
- ``has_verb_tail``: the phrase runs past its noun into a verb ("object removal aims",
  "World modeling offers", "12b beats frontier model").
- ``learn_boilerplate``: phrases made only of words every kind of abstract uses
  ("substantial challenges", "remarkable progress", "limited computational resources"),
  learned from document frequencies over the archive, not typed by hand.

The candidate generator (``flows.stages.tagging.candidates``) applies the first two while it reads
an abstract, so no stored keyphrase is a measurement; the dbt model
``int_keyphrases_boilerplate`` applies the third over the whole archive, for the topic models
to give those phrases no weight. Pass surface forms (as written) where you have them: the
canonical form splits hyphens, so the name "Qwen2.5-VL-7B" becomes "qwen2.5 vl 7b", whose last
word reads as a model size.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyarrow as pa

from flows.lib.claims.quantities import find_quantities
from flows.stages.tagging.candidates import (
    STOP_WORDS,
    TOKEN_RE,
    is_noun_or_verb,
    is_plural_noun,
    lexicon,
    tokens_of,
    verb_before,
)
from flows.stages.tagging.canonical import singular

# ---------------------------------------------------------------------------------------------
# measurements

# A number glued to a scale, a size unit or a factor in any case, as canonical (lower-cased)
# forms write it: "7b", "128k", "2000b", "1.5tb", "7.9X". (flows.lib.claims.quantities reads the
# usual spellings.)
_LOWER_SCALE = re.compile(r"\d+(?:[.,]\d+)*(?:[kmbtx]|bn|tb|gb|mb|kb|times|fold)")
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
    (``flows.lib.claims.quantities.find_quantities``, evaluated on MeasEval: recall 0.886,
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
    return any(_LOWER_SCALE.fullmatch(token) for token in phrase.lower().split())


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


@lru_cache(maxsize=500_000)
def fold(token: str) -> tuple[str, ...]:
    """The words of one token as canonical forms write them: lower case, hyphen parts apart,
    plural nouns singular ("Challenges" -> ("challenge",), "cost-effective" -> ("cost",
    "effective"); "limited" stays)."""
    parts = (part for part in token.lower().split("-") if part)
    return tuple(singular(p) if is_plural_noun(p) else p for p in parts)


def word_counts(text: str) -> Counter[str]:
    """The (folded) words of ``text`` with their number of occurrences."""
    return Counter(w for token in TOKEN_RE.findall(text or "") for w in fold(token))


def word_stats(texts: Iterable[str]) -> WordStats:
    """Document and collection frequencies of the (folded) words of ``texts``."""
    df: Counter[str] = Counter()
    cf: Counter[str] = Counter()
    n_docs = 0
    for text in texts:
        n_docs += 1
        counts = word_counts(text)
        cf.update(counts)
        df.update(counts.keys())
    return WordStats(n_docs, dict(df), dict(cf))


# The words of a paper are counted once per text: the lake caches them per content_hash (the
# paper's title and abstract) and counter_version, written back after each publish like the
# claims cache (flows.stages.transform.save_topic_registry); int_paper_words_counted counts only
# the texts no published run has seen, and int_keyphrases_boilerplate sums the counts in DuckDB.
WORDS_SQL_TYPE = "struct(word varchar, n integer)[]"
WORDS_SCHEMA = pa.list_(pa.struct([("word", pa.string()), ("n", pa.int32())]))
WORDS_CACHE_DDL = f"""
create table if not exists word_counts_cache (
    content_hash varchar not null,
    counter varchar not null,
    words {WORDS_SQL_TYPE} not null,
    primary key (content_hash, counter)
)
"""
# after a publish (the published warehouse attached as `candidate`): the counts of the texts the
# cache lacks; entries of other counter versions, and of texts no paper has any more, go
WORDS_CACHE_WRITES = [
    """
    delete from word_counts_cache
    where counter <> $counter or content_hash not in (select content_hash from papers)
    """,
    """
    insert or ignore into word_counts_cache (content_hash, counter, words)
    select content_hash, $counter, words
    from candidate.main.int_paper_words_counted
    where content_hash not in (
        select content_hash from word_counts_cache where counter = $counter
    )
    """,
]


def counter_version() -> str:
    """A hash of the code that counts words (this package: tokens, folding, the text a paper is
    tagged from) and of lemminflect's version: counts cached by another version are not
    reused."""
    from importlib.metadata import version

    from flows.stages.fingerprint import code_hash

    code = code_hash([Path(__file__).parent])
    return hashlib.sha256(f"{version('lemminflect')}\0{code}".encode()).hexdigest()[:16]


def words_table(texts: Iterable[tuple[str, str, str]], batch: int = 5_000) -> pa.Table:
    """``content_hash``, ``words`` (word and count) of each ``(content_hash, title,
    abstract)``: the rows int_paper_words_counted adds for texts the cache lacks.

    Built as Arrow arrays ``batch`` texts at a time: a first build counts every text (100k
    texts give about 10M word counts), and a Python dict per count held 2.8 GB until the table
    was made (0.4 GB now)."""
    from itertools import islice

    from flows.stages.tagging.keyphrases import compose_text

    chunks, texts = [], iter(texts)
    while rows := list(islice(texts, batch)):
        offsets, words, counts = [0], [], []
        for _, title, abstract in rows:
            text_counts = word_counts(compose_text(title or "", abstract or ""))
            words.extend(text_counts)
            counts.extend(text_counts.values())
            offsets.append(len(words))
        values = pa.StructArray.from_arrays(
            [pa.array(words, pa.string()), pa.array(counts, pa.int32())],
            fields=list(WORDS_SCHEMA.value_type),
        )
        chunks.append(
            pa.table({
                "content_hash": pa.array([row[0] for row in rows], pa.string()),
                "words": pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values),
            })
        )
    if not chunks:
        return pa.table(
            {"content_hash": pa.array([], pa.string()), "words": pa.array([], WORDS_SCHEMA)}
        )
    return pa.concat_tables(chunks)


@dataclass(frozen=True)
class BoilerplateRule:
    """The thresholds of ``learn_boilerplate``. Residual IDF is the log2 ratio of the DF a
    Poisson spread predicts to the observed DF, so its cut-offs read the same in any archive:
    0.5 bit = the word is in at least 71% (1/sqrt 2) of the documents a Poisson spread of its
    occurrences would reach, 0.25 bit = 84%."""

    min_word_df: float = 0.005  # a common word is in at least 0.5% of the documents
    max_word_spread: float = 0.5  # no word of the phrase above this residual IDF (bits)
    max_mean_spread: float = 0.25  # and their mean at most this


@dataclass(frozen=True)
class Boilerplate:
    phrase: str
    n_docs: int  # the phrase's document frequency, as given
    mean_residual_idf: float  # over its words, in bits


def phrase_spread(phrase: str, stats: WordStats, min_word_df: float) -> list[float] | None:
    """The residual IDF of each word of ``phrase`` (stop words aside); None when a word is not
    common (in fewer than ``min_word_df`` of the documents): a rare word is specific."""
    words = [w for token in phrase.split() for w in fold(token) if w not in STOP_WORDS]
    floor = min_word_df * stats.n_docs
    if not words or any(stats.df.get(w, 0) < floor for w in words):
        return None
    return [stats.residual_idf(w) for w in words]


def learn_boilerplate(
    phrase_df: Mapping[str, int], stats: WordStats, rule: BoilerplateRule | None = None
) -> list[Boilerplate]:
    """The boilerplate among ``phrase_df`` (phrase -> documents using it), most used first.

    A phrase is boilerplate when every word of it is *common* (in at least ``min_word_df`` of
    the archive's documents) and *spread evenly*: abstracts about any subject use it about
    once, as a Poisson draw would, instead of clustering in a few documents that repeat it.
    The spread is the residual IDF of each word (``WordStats.residual_idf``, Church & Gale
    1995): no word above ``max_word_spread`` bits and their mean at most ``max_mean_spread``.
    Why this holds:

    - "substantial challenges", "remarkable progress", "significant improvements" are made of
      words every kind of paper writes once ("substantial" is in 7.9% of the abstracts, with a
      residual IDF of 0.01 bit): they say nothing about what a paper is about;
    - a theme's words are bursty: a paper about video says "video" 3.6 times on average
      (1.45 bits), so "video generation" is no boilerplate however common it is;
    - a rare word is specific by itself, so one rare word keeps a phrase out;
    - the statistics are the archive's own, re-learnt on every run: no phrase list is typed
      by hand, and a word that becomes a theme (bursty) leaves the list by itself.

    Single words qualify too ("challenge", "progress"). Generic phrases of the field ("large
    language model": every word common and evenly spread in an LLM archive) qualify as well:
    they carry no topic either.
    """
    rule = rule or BoilerplateRule()
    found: list[Boilerplate] = []
    for phrase, n_docs in phrase_df.items():
        spread = phrase_spread(phrase, stats, rule.min_word_df)
        if spread is None:
            continue
        mean = sum(spread) / len(spread)
        if max(spread) <= rule.max_word_spread and mean <= rule.max_mean_spread:
            found.append(Boilerplate(phrase, n_docs, round(mean, 4)))
    found.sort(key=lambda b: (-b.n_docs, b.phrase))
    return found


def boilerplate_table(
    stats: WordStats, phrase_df: Mapping[str, int], rule: BoilerplateRule | None = None
) -> pa.Table:
    """One row per phrase of ``phrase_df``: ``keyphrase``, ``n_papers``,
    ``mean_residual_idf`` (null when a word of it is rare), ``is_boilerplate``; word
    statistics ``stats`` (the dbt model ``int_keyphrases_boilerplate``)."""
    rule = rule or BoilerplateRule()
    boilerplate = {b.phrase for b in learn_boilerplate(phrase_df, stats, rule)}
    phrases = list(phrase_df)
    means = []
    for phrase in phrases:
        spread = phrase_spread(phrase, stats, rule.min_word_df)
        means.append(None if spread is None else round(sum(spread) / len(spread), 4))
    return pa.table(
        {
            "keyphrase": pa.array(phrases, pa.string()),
            "n_papers": pa.array([phrase_df[p] for p in phrases], pa.int64()),
            "mean_residual_idf": pa.array(means, pa.float64()),
            "is_boilerplate": pa.array([p in boilerplate for p in phrases], pa.bool_()),
        }
    )
