"""Hostile input files, generated at test time: one small named case per hazard and feed format.

Each :class:`Case` is a few files of one source (hf-daily JSON, arXiv Atom XML, arXiv JSON
lines, HF page text) that usually mixes good records with hostile ones, and says what must
happen: which paper ids load, and the quarantine reason of every other record. Nothing here
comes from the shared data; the good records are synthetic (unique ids in 2608.9xxxx, abstracts
long enough for the row rules).

Each case is one small function registered with ``@hazard(source, name)``; ``cases(ctx)``
builds them all (the same bytes every time); ``ctx`` holds what some cases point at: a secret
file and a canary URL that an XML external entity would read or fetch if it were resolved.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from xml.sax.saxutils import escape

from flows.lib.records import title_key, title_paper_id

MB = 1 << 20
DAY = "2026-08-03"  # the feed date of dated hostile files (a past weekday)
JSONL_NAME = f"{DAY}.jsonl"


@dataclass(frozen=True)
class Context:
    secret_file: Path  # a file an external entity names (its text must never be read)
    canary_url: str  # a URL an external entity or DTD names (must never be requested)
    bomb_bytes: int = 64 * MB  # what the gzip bomb unpacks to (over max_file_bytes)


@dataclass
class Case:
    name: str  # "<source>/<hazard>"
    source: str
    files: dict[str, bytes]
    loaded: list[str]  # paper ids that must load (the good records of the case)
    reasons: list[str]  # the quarantine reason of every other record (a multiset)
    needs_row_rules: bool = False  # reasons that the row rules (dates, lengths) give
    notes: str = ""

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in self.files.items():
            (folder / name).write_bytes(data)
        return folder


@dataclass
class _Ids:
    """Fresh valid arXiv ids and texts for the good records of every case."""

    next: int = 1
    used: list[str] = field(default_factory=list)

    def paper(self) -> tuple[str, str, str]:
        n = self.next
        self.next += 1
        pid = f"2608.9{n:04d}"
        self.used.append(pid)
        return pid, good_title(n), good_abstract(n)


Build = Callable[[Context, "_Ids"], Case]
HAZARDS: list[tuple[str, str, Build]] = []  # (source, hazard, build), in definition order


def hazard(source: str, name: str) -> Callable[[Build], Build]:
    """Register a case builder: ``build(ctx, ids)`` returns the files and what must happen."""

    def register(build: Build) -> Build:
        HAZARDS.append((source, name, build))
        return build

    return register


def expect(files: dict[str, bytes], loaded: list[str], reasons: list[str], **kw) -> Case:
    """A case's files and outcome (its name and source come from :func:`hazard`)."""
    return Case("", "", files, loaded, reasons, **kw)


def good_title(n: int) -> str:
    return f"Robust ingestion of hostile research feeds, study {n}"


def good_abstract(n: int) -> str:
    return (
        f"We present study {n} of a batch pipeline that reads research abstracts from public "
        "feeds. Careful parsing keeps every well-formed record, rejects malformed input with a "
        "clear reason, and bounds the memory used for very large fields. Experiments on "
        "synthetic feeds show that no good record is lost."
    )


# --- hf-daily -------------------------------------------------------------------------------


def hf_entry(pid: str | None, title: object, summary: object, **paper: object) -> dict:
    entry_paper = {
        "id": pid,
        "title": title,
        "summary": summary,
        "authors": [{"name": "Ada Lovelace"}, {"name": "Alan Turing"}],
        "publishedAt": "2026-08-01T12:00:00.000Z",
        "upvotes": 3,
        "ai_keywords": ["hostile input", "parsing"],
    }
    entry_paper.update(paper)
    return {"paper": entry_paper, "numComments": 1}


def hf_json(entries: list, **dump: object) -> bytes:
    return json.dumps(entries, ensure_ascii=False, **dump).encode("utf-8")


def _nested(depth: int) -> object:
    value: object = "deep"
    for _ in range(depth):
        value = [value]
    return value


def _gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)  # the same bytes on every run


