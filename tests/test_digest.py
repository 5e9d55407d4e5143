"""The trend digest: rendered from a published warehouse, emailed to a local SMTP server."""

from __future__ import annotations

import email
import html
import shutil
import socket
from datetime import timedelta
from email import policy
from pathlib import Path

import duckdb
import pytest

from flows.lib.errors import UserError
from flows.read.digest import DigestConfigError, render_digest, send_digest, window_bounds
from flows.read.readers import WarehouseNotFound
from flows.settings import Settings


@pytest.fixture(scope="session")
def digest_warehouse(published_home: Path) -> Path:
    """warehouse.duckdb published by the real pipeline over recorded days."""
    return published_home / "warehouse.duckdb"


@pytest.fixture
def published(settings: Settings, digest_warehouse: Path) -> Settings:
    shutil.copyfile(digest_warehouse, settings.warehouse_path)
    return settings


def sql(settings: Settings, query: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


def top_titles(settings: Settings, start, end, n: int) -> list[str]:
    rows = sql(settings, "select title from dim_papers where activity_date >= ? and "
                         "activity_date < ? order by upvotes desc, title limit ?", [start, end, n])
    return [r[0] for r in rows]


def test_weekly_digest_of_the_latest_published_day(published: Settings) -> None:
    result = render_digest(published)
    latest = sql(published, "select max(activity_date) from dim_papers")[0][0]
    start = latest - timedelta(days=latest.weekday())
    end = start + timedelta(days=7)
    assert (result.day, result.window_start, result.window_end) == (latest, start, end)
    assert result.html_path.parent == published.digests_dir
    assert result.markdown_path.parent == published.digests_dir
    n = sql(published, "select count(*) from dim_papers where activity_date >= ? "
                       "and activity_date < ?", [start, end])[0][0]
    assert result.n_papers == n and f"{n} papers" in result.subject
    markdown = result.markdown_path.read_text(encoding="utf-8")
    page = result.html_path.read_text(encoding="utf-8")
    titles = top_titles(published, start, end, published.digest.top_papers)
    assert result.top_titles == titles
    for title in titles:
        assert html.escape(title) in page
    assert markdown.index(titles[0]) < markdown.index(titles[1])
    for section in ("Top papers by upvotes", "Rising topics", "New topics", "Notable claims"):
        assert section in markdown and section in page

    # the rising topics are those of the one rule (fct_rising_topics), and only those
    rising = sql(published, """
        select label from fct_rising_topics
        where grain = 'week' and window_start = ? and not is_new
        order by rank_in_window limit ?""", [start, published.digest.top_topics])
    section = markdown[markdown.index("## Rising topics"):markdown.index("## New topics")]
    assert section.count("### ") == len(rising) == result.n_rising
    for (label,) in rising:
        assert f"### {label}" in section
    claim = sql(published, """
        select c.sentence from fct_claims c join dim_papers p using (paper_id)
        where p.activity_date >= ? and p.activity_date < ?
        order by p.upvotes desc, c.value desc nulls last, c.claim_id limit 1""", [start, end])
    if claim:
        assert html.escape(claim[0][0]) in page
        assert result.n_claims > 0


def test_daily_digest_of_a_chosen_day(published: Settings) -> None:
    day = sql(published, "select activity_date from dim_papers group by 1 "
                         "order by count(*) desc, 1 limit 1")[0][0]
    result = render_digest(published, date=day, window="day")
    assert (result.window_start, result.window_end) == window_bounds(day, "day")
    assert result.markdown_path.name == f"digest-{day:%Y-%m-%d}-day.md"
    best = top_titles(published, day, day + timedelta(days=1), 1)[0]
    assert best in result.markdown_path.read_text(encoding="utf-8")
    with pytest.raises(UserError, match="unknown window"):
        render_digest(published, date=day, window="fortnight")


def test_digest_needs_a_published_warehouse(settings: Settings) -> None:
    with pytest.raises(WarehouseNotFound, match="no published warehouse"):
        render_digest(settings)


def test_send_needs_smtp_settings(published: Settings) -> None:
    result = render_digest(published, window="day")
    with pytest.raises(DigestConfigError, match="smtp_host.*mail_to") as info:
        send_digest(published, result)
    assert isinstance(info.value, UserError)
    assert "PAPERTRENDS_DIGEST__SMTP_HOST" in str(info.value)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_send_emails_html_and_text_alternatives(published: Settings) -> None:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings = published.model_copy(update={"digest": published.digest.model_copy(update={
            "smtp_host": "127.0.0.1", "smtp_port": controller.port,
            "mail_from": "digest@papertrends.test",
            "mail_to": ["reader@example.org", "team@example.org"],
        })})
        result = render_digest(settings)
        send_digest(settings, result)
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    sender, recipients, raw = inbox.messages[0]
    assert sender == "digest@papertrends.test"
    assert recipients == ["reader@example.org", "team@example.org"]
    msg = email.message_from_bytes(raw, policy=policy.default)
    # a long subject is folded; Python's parser keeps the folding space that mail clients drop
    assert msg["Subject"].strip() == result.subject
    assert msg.is_multipart() and msg.get_content_type() == "multipart/alternative"
    parts = {part.get_content_type(): part.get_content() for part in msg.iter_parts()}
    assert set(parts) == {"text/plain", "text/html"}
    text = result.markdown_path.read_text(encoding="utf-8")
    assert parts["text/plain"].strip().splitlines() == text.strip().splitlines()
    assert html.escape(result.top_titles[0]) in parts["text/html"]


def test_send_reports_an_unreachable_server(published: Settings) -> None:
    settings = published.model_copy(update={"digest": published.digest.model_copy(update={
        "smtp_host": "127.0.0.1", "smtp_port": free_port(), "mail_to": ["a@example.org"],
        "smtp_timeout_s": 5.0,
    })})
    result = render_digest(settings, window="day")
    with pytest.raises(UserError, match="sending the digest via 127.0.0.1"):
        send_digest(settings, result)
