"""GX Data Docs that work offline: an index we render, validation pages without CDN assets.

GX 1.24 renders its index with jQuery, Bootstrap and bootstrap-table loaded from public CDNs
(none of them ship with the package), so without network access the index lists nothing, and
every validation page asks the network for the same scripts, stylesheets and logo images.
:func:`make_offline` rewrites a run's ``data_docs/`` folder after the checkpoint built it:

- ``index.html`` is replaced by a static page (``templates/data_docs_index.html``) listing every
  validation page of the folder with its suite's passed/failed counts;
- every validation page loses its ``http(s)://`` scripts, stylesheets and images and gets a small
  inline stylesheet instead (``templates/data_docs_offline.css``), so it renders readably.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flows.stages.validate import CheckResult

TEMPLATES = Path(__file__).resolve().parent / "templates"
OFFLINE_MARK = "<!-- papertrends: offline -->"
# tags that make the browser fetch a remote resource (<a href> only navigates on a click)
_REMOTE = [
    re.compile(r"<script\b[^>]*\bsrc=[\"']https?://[^>]*>\s*</script\s*>", re.I | re.S),
    re.compile(r"<link\b[^>]*\bhref=[\"']https?://[^>]*>", re.I | re.S),
    re.compile(r"<img\b[^>]*\bsrc=[\"']https?://[^>]*>", re.I | re.S),
]


@dataclass(frozen=True)
class ValidationPage:
    """One validation result page of the Data Docs and its suite's counts."""

    suite: str
    href: str  # relative to the data_docs folder
    passed: int
    failed: int

    @property
    def success(self) -> bool:
        return self.failed == 0


def validation_pages(
    docs_dir: Path, results: list[CheckResult] | None = None
) -> list[ValidationPage]:
    """Every validation page under ``docs_dir/validations`` (file ``<datasource>-<suite>.html``),
    in the order of ``results`` (the run's suites), with their passed/failed counts."""
    counts: dict[str, list[int]] = {}
    for r in results or []:
        counts.setdefault(r.suite, [0, 0])[0 if r.success else 1] += 1
    order = {suite: n for n, suite in enumerate(counts)}
    pages = []
    for path in sorted((docs_dir / "validations").rglob("*.html")):
        suite = path.stem.split("-", 1)[-1]
        passed, failed = counts.get(suite, (0, 0))
        pages.append(
            ValidationPage(suite, path.relative_to(docs_dir).as_posix(), passed, failed)
        )
    return sorted(pages, key=lambda p: (order.get(p.suite, len(order)), p.suite, p.href))


def strip_remote(html: str, css: str) -> str:
    """The page without remote scripts, stylesheets and images, with ``css`` inlined."""
    if OFFLINE_MARK in html:
        return html
    for pattern in _REMOTE:
        html = pattern.sub("", html)
    style = f"{OFFLINE_MARK}\n<style>\n{css}\n</style>\n"
    head_end = re.search(r"</head\s*>", html, re.I)
    if head_end is None:
        return style + html
    return html[: head_end.start()] + style + html[head_end.start():]


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def make_offline(
    docs_dir: Path, run_id: str, results: list[CheckResult] | None = None
) -> Path | None:
    """Rewrite ``docs_dir`` (a run's GX Data Docs) to work without network access.

    Returns the new ``index.html``, or None when the folder holds no Data Docs. Idempotent.
    """
    import jinja2

    if not (docs_dir / "index.html").is_file():
        return None
    css = (TEMPLATES / "data_docs_offline.css").read_text(encoding="utf-8")
    pages = validation_pages(docs_dir, results)
    for page in pages:
        path = docs_dir / page.href
        _write(path, strip_remote(path.read_text(encoding="utf-8"), css))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    index = docs_dir / "index.html"
    _write(index, env.get_template("data_docs_index.html").render(
        run_id=run_id, pages=pages, css=css,
        failed=sum(1 for p in pages if not p.success),
    ))
    return index
