"""Claims of many papers as one Arrow table: the rows of ``int_claims_extracted``.

Claims depend on the abstract's text and the extractor's code only, so the lake caches them per
abstract (``claims_cache``: md5 of the abstract and ``extractor_version``; written back from each
published warehouse): a run extracts only the abstracts no published run has seen.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path

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


# what a claim says (the rest of a row: its id and its paper, come from where it is found)
CLAIM_FIELDS = CLAIM_SCHEMA.names[2:]
_SQL_TYPES = {pa.string(): "varchar", pa.int32(): "integer", pa.float64(): "double"}
CLAIMS_SQL_TYPE = "struct({})[]".format(
    ", ".join(f"{name} {_SQL_TYPES[CLAIM_SCHEMA.field(name).type]}" for name in CLAIM_FIELDS)
)
CACHE_DDL = f"""
create table if not exists claims_cache (
    abstract_md5 varchar not null,
    extractor varchar not null,
    claims {CLAIMS_SQL_TYPE} not null,
    primary key (abstract_md5, extractor)
)
"""
# after a publish (flows.stages.transform.save_topic_registry): the claims of the abstracts the
# published warehouse (attached as `candidate`) holds and the cache lacks; entries of other
# extractor versions, and of abstracts no paper of the lake has any more, go
CACHE_WRITES = [
    """
    delete from claims_cache
    where extractor <> $extractor or abstract_md5 not in (select md5(abstract) from papers)
    """,
    f"""
    insert or ignore into claims_cache (abstract_md5, extractor, claims)
    with papers as (
        select paper_id, md5(abstract) as abstract_md5
        from candidate.raw.papers
        where abstract <> ''
        qualify row_number() over (partition by md5(abstract) order by paper_id) = 1
    )
    select
        papers.abstract_md5,
        $extractor,
        coalesce(
            list(struct_pack({", ".join(f"{name} := c.{name}" for name in CLAIM_FIELDS)})
                order by c.start_offset, c.end_offset) filter (where c.claim_id is not null),
            []
        )::{CLAIMS_SQL_TYPE}
    from papers
    left join candidate.main.int_claims_extracted as c on papers.paper_id = c.paper_id
    where papers.abstract_md5 not in (
        select abstract_md5 from claims_cache where extractor = $extractor
    )
    group by papers.abstract_md5
    """,
]


# int_claims_extracted: the claims of the new abstracts (`_new_claims`, claims_table) and those
# of the cached ones (`_cached_claims` of `_claim_papers`' abstracts), with claim_id as claim_id
# makes it
CACHED_CLAIMS = f"""
    select * from _new_claims
    union all
    select
        'c_' || left(sha256(
            paper_id || chr(31) || cast(claim.start_offset as varchar) || chr(31)
            || cast(claim.end_offset as varchar)
        ), 20) as claim_id,
        paper_id,
        {", ".join(f"claim.{name}" for name in CLAIM_FIELDS)}
    from (
        select papers.paper_id, unnest(cached.claims) as claim
        from _claim_papers as papers
        inner join _cached_claims as cached on md5(papers.abstract) = cached.abstract_md5
        where papers.abstract <> ''
    )
"""


def extractor_version() -> str:
    """A hash of the extractor's code (this package): claims cached by another version are not
    reused."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def abstract_md5(abstract: str) -> str:
    """The cache key of an abstract (DuckDB's ``md5`` of the same text)."""
    return hashlib.md5(abstract.encode(), usedforsecurity=False).hexdigest()


def claim_id(paper_id: str, start_offset: int, end_offset: int) -> str:
    """Stable id of a claim: a hash of the paper and the claim's offsets in its abstract."""
    key = f"{paper_id}\x1f{start_offset}\x1f{end_offset}".encode()
    return "c_" + hashlib.sha256(key).hexdigest()[:20]


def claims_table(
    papers: Iterable[tuple[str, str | None]], cached: Mapping[str, list[dict]] | None = None
) -> pa.Table:
    """One row per claim of each ``(paper_id, abstract)``; papers without an abstract give none.

    ``cached``: abstract md5 -> its claims (dicts of ``CLAIM_FIELDS``) as this extractor found
    them before; those abstracts are not extracted again."""
    cached = cached or {}
    columns: dict[str, list] = {name: [] for name in CLAIM_SCHEMA.names}
    for paper_id, abstract in papers:
        if not abstract:
            continue
        claims = cached.get(abstract_md5(abstract))
        if claims is None:
            claims = [claim.as_dict() for claim in extract_claims(abstract)]
        for claim in claims:
            start, end = claim["start_offset"], claim["end_offset"]
            columns["claim_id"].append(claim_id(paper_id, start, end))
            columns["paper_id"].append(paper_id)
            for name in CLAIM_FIELDS:
                columns[name].append(claim[name])
    return pa.table(columns, schema=CLAIM_SCHEMA)
