"""Tagging papers of a real lake: stored rows, incremental re-runs, clear outcomes."""

from __future__ import annotations

from flows.settings import Settings
from flows.stages.tagging.embedder import model_name
from flows.stages.tagging.tagger import config_hash, tag_papers
from tests.tagging.conftest import put_papers, read_hf_daily

N_PAPERS = 30


def _tags(con) -> dict[str, list[tuple]]:
    rows = con.execute(
        "select paper_id, keyphrase, surface_form, score, rank from paper_keywords "
        "order by paper_id, rank"
    ).fetchall()
    tags: dict[str, list[tuple]] = {}
    for paper_id, *rest in rows:
        tags.setdefault(paper_id, []).append(tuple(rest))
    return tags


def test_every_paper_gets_ranked_distinct_keyphrases_with_provenance(
    shared_data, tag_settings: Settings, lake
):
    put_papers(lake, read_hf_daily(shared_data, N_PAPERS))
    counts = tag_papers(tag_settings, lake, run_id="run-1", progress=False)
    assert counts.considered == counts.tagged == N_PAPERS
    assert counts.docs_embedded == N_PAPERS and counts.phrases_embedded > 0

    top_n = tag_settings.tagging.top_n
    tags = _tags(lake)
    assert len(tags) == N_PAPERS
    for rows in tags.values():
        keyphrases = [r[0] for r in rows]
        assert 1 <= len(rows) <= top_n
        assert [r[3] for r in rows] == list(range(1, len(rows) + 1))
        assert [r[2] for r in rows] == sorted((r[2] for r in rows), reverse=True)
        assert len(set(keyphrases)) == len(keyphrases)
        # no near-duplicates: no keyphrase's words sit inside another's
        for a in keyphrases:
            for b in keyphrases:
                assert a == b or f" {a} " not in f" {b} ", (a, b)
    provenance = lake.execute(
        "select distinct model_name, config_hash, run_id from paper_keywords"
    ).fetchall()
    assert provenance == [
        (model_name(tag_settings.tagging), config_hash(tag_settings.tagging), "run-1")
    ]
    statuses = lake.execute("select status, count(*) from tagged_papers group by 1").fetchall()
    assert statuses == [("tagged", N_PAPERS)]


def test_rerun_computes_nothing_and_changed_text_is_retagged(
    shared_data, tag_settings: Settings, lake
):
    papers = read_hf_daily(shared_data, N_PAPERS)
    put_papers(lake, papers)
    tag_papers(tag_settings, lake, run_id="run-1", progress=False)
    before = _tags(lake)

    again = tag_papers(tag_settings, lake, run_id="run-2", progress=False)
    assert (again.considered, again.docs_embedded, again.phrases_embedded) == (0, 0, 0)
    assert again.unchanged == N_PAPERS
    assert _tags(lake) == before

    changed = dict(papers[0], abstract=papers[5]["abstract"])  # the text of another paper
    put_papers(lake, [changed])
    counts = tag_papers(tag_settings, lake, run_id="run-3", progress=False)
    assert (counts.considered, counts.tagged, counts.unchanged) == (1, 1, N_PAPERS - 1)
    after = _tags(lake)
    assert after[changed["paper_id"]] != before[changed["paper_id"]]
    new_keys = {k for k, *_ in after[changed["paper_id"]]}
    assert new_keys & {k for k, *_ in before[papers[5]["paper_id"]]}  # tags follow the text
    assert lake.execute(
        "select distinct run_id from paper_keywords where paper_id = ?", [changed["paper_id"]]
    ).fetchall() == [("run-3",)]
    assert {p: r for p, r in after.items() if p != changed["paper_id"]} == {
        p: r for p, r in before.items() if p != changed["paper_id"]
    }


