"""Helpers for the records tests: PKCS#12 files (valid, expired, not yet valid, key-less), file digests."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

PASSWORD = b"correct horse"


def make_p12(
    path: Path,
    *,
    cn: str = "Dana Kim",
    days_from: int = -1,
    days_to: int = 30,
    with_key: bool = True,
    kind: str = "rsa",
    password: bytes = PASSWORD,
) -> Path:
    """A self-signed certificate valid from now+`days_from` to now+`days_to` days, in a PKCS#12 file."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1()) if kind == "ec" else rsa.generate_private_key(65537, 2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Attest tests")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=days_from))
        .not_valid_after(now + dt.timedelta(days=days_to))
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    data = pkcs12.serialize_key_and_certificates(
        b"signer", key if with_key else None, cert, None, serialization.BestAvailableEncryption(password)
    )
    path.write_bytes(data)
    return path


def digests(*paths: Path) -> dict[str, str]:
    """SHA-256 of every file under the given files or folders: compared before and after a refused command.

    SQLite's shared-memory index (`-shm`) and an empty write-ahead log are left out: SQLite makes and removes them
    as connections come and go, and they hold no data."""
    out = {}
    for p in paths:
        for f in [p] if p.is_file() else sorted(x for x in p.rglob("*") if x.is_file()):
            if f.name.endswith("-shm") or (f.name.endswith("-wal") and f.stat().st_size == 0):
                continue
            out[str(f)] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def result_pair(obj: dict | None = None) -> tuple[str, str]:
    text = json.dumps(obj or {"verdict": "pass"})
    return text, hashlib.sha256(text.encode()).hexdigest()


def audited(folder: Path, *, model: bool = False, n: int = 400, seed: int = 3):
    """A small audit recorded in a new workspace: (workspace path, run id, result). With `model`, a logistic
    regression saved as skops and explained (local explanations included)."""
    import numpy as np
    import pandas as pd

    from audit.explain.settings import ExplainSettings
    from audit.recording import record_audit_run
    from audit.run import run_audit
    from audit.spec import AuditSpec
    from audit.trail import Workspace

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {"age": rng.integers(18, 80, n), "income": rng.gamma(4, 12_000, n).round(2), "sex": rng.choice(["Female", "Male"], n)}
    )
    df["approved"] = (rng.random(n) < 1 / (1 + np.exp(-(df.income - 45_000) / 15_000))).astype(int)
    df["pred"] = (df.income > 45_000).astype(int)
    data = folder / "applicants.csv"
    df.to_csv(data, index=False)
    if model:
        import skops.io as sio
        from sklearn.linear_model import LogisticRegression

        sio.dump(LogisticRegression(max_iter=500).fit(df[["age", "income"]], df.approved), folder / "model.skops")
        spec = AuditSpec(
            data_path=str(data),
            target="approved",
            sensitive=("sex",),
            positive_label="1",
            model_path=str(folder / "model.skops"),
            bootstrap=30,
            explain=ExplainSettings(time_budget_s=20),
        )
    else:
        spec = AuditSpec(
            data_path=str(data),
            target="approved",
            sensitive=("sex",),
            positive_label="1",
            predictions_column="pred",
            bootstrap=30,
            explain=ExplainSettings(enabled=False),
        )
    result = run_audit(spec)
    ws_path = folder / "project.attest"
    with Workspace.open(ws_path) as ws:
        ws.set_identity("Dana Kim", "Compliance officer")
        run_id = record_audit_run(ws, result)
    return ws_path, run_id, result
