"""A target behind TLS with a certificate of a private CA (made here): --ca-bundle and
SSL_CERT_FILE make it usable, without them the run stops with exit 3 and says why."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from diglot.cli import main
from diglot.server import DEFAULT_ACCOUNT_ID, create_app


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_ca_and_server_cert(folder: Path) -> tuple[Path, Path, Path]:
    """A CA, and a certificate it signed for 127.0.0.1: (ca.pem, server.pem, server.key)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("diglot test CA"))
        .issuer_name(_name("diglot test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem = folder / "ca.pem"
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_pem = folder / "server.pem"
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem = folder / "server.key"
    key_pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_pem, cert_pem, key_pem


@pytest.fixture(scope="module")
def tls_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The reference server over HTTPS on loopback; yields (base URL, the CA's PEM)."""
    yield from serve_tls(tmp_path_factory.mktemp("tls"))


def serve_tls(folder: Path) -> Iterator[tuple[str, Path]]:
    """Serve the reference server over HTTPS with a private CA made in ``folder``."""
    import uvicorn

    ca_pem, cert_pem, key_pem = make_ca_and_server_cert(folder)
    app = create_app()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="off",
        ssl_certfile=str(cert_pem),
        ssl_keyfile=str(key_pem),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    try:
        yield f"https://127.0.0.1:{port}/restapi", ca_pem
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        app.state.store.close()


def run_args(base_url: str, tmp_path: Path) -> list[str]:
    return [
        "run", "--base-url", base_url, "--account-id", DEFAULT_ACCOUNT_ID,
        "--operations", "listGroups", "--content-types", "json", "--max-examples", "2",
        "--seed", "3", "--no-stateful", "--report-dir", str(tmp_path / "reports"),
    ]  # fmt: skip


def test_an_unknown_ca_is_exit_3_with_the_reason(tls_target, tmp_path, monkeypatch, capsys):
    base_url, _ = tls_target
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("DIGLOT_TOKEN", raising=False)
    assert main(run_args(base_url, tmp_path)) == 3
    err = capsys.readouterr().err
    assert "certificate" in err.lower()
    assert "Traceback" not in err


def test_ca_bundle_makes_the_private_ca_trusted(tls_target, tmp_path, monkeypatch):
    base_url, ca_pem = tls_target
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("DIGLOT_TOKEN", raising=False)
    assert main([*run_args(base_url, tmp_path), "--ca-bundle", str(ca_pem)]) == 0


def test_ssl_cert_file_is_honoured(tls_target, tmp_path, monkeypatch):
    base_url, ca_pem = tls_target
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("DIGLOT_TOKEN", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_pem))
    assert main(run_args(base_url, tmp_path)) == 0


def test_a_missing_bundle_is_a_usage_error(tmp_path, capsys):
    assert main(["run", "--base-url", "https://127.0.0.1:9/restapi", "--account-id", "1",
                 "--ca-bundle", str(tmp_path / "nope.pem"), "--no-reports"]) == 2  # fmt: skip
    assert "no such file" in capsys.readouterr().err