def test_each_paper_records_the_hash_of_the_text_it_was_embedded_from(
    shared_data, tag_settings: Settings, lake
):
    """The candidate finds a paper's document embedding by the text hash tagging recorded; a
    lake tagged before hashes were recorded gets them on its next tagging run."""
    put_papers(lake, read_hf_daily(shared_data, N_PAPERS))
    tag_papers(tag_settings, lake, run_id="run-1", progress=False)
    hashes = "select paper_id, text_hash from tagged_papers"
    recorded = dict(lake.execute(hashes).fetchall())
    embedded = {r[0] for r in lake.execute("select text_hash from doc_embeddings").fetchall()}
    assert len(recorded) == N_PAPERS and set(recorded.values()) == embedded

    lake.execute("update tagged_papers set text_hash = null")  # as tagged before
    again = tag_papers(tag_settings, lake, run_id="run-2", progress=False)
    assert again.considered == 0  # nothing tagged again
    assert dict(lake.execute(hashes).fetchall()) == recorded


def test_new_configuration_retags_from_cached_embeddings(shared_data, tag_settings, lake):
    put_papers(lake, read_hf_daily(shared_data, 10, skip=N_PAPERS))
    tag_papers(tag_settings, lake, run_id="run-1", progress=False)
    tag_settings.tagging = tag_settings.tagging.model_copy(update={"top_n": 5})
    counts = tag_papers(tag_settings, lake, run_id="run-2", progress=False)
    assert counts.considered == counts.tagged == 10
    assert (counts.docs_embedded, counts.phrases_embedded) == (0, 0)
    assert lake.execute("select max(rank) from paper_keywords").fetchall() == [(5,)]


def test_empty_and_one_sentence_abstracts_get_a_clear_status(shared_data, tag_settings, lake):
    real = read_hf_daily(shared_data, 1)[0]
    first_sentence = real["abstract"].split(". ")[0] + "."
    papers = [
        {"paper_id": "empty", "title": real["title"], "abstract": ""},
        {"paper_id": "blank", "title": "", "abstract": "   "},
        {"paper_id": "tiny", "title": "A note", "abstract": "We study it."},
        {"paper_id": "one-sentence", "title": real["title"], "abstract": first_sentence},
    ]
    put_papers(lake, papers)
    counts = tag_papers(tag_settings, lake, run_id="run-1", progress=False)
    assert counts.considered == 4
    status = dict(lake.execute("select paper_id, status from tagged_papers").fetchall())
    assert status == {
        "empty": "empty",
        "blank": "empty",
        "tiny": "too_short",
        "one-sentence": "tagged",
    }
    n = dict(lake.execute("select paper_id, n_keyphrases from tagged_papers").fetchall())
    assert n["empty"] == n["blank"] == n["tiny"] == 0 < n["one-sentence"]
    assert counts.empty == 3 and counts.tagged == 1


def test_phrases_and_documents_are_embedded_as_keyberts_backends_embed_them(
    shared_data, tag_settings: Settings, embedding_model
):
    """KeyBERT's ranking runs on our vectors: the default backend's phrase vectors are those of
    KeyBERT's Model2VecBackend over the same static model, its document vectors those of its
    SentenceTransformerBackend (unit rows), though the tagger loads the models itself."""
    import numpy as np
    from keybert.backend import Model2VecBackend, SentenceTransformerBackend
    from model2vec import StaticModel

    from flows.stages.tagging.embedder import base_model_path, get_embedder

    papers = read_hf_daily(shared_data, 5)
    docs = [f"{p['title']}. {p['abstract']}" for p in papers]
    phrases = ["graph neural networks", "large language models", "diffusion", "a", "x" * 300]
    ours = get_embedder(tag_settings.tagging, embedding_model)

    def unit(vectors: np.ndarray) -> np.ndarray:  # a phrase of unknown words: zeros
        vectors = np.asarray(vectors, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)

    static = Model2VecBackend(StaticModel.from_pretrained(str(embedding_model)))
    assert np.array_equal(ours.embed_phrases(phrases), unit(static.embed(phrases)))
    full = SentenceTransformerBackend(str(base_model_path()))
    full.embedding_model.max_seq_length = tag_settings.tagging.doc_max_seq_length
    assert np.allclose(ours.embed_docs(docs), unit(full.embed(docs)), atol=1e-6)
