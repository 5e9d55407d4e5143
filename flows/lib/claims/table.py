"""Claims of many papers as one Arrow table: the rows of ``int_claims_extracted``."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import pyarrow as pa

from flows.lib.claims.extract import extract_claims

CLAIM_SCHEMA = pa.schema(
    [
        ("claim_id", pa.string()),
        ("paper_id", pa.string()),
        ("sentence_index", pa.int32()),
        ("sentence", pa.string()),
        ("span", pa.string()),
        ("start_offset", pa.int32()),
        ("end_offset", pa.int32()),
        ("claim_type", pa.string()),
        ("value", pa.float64()),
        ("unit", pa.string()),
        ("direction", pa.string()),
        ("qualifier", pa.string()),
        ("metric", pa.string()),
        ("benchmark", pa.string()),
        ("baseline", pa.string()),
    ]
)


def claim_id(paper_id: str, start_offset: int, end_offset: int) -> str:
    """Stable id of a claim: a hash of the paper and the claim's offsets in its abstract."""
    key = f"{paper_id}\x1f{start_offset}\x1f{end_offset}".encode()
    return "c_" + hashlib.sha256(key).hexdigest()[:20]


def claims_table(papers: Iterable[tuple[str, str | None]]) -> pa.Table:
    """One row per claim of each ``(paper_id, abstract)``; papers without an abstract give none."""
    columns: dict[str, list] = {name: [] for name in CLAIM_SCHEMA.names}
    for paper_id, abstract in papers:
        if not abstract:
            continue
        for claim in extract_claims(abstract):
            columns["claim_id"].append(claim_id(paper_id, claim.start_offset, claim.end_offset))
            columns["paper_id"].append(paper_id)
            for name, value in claim.as_dict().items():
                columns[name].append(value)
    return pa.table(columns, schema=CLAIM_SCHEMA)