def _gzip_bomb(size: int) -> bytes:
    """A gzip stream of ``size`` zero bytes (about 1000 times smaller)."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9, mtime=0) as stream:
        chunk = bytes(MB)
        for _ in range(size // MB):
            stream.write(chunk)
    return out.getvalue()


def _hf_good(ids: _Ids) -> tuple[str, dict]:
    pid, title, abstract = ids.paper()
    return pid, hf_entry(pid, title, abstract)


@hazard("hf-daily", "truncated_json")
def hf_daily_truncated_json(ctx: Context, ids: _Ids) -> Case:
    a, ea = _hf_good(ids)
    b, eb = _hf_good(ids)
    whole = hf_json([ea, eb])
    return expect({f"{DAY}.json": whole[: len(whole) * 2 // 3]}, [], ["unparsable_file"])


@hazard("hf-daily", "deeply_nested_document")
def hf_daily_deeply_nested_document(ctx: Context, ids: _Ids) -> Case:
    return expect({f"{DAY}.json": b"[" * 200_000}, [], ["unparsable_file"])


@hazard("hf-daily", "deeply_nested_fields")
def hf_daily_deeply_nested_fields(ctx: Context, ids: _Ids) -> Case:
    a, ea = _hf_good(ids)
    deep_title = hf_entry("2608.80001", _nested(500), good_abstract(0))
    deep_repr = "{'paper': " + "[" * 5_000 + "]" * 5_000 + "}"
    return expect(
        {f"{DAY}.json": hf_json([ea, deep_title, deep_repr])},
        [a],
        ["wrong_type", "invalid_record"],
    )


@hazard("hf-daily", "bom_crlf")
def hf_daily_bom_crlf(ctx: Context, ids: _Ids) -> Case:
    a, ea = _hf_good(ids)
    b, eb = _hf_good(ids)
    eb["paper"]["title"] = eb["paper"]["title"].replace("hostile", "hostile\r\n")
    text = json.dumps([ea, eb], indent=2).replace("\n", "\r\n")
    return expect({f"{DAY}.json": codecs.BOM_UTF8 + text.encode()}, [a, b], [])


@hazard("hf-daily", "utf16_bom")
def hf_daily_utf16_bom(ctx: Context, ids: _Ids) -> Case:
    a, ea = _hf_good(ids)
    return expect({f"{DAY}.json": json.dumps([ea]).encode("utf-16")}, [a], [])


@hazard("hf-daily", "nul_and_control_chars")
def hf_daily_nul_and_control_chars(ctx: Context, ids: _Ids) -> Case:
    a, ea = _hf_good(ids)
    b, eb = _hf_good(ids)
    eb["paper"]["summary"] = eb["paper"]["summary"].replace("batch", "batch\x07")  # one stray
    nul = hf_entry("2608.80002", "A title with a NUL \x00 inside it", good_abstract(0))
    noisy = hf_entry("2608.80003", good_title(0), "\x01\x02\x03\x04\x1b" * 20 + good_abstract(0))
    body = hf_json([ea, eb, nul, noisy])
    body = body.replace(b"\\u0007", b"\x07").replace(b"\\u0001", b"\x01")
    return expect({f"{DAY}.json": body}, [a, b], ["control_characters"] * 2)


@hazard("hf-daily", "multi_mb_fields")
def hf_daily_multi_mb_fields(ctx: Context, ids: _Ids) -> Case:
    a, ea = _hf_good(ids)
    huge_abstract = hf_entry("2608.80004", good_title(0), "word " * (MB // 5 * 5))
    huge_title = hf_entry("2608.80005", "title " * (2 * MB // 6), good_abstract(0))
    return expect(
        {f"{DAY}.json": hf_json([ea, huge_abstract, huge_title])},
        [a],
        ["abstract_too_long", "title_too_long"],
    )


@hazard("hf-daily", "path_like_ids")
def hf_daily_path_like_ids(ctx: Context, ids: _Ids) -> Case:
    a, ea = _hf_good(ids)
    path_ids = [
        "../../../../tmp/papertrends-hostile-pwned",
        "/etc/passwd",
        "..\\..\\windows\\win.ini",
        "2608.90001/../../../etc/passwd",
        "file:///etc/passwd",
        "~/.ssh/id_rsa",
    ]
    entries = [ea] + [hf_entry(p, good_title(0), good_abstract(0)) for p in path_ids]
    return expect({f"{DAY}.json": hf_json(entries)}, [a], ["invalid_id"] * len(path_ids))


@hazard("hf-daily", "html_script")
def hf_daily_html_script(ctx: Context, ids: _Ids) -> Case:
    a, ea = _hf_good(ids)
    eb_pid, t, ab = ids.paper()
    repaired = hf_entry(eb_pid, t.replace("hostile", "<i>hostile</i>"), ab)
    markup = [
        (good_title(0), "<script>alert(1)</script> " + good_abstract(0)),
        ('<img src=x onerror="alert(1)">' + good_title(0), good_abstract(0)),
        (good_title(0), good_abstract(0) + ' <svg onload="alert(1)">'),
        (good_title(0), "&lt;script&gt;alert(1)&lt;/script&gt; " + good_abstract(0)),
        (good_title(0), good_abstract(0) + ' <a href="javascript:alert(1)">more</a>'),
        (good_title(0), "<html><body><div>" + good_abstract(0) + "</div></body></html>"),
    ]
    entries = [ea, repaired] + [
        hf_entry(f"2608.8{10 + n:04d}", t, s) for n, (t, s) in enumerate(markup)
    ]
    return expect({f"{DAY}.json": hf_json(entries)}, [a, eb_pid], ["html_markup"] * 6)


@hazard("hf-daily", "wrong_types")
def hf_daily_wrong_types(ctx: Context, ids: _Ids) -> Case:
    a, ea = _hf_good(ids)
    t0, a0 = good_title(0), good_abstract(0)
    wrong = [
        (42, "invalid_record"),
        (["a", "list"], "invalid_record"),
        (hf_entry("2608.80020", ["a", "title", "list"], good_abstract(0)), "wrong_type"),
        (hf_entry("2608.80021", good_title(0), {"text": good_abstract(0)}), "wrong_type"),
        (hf_entry("2608.80022", 12345, good_abstract(0)), "wrong_type"),
        (hf_entry(2608.80023, good_title(0), good_abstract(0)), "invalid_id"),
        (hf_entry("2608.80024", t0, a0, authors="Ada, Alan"), "wrong_type"),
        (hf_entry("2608.80025", good_title(0), good_abstract(0), authors=7), "wrong_type"),
        (hf_entry("2608.80026", good_title(0), good_abstract(0), upvotes="many"), "wrong_type"),
        (hf_entry("2608.80027", good_title(0), good_abstract(0), upvotes=True), "wrong_type"),
        (hf_entry("2608.80028", good_title(0), good_abstract(0), upvotes=-4), "wrong_type"),
        (hf_entry("2608.80029", t0, a0, ai_keywords={"k": 1}), "wrong_type"),
        ({"paper": ["not", "an", "object"]}, "missing_title"),
    ]
    body = hf_json([ea] + [w for w, _ in wrong])
    inf = hf_json([hf_entry("2608.80030", good_title(0), good_abstract(0), upvotes=0)])
    inf = inf.replace(b'"upvotes": 0', b'"upvotes": 1e400')
    return expect(
        {f"{DAY}.json": body, "2026-08-04.json": inf},
        [a],
        [r for _, r in wrong] + ["wrong_type"],
    )


@hazard("hf-daily", "number_too_long")
def hf_daily_number_too_long(ctx: Context, ids: _Ids) -> Case:
    return expect(
        {f"{DAY}.json": b'[{"paper": {"id": "2608.80031", "upvotes": ' + b"9" * 5_000 + b"}}]"},
        [],
        ["unparsable_file"],
    )


@hazard("hf-daily", "future_and_invalid_dates")
def hf_daily_future_and_invalid_dates(ctx: Context, ids: _Ids) -> Case:
    a, ea = _hf_good(ids)
    dates = [
        "2999-01-01T00:00:00Z",  # the future
        "9999-12-31T23:59:59-05:00",  # past year 9999 once in UTC
        "2026-02-30T00:00:00Z",  # no such day
        "yesterday",
        "1970-01-01T00:00:00Z",  # before arXiv
    ]
    entries = [ea] + [
        hf_entry(f"2608.8{40 + n:04d}", good_title(0), good_abstract(0), publishedAt=d)
        for n, d in enumerate(dates)
    ]
    reasons = ["date_out_of_range", "unparsable_date", "unparsable_date", "unparsable_date",
               "date_out_of_range"]
    future_day = hf_json([hf_entry("2608.80050", good_title(0), good_abstract(0))])
    return expect(
        {f"{DAY}.json": hf_json(entries), "2999-01-01.json": future_day},
        [a],
        reasons + ["date_out_of_range"],
        needs_row_rules=True,
    )


@hazard("hf-daily", "duplicate_ids")
def hf_daily_duplicate_ids(ctx: Context, ids: _Ids) -> Case:
    a, ea = _hf_good(ids)
    other = hf_entry(a, "A different title for the same id", good_abstract(0))
    b, eb = _hf_good(ids)
    return expect(
        {f"{DAY}.json": hf_json([ea, other, eb, eb])},
        [a, b],
        ["conflicting_record"],
        notes="the first version read is kept; an identical repeat is unchanged",
    )


@hazard("hf-daily", "invalid_utf8")
def hf_daily_invalid_utf8(ctx: Context, ids: _Ids) -> Case:
    a, ea = _hf_good(ids)
    body = hf_json([ea, hf_entry("2608.80060", "Broken BYTES here", good_abstract(0))])
    body = body.replace(b"BYTES", b"\xff\xfe\xc3(")
    surrogate = hf_json([hf_entry("2608.80061", good_title(0), good_abstract(0))]).replace(
        b"Robust", b"\\ud800Robust"
    )
    return expect(
        {f"{DAY}.json": body, "2026-08-04.json": surrogate},
        [a],
        ["undecodable_bytes"] * 2,
    )


@hazard("hf-daily", "empty_files")
def hf_daily_empty_files(ctx: Context, ids: _Ids) -> Case:
    return expect(
        {f"{DAY}.json": b"", "2026-08-04.json": b" \r\n\t\r\n"},
        [],
        ["empty_file"] * 2,
    )


@hazard("hf-daily", "gzip")
def hf_daily_gzip(ctx: Context, ids: _Ids) -> Case:
    a, ea = _hf_good(ids)
    b, eb = _hf_good(ids)
    packed = _gz(hf_json([ea]))
    return expect(
        {f"{DAY}.json": packed, "2026-08-04.json.gz": _gz(hf_json([eb])),
         "2026-08-05.json": packed[: len(packed) // 2],
         "2026-08-06.json.gz": _gzip_bomb(ctx.bomb_bytes)},
        [a, b],
        ["unparsable_file", "file_too_large"],
    )


# --- arXiv Atom -----------------------------------------------------------------------------

ATOM_HEAD = (
    '<feed xmlns="http://www.w3.org/2005/Atom" '
    'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">'
    "<title>arXiv Query</title><opensearch:totalResults>{n}</opensearch:totalResults>"
)


def atom_entry(pid: str, title: str, summary: str, *, raw: bool = False,
               published: str = "2026-08-01T12:00:00Z") -> str:
    t, s = (title, summary) if raw else (escape(title), escape(summary))
    return (
        f"<entry><id>http://arxiv.org/abs/{pid}v1</id><published>{published}</published>"
        f"<title>{t}</title><summary>{s}</summary>"
        "<author><name>Ada Lovelace</name></author>"
        '<category term="cs.CL"/></entry>'
    )


def atom_feed(entries: list[str], prolog: str = "") -> bytes:
    head = ATOM_HEAD.format(n=len(entries))
    return (prolog + head + "".join(entries) + "</feed>").encode("utf-8")


def _atom_good(ids: _Ids) -> tuple[str, str]:
    pid, title, abstract = ids.paper()
    return pid, atom_entry(pid, title, abstract)


@hazard("arxiv-atom", "truncated_xml")
def arxiv_atom_truncated_xml(ctx: Context, ids: _Ids) -> Case:
    a, ea = _atom_good(ids)
    whole = atom_feed([ea])
    return expect({"feed.xml": whole[: len(whole) // 2]}, [], ["unparsable_file"])


@hazard("arxiv-atom", "entity_bomb")
def arxiv_atom_entity_bomb(ctx: Context, ids: _Ids) -> Case:
    laughs = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ]
    bomb = f"<!DOCTYPE feed [{''.join(laughs)}]>"
    a, ea = _atom_good(ids)
    return expect(
        {"feed.xml": atom_feed([atom_entry(a, good_title(0), "&lol9;", raw=True)], bomb)},
        [],
        ["unsafe_xml"],
    )


@hazard("arxiv-atom", "external_entities")
def arxiv_atom_external_entities(ctx: Context, ids: _Ids) -> Case:
    a, ea = _atom_good(ids)
    external = (
        f'<!DOCTYPE feed [<!ENTITY secret SYSTEM "{ctx.secret_file.as_uri()}">'
        f'<!ENTITY canary SYSTEM "{ctx.canary_url}/entity">]>'
    )
    dtd = f'<!DOCTYPE feed SYSTEM "{ctx.canary_url}/feed.dtd">'
    parameter = f'<!DOCTYPE feed [<!ENTITY % remote SYSTEM "{ctx.canary_url}/param">%remote;]>'
    body = good_abstract(0) + " &secret; &canary;"
    return expect({
            "feed-1.xml": atom_feed([atom_entry(a, good_title(0), body, raw=True)], external),
            "feed-2.xml": atom_feed([atom_entry(a, good_title(0), good_abstract(0))], dtd),
            "feed-3.xml": atom_feed([atom_entry(a, good_title(0), good_abstract(0))], parameter),
        },
        [],
        ["unsafe_xml"] * 3,
    )


@hazard("arxiv-atom", "deeply_nested_xml")
def arxiv_atom_deeply_nested_xml(ctx: Context, ids: _Ids) -> Case:
    a, ea = _atom_good(ids)
    deep = atom_entry("2608.80070", good_title(0), good_abstract(0)).replace(
        "</entry>", "<x>" * 50_000 + "</x>" * 50_000 + "</entry>"
    )
    return expect({"feed.xml": atom_feed([ea, deep])}, [a], ["invalid_record"])


@hazard("arxiv-atom", "bom_crlf")
def arxiv_atom_bom_crlf(ctx: Context, ids: _Ids) -> Case:
    a, ea = _atom_good(ids)
    b, eb = _atom_good(ids)
    text = atom_feed([ea, eb.replace("<summary>", "<summary>\r\n")]).decode()
    text = text.replace("><", ">\r\n<")
    return expect({"feed.xml": codecs.BOM_UTF8 + text.encode()}, [a, b], [])


@hazard("arxiv-atom", "nul_and_control_chars")
def arxiv_atom_nul_and_control_chars(ctx: Context, ids: _Ids) -> Case:
    a, ea = _atom_good(ids)
    nul = atom_feed([ea, atom_entry("2608.80071", good_title(0), "NUL\x00" + good_abstract(0))])
    ref = atom_feed(
        [ea, atom_entry("2608.80072", good_title(0), "&#0;" + good_abstract(0), raw=True)]
    )
    return expect(
        {"feed-1.xml": nul, "feed-2.xml": ref},
        [],
        ["unparsable_file"] * 2,
        notes="XML 1.0 forbids NUL even as a character reference: the whole document is rejected",
    )


@hazard("arxiv-atom", "multi_mb_fields")
def arxiv_atom_multi_mb_fields(ctx: Context, ids: _Ids) -> Case:
    a, ea = _atom_good(ids)
    huge = atom_entry("2608.80073", good_title(0), "word " * (MB // 5 * 5))
    return expect({"feed.xml": atom_feed([ea, huge])}, [a], ["abstract_too_long"])


@hazard("arxiv-atom", "path_like_ids")
def arxiv_atom_path_like_ids(ctx: Context, ids: _Ids) -> Case:
    a, ea = _atom_good(ids)
    paths = [atom_entry(p, good_title(0), good_abstract(0))
             for p in ("../../../etc/passwd", "2608.90001/../../x", "%2e%2e%2fetc%2fpasswd")]
    return expect({"feed.xml": atom_feed([ea, *paths])}, [a], ["invalid_id"] * 3)


@hazard("arxiv-atom", "html_script")
def arxiv_atom_html_script(ctx: Context, ids: _Ids) -> Case:
    a, ea = _atom_good(ids)
    script = atom_entry("2608.80074", good_title(0), "<script>alert(1)</script>" + good_abstract(0))
    return expect({"feed.xml": atom_feed([ea, script])}, [a], ["html_markup"])


@hazard("arxiv-atom", "duplicate_ids")
def arxiv_atom_duplicate_ids(ctx: Context, ids: _Ids) -> Case:
    a, ea = _atom_good(ids)
    other = atom_entry(a, "A different title for the same id", good_abstract(0))
    return expect({"feed.xml": atom_feed([ea, other])}, [a], ["conflicting_record"])


@hazard("arxiv-atom", "invalid_utf8")
def arxiv_atom_invalid_utf8(ctx: Context, ids: _Ids) -> Case:
    a, ea = _atom_good(ids)
    bad = atom_feed([ea]).replace(b"Robust", b"R\xffobust")
    return expect({"feed.xml": bad}, [], ["undecodable_bytes"])


@hazard("arxiv-atom", "empty_files")
def arxiv_atom_empty_files(ctx: Context, ids: _Ids) -> Case:
    return expect({"feed.xml": b"", "feed-2.xml": b"\r\n  "}, [], ["empty_file"] * 2)


@hazard("arxiv-atom", "gzip")
def arxiv_atom_gzip(ctx: Context, ids: _Ids) -> Case:
    a, ea = _atom_good(ids)
    return expect({"feed.xml.gz": _gz(atom_feed([ea]))}, [a], [])


@hazard("arxiv-atom", "future_and_invalid_dates")
def arxiv_atom_future_and_invalid_dates(ctx: Context, ids: _Ids) -> Case:
    a, ea = _atom_good(ids)
    future = atom_entry(
        "2608.80075", good_title(0), good_abstract(0), published="2999-01-01T00:00:00Z"
    )
    invalid = atom_entry("2608.80076", good_title(0), good_abstract(0), published="not a date")
    return expect(
        {"feed.xml": atom_feed([ea, future, invalid])},
        [a],
        ["date_out_of_range", "unparsable_date"],
        needs_row_rules=True,
    )


# --- arXiv JSON lines -----------------------------------------------------------------------


def jsonl_record(pid: object, title: object, summary: object, **fields: object) -> dict:
    record = {"id": pid, "title": title, "summary": summary, "authors": ["Ada Lovelace"],
              "categories": ["cs.CL"]}
    record.update(fields)
    return record


def jsonl(records: list) -> bytes:
    return b"\n".join(json.dumps(r, ensure_ascii=False).encode() for r in records) + b"\n"


def _jsonl_good(ids: _Ids) -> tuple[str, dict]:
    pid, title, abstract = ids.paper()
    return pid, jsonl_record(pid, title, abstract)


@hazard("arxiv-jsonl", "truncated_line")
def arxiv_jsonl_truncated_line(ctx: Context, ids: _Ids) -> Case:
    a, ra = _jsonl_good(ids)
    b, rb = _jsonl_good(ids)
    body = jsonl([ra, rb])
    return expect({JSONL_NAME: body[: len(body) - 40]}, [a], ["invalid_record"])


@hazard("arxiv-jsonl", "deeply_nested_line")
def arxiv_jsonl_deeply_nested_line(ctx: Context, ids: _Ids) -> Case:
    a, ra = _jsonl_good(ids)
    deep = b'{"id": "2608.80080", "title": ' + b"[" * 100_000 + b"\n"
    return expect({JSONL_NAME: jsonl([ra]) + deep}, [a], ["invalid_record"])


@hazard("arxiv-jsonl", "bom_crlf")
def arxiv_jsonl_bom_crlf(ctx: Context, ids: _Ids) -> Case:
    a, ra = _jsonl_good(ids)
    b, rb = _jsonl_good(ids)
    crlf = jsonl([ra, rb]).replace(b"\n", b"\r\n")
    return expect({JSONL_NAME: codecs.BOM_UTF8 + crlf}, [a, b], [])


@hazard("arxiv-jsonl", "nul_and_control_chars")
def arxiv_jsonl_nul_and_control_chars(ctx: Context, ids: _Ids) -> Case:
    a, ra = _jsonl_good(ids)
    nul = jsonl([jsonl_record("2608.80081", good_title(0), good_abstract(0) + " NULHERE")])
    return expect(
        {JSONL_NAME: jsonl([ra]) + nul.replace(b"NULHERE", b"\x00")}, [a],
        ["control_characters"])


@hazard("arxiv-jsonl", "multi_mb_fields")
def arxiv_jsonl_multi_mb_fields(ctx: Context, ids: _Ids) -> Case:
    a, ra = _jsonl_good(ids)
    huge = jsonl_record("2608.80082", good_title(0), "word " * (MB // 5 * 5))
    return expect({JSONL_NAME: jsonl([ra, huge])}, [a], ["abstract_too_long"])


@hazard("arxiv-jsonl", "path_like_ids")
def arxiv_jsonl_path_like_ids(ctx: Context, ids: _Ids) -> Case:
    a, ra = _jsonl_good(ids)
    paths = [jsonl_record(p, good_title(0), good_abstract(0))
             for p in ("../../etc/passwd", "/var/tmp/x", "cs/../../../x")]
    return expect({JSONL_NAME: jsonl([ra, *paths])}, [a], ["invalid_id"] * 3)


@hazard("arxiv-jsonl", "html_script")
def arxiv_jsonl_html_script(ctx: Context, ids: _Ids) -> Case:
    a, ra = _jsonl_good(ids)
    script = jsonl_record("2608.80083", good_title(0), "<script>x()</script>" + good_abstract(0))
    return expect({JSONL_NAME: jsonl([ra, script])}, [a], ["html_markup"])


@hazard("arxiv-jsonl", "wrong_types")
def arxiv_jsonl_wrong_types(ctx: Context, ids: _Ids) -> Case:
    a, ra = _jsonl_good(ids)
    wrong = [
        (jsonl_record("2608.80084", 3.14, good_abstract(0)), "wrong_type"),
        (jsonl_record("2608.80085", good_title(0), good_abstract(0), authors="Ada"), "wrong_type"),
        (jsonl_record(260880086, good_title(0), good_abstract(0)), "invalid_id"),
        ([1, 2, 3], "invalid_record"),
        ("just a string", "invalid_record"),
    ]
    return expect({JSONL_NAME: jsonl([ra] + [w for w, _ in wrong])}, [a], [r for _, r in wrong])


@hazard("arxiv-jsonl", "invalid_utf8")
def arxiv_jsonl_invalid_utf8(ctx: Context, ids: _Ids) -> Case:
    a, ra = _jsonl_good(ids)
    bad = jsonl([jsonl_record("2608.80087", "Broken BYTES", good_abstract(0))])
    return expect(
        {JSONL_NAME: jsonl([ra]) + bad.replace(b"BYTES", b"\xc3\x28\xff")}, [a],
        ["undecodable_bytes"])


@hazard("arxiv-jsonl", "duplicate_ids")
def arxiv_jsonl_duplicate_ids(ctx: Context, ids: _Ids) -> Case:
    a, ra = _jsonl_good(ids)
    other = jsonl_record(a, "A different title for the same id", good_abstract(0))
    return expect({JSONL_NAME: jsonl([ra, other])}, [a], ["conflicting_record"])


@hazard("arxiv-jsonl", "empty_files")
def arxiv_jsonl_empty_files(ctx: Context, ids: _Ids) -> Case:
    return expect({JSONL_NAME: b"", "2026-08-04.jsonl": b"\r\n\r\n"}, [], ["empty_file"] * 2)


@hazard("arxiv-jsonl", "gzip")
def arxiv_jsonl_gzip(ctx: Context, ids: _Ids) -> Case:
    a, ra = _jsonl_good(ids)
    return expect({f"{DAY}.jsonl.gz": _gz(jsonl([ra]))}, [a], [])


@hazard("arxiv-jsonl", "future_and_invalid_dates")
def arxiv_jsonl_future_and_invalid_dates(ctx: Context, ids: _Ids) -> Case:
    a, ra = _jsonl_good(ids)
    oai = {"id": "2608.80088", "title": good_title(0), "abstract": good_abstract(0),
           "versions": [{"version": "v1", "created": "Mon, 99 Foo 2007 19:18:42 GMT"}]}
    return expect(
        {JSONL_NAME: jsonl([ra, oai]),
                                     "2999-01-01.jsonl": jsonl([jsonl_record(
                                         "2608.80089", good_title(0), good_abstract(0))])},
        [a], ["unparsable_date", "date_out_of_range"], needs_row_rules=True)


# --- HF page text ---------------------------------------------------------------------------


def page(pairs: list[tuple[str, str]]) -> str:
    lines = ["Get trending papers in your email inbox!", ""]
    for n, (title, abstract) in enumerate(pairs):
        lines += [("Subscribe" if n == 0 else "") + title, abstract, ""]
    return "\n".join(lines)


def page_id(title: str) -> str:
    return title_paper_id(title_key(title))


def _page_good(ids: _Ids) -> tuple[str, tuple[str, str]]:
    _, title, abstract = ids.paper()
    title = title.replace("feeds", "pages")
    return page_id(title), (title, abstract)


@hazard("hf-page", "bom_crlf")
def hf_page_bom_crlf(ctx: Context, ids: _Ids) -> Case:
    a, pa = _page_good(ids)
    b, pb = _page_good(ids)
    text = page([pa, pb]).replace("\n", "\r\n")
    return expect({"page.txt": codecs.BOM_UTF8 + text.encode()}, [a, b], [])


@hazard("hf-page", "nul_and_control_chars")
def hf_page_nul_and_control_chars(ctx: Context, ids: _Ids) -> Case:
    a, pa = _page_good(ids)
    return expect({"page.txt": page([pa, ("A NUL \x00 title", good_abstract(0))])
                                  .encode()}, [a], ["control_characters"])


@hazard("hf-page", "html_script")
def hf_page_html_script(ctx: Context, ids: _Ids) -> Case:
    a, pa = _page_good(ids)
    return expect({"page.txt": page([pa, ("Title", "<script>x()</script>" + good_abstract(0))])
                        .encode()}, [a], ["html_markup"])


@hazard("hf-page", "multi_mb_fields")
def hf_page_multi_mb_fields(ctx: Context, ids: _Ids) -> Case:
    a, pa = _page_good(ids)
    return expect({"page.txt": page([pa, (good_title(0), "word " * (MB // 5 * 5))])
                            .encode()}, [a], ["abstract_too_long"])


@hazard("hf-page", "invalid_utf8")
def hf_page_invalid_utf8(ctx: Context, ids: _Ids) -> Case:
    a, pa = _page_good(ids)
    bad = page([pa, ("Broken BYTES title", good_abstract(0))]).encode()
    return expect(
        {"page.txt": bad.replace(b"BYTES", b"\xff\xfe")}, [a],
        ["undecodable_bytes"])


@hazard("hf-page", "truncated_page")
def hf_page_truncated_page(ctx: Context, ids: _Ids) -> Case:
    a, pa = _page_good(ids)
    return expect(
        {"page.txt": page([pa]).encode() + b"A trailing title\n"}, [a],
        ["missing_abstract"])


@hazard("hf-page", "empty_files")
def hf_page_empty_files(ctx: Context, ids: _Ids) -> Case:
    return expect({"page.txt": b""}, [], ["empty_file"])


@hazard("hf-page", "gzip")
def hf_page_gzip(ctx: Context, ids: _Ids) -> Case:
    a, pa = _page_good(ids)
    return expect({"page.txt.gz": _gz(page([pa]).encode())}, [a], [])


def cases(ctx: Context) -> list[Case]:
    """Every hostile case (ids of the good records are unique across all of them)."""
    ids = _Ids()
    return [
        replace(build(ctx, ids), name=f"{source}/{name}", source=source)
        for source, name, build in HAZARDS
    ]


def merge_case_files(chosen: list[Case], folder: Path) -> Path:
    """The files of several cases of one feed in one folder: dated files get distinct past days
    (2026-07-01, 2026-07-02, ...), future-dated ones keep their date, others get a prefix."""
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    for index, case in enumerate(chosen):
        for file_name, data in case.files.items():
            stem, rest = file_name.split(".", 1)
            if stem.startswith("2026-"):
                n += 1
                stem = f"2026-07-{n:02d}"
            elif not stem.startswith("2999-"):
                stem = f"{index:02d}-{stem}"
            (folder / f"{stem}.{rest}").write_bytes(data)
    return folder


def case_names() -> list[str]:
    placeholder = Context(Path("/nonexistent/secret"), "http://127.0.0.1:9", bomb_bytes=MB)
    return [case.name for case in cases(placeholder)]

