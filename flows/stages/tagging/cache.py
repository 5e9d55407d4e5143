"""Embedding caches in the lake: ``doc_embeddings`` (by hash of the embedded text) and
``phrase_embeddings`` (by the embedded phrase), both keyed by model name. Only the process
that owns the lake connection reads and writes them; tasks get and return plain arrays."""

from __future__ import annotations

import hashlib

import duckdb
import numpy as np
import pyarrow as pa


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _lookup(
    con: duckdb.DuckDBPyConnection, table: str, key_column: str, model: str, keys: list[str]
) -> dict[str, np.ndarray]:
    if not keys:
        return {}
    wanted = pa.table({"k": pa.array(sorted(set(keys)), pa.string())})
    con.register("_wanted_keys", wanted)
    try:
        result = con.sql(
            f"select e.{key_column} as k, e.embedding from {table} e "
            f"join _wanted_keys w on e.{key_column} = w.k where e.model_name = ?",
            params=[model],
        ).to_arrow_table()
    finally:
        con.unregister("_wanted_keys")
    if result.num_rows == 0:
        return {}
    column = result.column("embedding").combine_chunks()
    flat = np.asarray(column.flatten().to_numpy(zero_copy_only=False), dtype=np.float32)
    matrix = flat.reshape(result.num_rows, -1)
    return dict(zip(result.column("k").to_pylist(), matrix, strict=True))


def _store(
    con: duckdb.DuckDBPyConnection,
    table: str,
    key_column: str,
    model: str,
    vectors: dict[str, np.ndarray],
) -> None:
    if not vectors:
        return
    keys = list(vectors)
    matrix = np.stack([vectors[k] for k in keys]).astype(np.float32)
    embedding = pa.ListArray.from_arrays(
        pa.array(np.arange(0, matrix.size + 1, matrix.shape[1], dtype=np.int32)),
        pa.array(matrix.ravel()),
    )
    rows = pa.table({"k": pa.array(keys, pa.string()), "embedding": embedding})
    con.register("_new_vectors", rows)
    try:
        con.execute(
            f"insert or ignore into {table} (model_name, {key_column}, embedding) "
            "select ?, k, embedding from _new_vectors",
            [model],
        )
    finally:
        con.unregister("_new_vectors")


def cached_doc_embeddings(
    con: duckdb.DuckDBPyConnection, model: str, hashes: list[str]
) -> dict[str, np.ndarray]:
    return _lookup(con, "doc_embeddings", "text_hash", model, hashes)


def cached_phrase_embeddings(
    con: duckdb.DuckDBPyConnection, model: str, phrases: list[str]
) -> dict[str, np.ndarray]:
    return _lookup(con, "phrase_embeddings", "phrase", model, phrases)


def store_doc_embeddings(
    con: duckdb.DuckDBPyConnection, model: str, vectors: dict[str, np.ndarray]
) -> None:
    _store(con, "doc_embeddings", "text_hash", model, vectors)


def store_phrase_embeddings(
    con: duckdb.DuckDBPyConnection, model: str, vectors: dict[str, np.ndarray]
) -> None:
    _store(con, "phrase_embeddings", "phrase", model, vectors)
