"""The trend digest: a day's (or week's, month's) papers, rising and new topics, notable claims.

``render_digest`` reads the published warehouse (read-only, via ``flows.read.readers``) and writes
the digest as HTML and Markdown under ``$PAPERTRENDS_HOME/digests/``; ``send_digest`` emails it with
the SMTP settings (``settings.digest``). The scheduled pipeline calls send only after a successful
publish.

The window is the calendar window of the trend marts that holds the day: the day itself, its ISO
week (Monday first) or its month, so the topic figures are the ones of ``fct_topic_trends``.
"""

from __future__ import annotations

import datetime as dt
import os
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

import pandas as pd

from flows.lib.errors import UserError
from flows.read import readers
from flows.read.readers import window_bounds
from flows.settings import Settings

TEMPLATES = Path(__file__).resolve().parent / "templates"


class DigestConfigError(UserError):
    """The SMTP settings needed to send a digest are missing."""


@dataclass
class DigestResult:
    day: dt.date
    window: str
    window_start: dt.date
    window_end: dt.date  # exclusive
    subject: str
    html_path: Path
    markdown_path: Path
    n_papers: int
    n_rising: int = 0
    n_new: int = 0
    n_claims: int = 0
    top_titles: list[str] = field(default_factory=list)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with NULLs (NaN/NA) as None, for the templates."""
    if frame.empty:
        return []
    return [
        {k: (None if _is_null(v) else v) for k, v in row.items()}
        for row in frame.to_dict("records")
    ]


def _is_null(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def digest_context(
    settings: Settings, *, date: dt.date | None = None, window: str = "week"
) -> dict[str, Any]:
    """Everything a digest shows, from the published warehouse."""
    readers.check_grain(window)
    cfg = settings.digest
    if date is None:
        _, date = readers.date_range(settings)
        if date is None:
            raise UserError("the published warehouse holds no papers yet")
    start, end = window_bounds(date, window)
    # the one rule (fct_rising_topics): new topics are the rising ones first seen in the window
    topics = _records(readers.rising_topics(settings, window, start, limit=cfg.top_topics * 2))
    rising = [t for t in topics if not t["is_new"]][: cfg.top_topics]
    new = [t for t in topics if t["is_new"]][: cfg.top_topics]
    shown_ids = [t["topic_id"] for t in rising + new]
    behind = _records(
        readers.topic_papers(settings, shown_ids, start, end, cfg.papers_per_topic)
    ) if shown_ids else []
    for topic in rising + new:
        topic["papers"] = [p for p in behind if p["topic_id"] == topic["topic_id"]]
    # the best claim of each of the most upvoted papers
    candidates = _records(readers.search_claims(
        settings, start=start, end=end, by_upvotes=True, limit=cfg.top_claims * 5
    ))
    seen: set[str] = set()
    claims = [c for c in candidates if not (c["paper_id"] in seen or seen.add(c["paper_id"]))]
    claims = claims[: cfg.top_claims]
    run = None
    try:
        run = readers.published_run(settings)
    except Exception:  # noqa: BLE001 - run_audit is informative only
        run = None
    return {
        "day": date,
        "window": window,
        "start": start,
        "end": end,
        "last_day": end - dt.timedelta(days=1),
        "n_papers": readers.count_papers(settings, start, end),
        "papers": _records(readers.papers_in_window(settings, start, end, limit=cfg.top_papers)),
        "rising": rising,
        "new": new,
        "baseline_windows": settings.transform.rising.baseline_windows.get(window),
        "claims": claims,
        "run_id": (run or {}).get("run_id"),
        "report_url": _report_url(settings, (run or {}).get("run_id")),
        "generated_at": dt.datetime.now(dt.UTC),
    }


def _report_url(settings: Settings, run_id: str | None) -> str | None:
    """file:// URL of the published run's report.html, when it exists."""
    page = settings.reports_dir / str(run_id) / "report.html" if run_id else None
    return page.as_uri() if page is not None and page.is_file() else None


