"""The SMTP password is a secret: never shown or serialised, sent only over verified STARTTLS.

Real aiosmtpd servers on 127.0.0.1: one that offers STARTTLS (a certificate made for the test)
and requires login over TLS, one that offers no TLS at all.
"""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import socket
import ssl
from pathlib import Path

import pytest
from pydantic import SecretStr

from flows.lib.errors import UserError
from flows.read.digest import DigestResult, send_digest
from flows.settings import Settings

PASSWORD = "s3cret-smtp-password"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (cert, key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp.crt", folder / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class Mailbox:
    """aiosmtpd handler + authenticator: records messages and the credentials it was given."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.logins: list[tuple[str, str, bool]] = []  # user, password, over TLS

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        self.messages.append(envelope.content)
        return "250 OK"

    def __call__(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult, LoginPassword

        if isinstance(auth_data, LoginPassword):
            user, password = auth_data.login.decode(), auth_data.password.decode()
            self.logins.append((user, password, session.ssl is not None))
            return AuthResult(success=password == PASSWORD)
        return AuthResult(success=False)


def _digest(tmp_path: Path) -> DigestResult:
    html, md = tmp_path / "digest.html", tmp_path / "digest.md"
    html.write_text("<p>Rising: <b>agents</b></p>", encoding="utf-8")
    md.write_text("Rising: **agents**\n", encoding="utf-8")
    day = dt.date(2026, 8, 17)
    return DigestResult(day, "day", day, day + dt.timedelta(days=1), "digest 2026-08-17", html,
                        md, n_papers=1)


def _settings(settings: Settings, port: int, **digest) -> Settings:
    return settings.model_copy(update={"digest": settings.digest.model_copy(update={
        "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_user": "digest",
        "mail_to": ["team@example.org"], "smtp_timeout_s": 10.0, **digest,
    })})


def test_the_password_is_never_shown_or_serialised(monkeypatch):
    monkeypatch.setenv("PAPERTRENDS_DIGEST__SMTP_PASSWORD", PASSWORD)
    settings = Settings(home="unused")
    assert settings.digest.smtp_password.get_secret_value() == PASSWORD
    for text in (str(settings), repr(settings), settings.model_dump_json(),
                 str(settings.model_dump(mode="json"))):
        assert PASSWORD not in text
    assert settings.digest.use_starttls  # on by default once a password is set
    monkeypatch.setenv("PAPERTRENDS_DIGEST__SMTP_STARTTLS", "false")
    assert not Settings(home="unused").digest.use_starttls  # an explicit choice wins
    monkeypatch.delenv("PAPERTRENDS_DIGEST__SMTP_PASSWORD")
    monkeypatch.delenv("PAPERTRENDS_DIGEST__SMTP_STARTTLS")
    assert not Settings(home="unused").digest.use_starttls  # no password: plain SMTP as before


def test_digest_is_sent_over_verified_starttls_with_login(settings: Settings, tmp_path: Path):
    from aiosmtpd.controller import Controller

    cert, key = _certificate(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    box = Mailbox()
    port = _free_port()
    controller = Controller(
        box, hostname="127.0.0.1", port=port, tls_context=server_tls, require_starttls=True,
        authenticator=box, auth_require_tls=True,
    )
    controller.start()
    try:
        configured = _settings(settings, port, smtp_password=SecretStr(PASSWORD), smtp_ca_file=cert)
        send_digest(configured, _digest(tmp_path))
        untrusted = _settings(settings, port, smtp_password=SecretStr(PASSWORD))  # system CAs only
        with pytest.raises(UserError, match="CERTIFICATE_VERIFY_FAILED"):
            send_digest(untrusted, _digest(tmp_path))
    finally:
        controller.stop()
    assert box.logins == [("digest", PASSWORD, True)]  # once, over TLS, the real password
    assert len(box.messages) == 1
    assert email.message_from_bytes(box.messages[0])["Subject"] == "digest 2026-08-17"


def test_the_password_is_not_sent_to_a_server_without_tls(settings: Settings, tmp_path: Path):
    from aiosmtpd.controller import Controller

    box = Mailbox()
    port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, authenticator=box,
                            auth_require_tls=False)
    controller.start()
    try:
        with pytest.raises(UserError, match="STARTTLS"):
            configured = _settings(settings, port, smtp_password=SecretStr(PASSWORD))
            send_digest(configured, _digest(tmp_path))
    finally:
        controller.stop()
    assert box.logins == [] and box.messages == []


def test_a_flow_gets_the_password_but_prefect_stores_it_masked(prefect_harness, settings):
    """Settings travel into our flows as a parameter: the flow code (which sends the digest)
    sees the real password, while the flow run Prefect stores and shows holds the mask."""
    from prefect import flow
    from prefect.client.orchestration import get_client

    @flow(name="secret-probe")
    def probe(settings: Settings) -> str:
        return settings.digest.smtp_password.get_secret_value()

    configured = settings.model_copy(update={"digest": settings.digest.model_copy(
        update={"smtp_password": SecretStr(PASSWORD)})})
    state = probe(configured, return_state=True)
    assert state.result() == PASSWORD

    with get_client(sync_client=True) as client:
        stored = client.read_flow_run(state.state_details.flow_run_id)
    assert stored.parameters["settings"]["digest"]["smtp_password"] == "**********"
    assert PASSWORD not in stored.model_dump_json()
