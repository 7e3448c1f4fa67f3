"""Helpers for the records tests: PKCS#12 files (valid, expired, not yet valid, key-less), file digests."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

PASSWORD = b"correct horse"


def make_p12(path: Path, *, cn: str = "Dana Kim", days_from: int = -1, days_to: int = 30, with_key: bool = True,
             kind: str = "rsa", password: bytes = PASSWORD) -> Path:
    """A self-signed certificate valid from now+`days_from` to now+`days_to` days, in a PKCS#12 file."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1()) if kind == "ec" else rsa.generate_private_key(65537, 2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Attest tests")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now + dt.timedelta(days=days_from))
            .not_valid_after(now + dt.timedelta(days=days_to))
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    data = pkcs12.serialize_key_and_certificates(b"signer", key if with_key else None, cert, None,
                                                 serialization.BestAvailableEncryption(password))
    path.write_bytes(data)
    return path


def digests(*paths: Path) -> dict[str, str]:
    """SHA-256 of every file under the given files or folders: compared before and after a refused command.

    SQLite's shared-memory index (`-shm`) and an empty write-ahead log are left out: SQLite makes and removes them
    as connections come and go, and they hold no data."""
    out = {}
    for p in paths:
        for f in ([p] if p.is_file() else sorted(x for x in p.rglob("*") if x.is_file())):
            if f.name.endswith("-shm") or (f.name.endswith("-wal") and f.stat().st_size == 0):
                continue
            out[str(f)] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def result_pair(obj: dict | None = None) -> tuple[str, str]:
    text = json.dumps(obj or {"verdict": "pass"})
    return text, hashlib.sha256(text.encode()).hexdigest()