def _subject(ctx: dict[str, Any]) -> str:
    if ctx["window"] == "day":
        period = f"{ctx['start']:%Y-%m-%d}"
    else:
        period = f"{ctx['window']} of {ctx['start']:%Y-%m-%d}"
    top = ctx["rising"] or ctx["new"]
    lead = f", rising: {top[0]['label']}" if top else ""
    return f"papertrends digest {period}: {ctx['n_papers']} papers{lead}"


def _environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",)),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = _md_escape
    env.filters["ymd"] = lambda v: "" if v is None else f"{v:%Y-%m-%d}"
    env.filters["pct"] = lambda v: "–" if v is None else f"{float(v):.1%}"
    env.filters["num"] = lambda v, spec="g": "–" if v is None else format(float(v), spec)
    return env


def _md_escape(text: Any) -> str:
    if text is None:
        return ""
    out = str(text)
    for ch in "\\`*_[]<>|":
        out = out.replace(ch, "\\" + ch)
    return out


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def render_digest(
    settings: Settings, *, date: dt.date | None = None, window: str = "week"
) -> DigestResult:
    """Write the digest of ``date`` (default: the latest published day) as HTML + Markdown."""
    if isinstance(date, dt.datetime):
        date = date.date()
    ctx = digest_context(settings, date=date, window=window)
    ctx["subject"] = _subject(ctx)
    env = _environment()
    settings.digests_dir.mkdir(parents=True, exist_ok=True)
    stem = f"digest-{ctx['day']:%Y-%m-%d}-{window}"
    html_path = settings.digests_dir / f"{stem}.html"
    md_path = settings.digests_dir / f"{stem}.md"
    _write(html_path, env.get_template("digest.html").render(**ctx))
    _write(md_path, env.get_template("digest.md").render(**ctx))
    return DigestResult(
        day=ctx["day"],
        window=window,
        window_start=ctx["start"],
        window_end=ctx["end"],
        subject=ctx["subject"],
        html_path=html_path,
        markdown_path=md_path,
        n_papers=ctx["n_papers"],
        n_rising=len(ctx["rising"]),
        n_new=len(ctx["new"]),
        n_claims=len(ctx["claims"]),
        top_titles=[p["title"] for p in ctx["papers"]],
    )


def build_message(settings: Settings, result: DigestResult) -> EmailMessage:
    """multipart/alternative: the Markdown as text/plain, the HTML as text/html."""
    cfg = settings.digest
    msg = EmailMessage()
    msg["Subject"] = result.subject
    msg["From"] = cfg.mail_from
    msg["To"] = ", ".join(cfg.mail_to)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain=cfg.mail_from.rpartition("@")[2] or "localhost")
    msg.set_content(result.markdown_path.read_text(encoding="utf-8"))
    msg.add_alternative(result.html_path.read_text(encoding="utf-8"), subtype="html")
    return msg


def send_digest(settings: Settings, result: DigestResult) -> None:
    """Email a rendered digest with smtplib: STARTTLS (certificate verified; on by default when a
    password is set) and login when configured."""
    cfg = settings.digest
    missing = [
        name
        for name, value in (("smtp_host", cfg.smtp_host), ("mail_to", cfg.mail_to))
        if not value
    ]
    if cfg.smtp_user and not cfg.smtp_password:
        missing.append("smtp_password")
    if missing:
        names = ", ".join(f"digest.{m} (PAPERTRENDS_DIGEST__{m.upper()})" for m in missing)
        raise DigestConfigError(f"cannot send the digest: SMTP settings missing: {names}")
    msg = build_message(settings, result)
    try:
        with smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.smtp_timeout_s) as smtp:
            if cfg.use_starttls:
                ca_file = str(cfg.smtp_ca_file) if cfg.smtp_ca_file else None
                smtp.starttls(context=ssl.create_default_context(cafile=ca_file))
            if cfg.smtp_user and cfg.smtp_password:
                smtp.login(cfg.smtp_user, cfg.smtp_password.get_secret_value())
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise UserError(
            f"sending the digest via {cfg.smtp_host}:{cfg.smtp_port} failed: {exc}"
        ) from exc
