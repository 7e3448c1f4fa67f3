"""Sign-offs bound to the person: signed with the reviewer's PKCS#12 certificate or Attest key, checked by `verify`;
refused keys and certificates give a clear message and record nothing."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import pytest

from audit.trail import Workspace
from audit.trail.chain import link_hash
from audit.trail.keys import KeyProblem, create_personal_key, load_personal_key, load_pkcs12, personal_key_path
from cli.main import main
from tests.records.records_helpers import PASSWORD, digests, result_pair


@pytest.fixture
def run(tmp_path: Path, attest_home: Path) -> tuple[Path, str]:
    ws_path = tmp_path / "w.attest"
    text, sha = result_pair()
    with Workspace.open(ws_path) as ws:
        ws.set_identity("Dana Kim", "Compliance officer")
        run_id = ws.record_audit({"target": "y"}, text, sha, None, [])
    return ws_path, run_id


def cli(capsys, *argv) -> tuple[int, str, str]:
    rc = main([str(a) for a in argv])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def rechain(path: Path, seq: int, edit) -> None:
    """Edit event `seq`'s body and recompute every hash after it, as someone able to rewrite the whole file could:
    the chain then verifies, so only the signature can tell."""
    conn = sqlite3.connect(path, isolation_level=None)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    rows = conn.execute("SELECT seq, prev_hash, body FROM events ORDER BY seq").fetchall()
    prev = rows[0][1]
    for s, _, body in rows:
        if s == seq:
            d = json.loads(body)
            edit(d)
            from audit.hashing import canonical_json

            body = canonical_json(d).decode()
        h = link_hash(prev, body)
        conn.execute("UPDATE events SET prev_hash = ?, body = ?, hash = ? WHERE seq = ?", (prev, body, h, s))
        prev = h
    conn.execute("UPDATE chain_head SET seq = ?, hash = ?", (rows[-1][0], prev))
    conn.close()


def test_attest_key_created_encrypted_registered_and_used(capsys, run, monkeypatch) -> None:
    ws_path, run_id = run
    monkeypatch.setenv("KEYPASS", "a long passphrase")
    rc, out, err = cli(capsys, "trail", "whoami", "--create-key", "--key-password-env", "KEYPASS", "--workspace", ws_path)
    assert rc == 0, err
    key_file = personal_key_path()
    assert f"Created your sign-off key at {key_file}" in out
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    doc = json.loads(key_file.read_text())
    assert doc["private_key_pem"].startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with Workspace.open(ws_path, readonly=True) as ws:
        assert ws.registered_key() == doc["fingerprint"]

    rc, out, err = cli(
        capsys,
        "signoff",
        run_id,
        "--decision",
        "approve",
        "--sign-with-key",
        "--key-password-env",
        "KEYPASS",
        "--workspace",
        ws_path,
    )
    assert rc == 0, err
    fp = doc["fingerprint"]
    label = ":".join(fp[i : i + 4] for i in range(0, 32, 4))
    assert f"signed by Attest key of Dana Kim, key fingerprint {label}" in out
    rc, out, _ = cli(capsys, "trail", "verify", "--workspace", ws_path)
    assert rc == 0 and "1 sign-off signature valid" in out
    with Workspace.open(ws_path, readonly=True) as ws:
        (c,) = ws.signoff_checks()
        assert c.status == "valid" and c.line() == f"signed by Attest key of Dana Kim, key fingerprint {label}"


def test_wrong_passphrase_missing_key_and_short_passphrase(capsys, run, monkeypatch, tmp_path) -> None:
    ws_path, run_id = run
    before = digests(ws_path)
    monkeypatch.setenv("KEYPASS", "a long passphrase")
    rc, _, err = cli(
        capsys,
        "signoff",
        run_id,
        "--decision",
        "approve",
        "--sign-with-key",
        "--key-password-env",
        "KEYPASS",
        "--workspace",
        ws_path,
    )
    assert rc == 2 and f"error: You have no Attest sign-off key yet (looked for {personal_key_path()})." in err
    assert "attest trail whoami --create-key" in err
    create_personal_key(b"a long passphrase", "Dana Kim")
    monkeypatch.setenv("KEYPASS", "wrong passphrase")
    rc, _, err = cli(
        capsys,
        "signoff",
        run_id,
        "--decision",
        "approve",
        "--sign-with-key",
        "--key-password-env",
        "KEYPASS",
        "--workspace",
        ws_path,
    )
    assert rc == 2 and "error: The passphrase does not open your sign-off key." in err
    rc, _, err = cli(capsys, "signoff", run_id, "--decision", "approve", "--sign-with-key", "--workspace", ws_path)
    assert rc == 2 and "error: Your sign-off key is encrypted, and no passphrase was given." in err
    assert digests(ws_path) == before  # nothing was recorded
    with pytest.raises(KeyProblem, match="at least 8 characters"):
        create_personal_key(b"short", "Dana Kim", tmp_path / "k.json")
    with pytest.raises(KeyProblem, match=r"You already have a sign-off key at .*; it was left as it is\."):
        create_personal_key(b"another passphrase", "Dana Kim")
    assert load_personal_key(b"a long passphrase").signer == "Attest key of Dana Kim"  # the first key is intact


@pytest.mark.parametrize(
    "which, message",
    [
        ("expired", "error: The certificate CN=Dana Kim, O=Attest tests expired on "),
        ("future", "error: The certificate CN=Dana Kim, O=Attest tests is not valid until "),
        ("keyless", "holds the certificate CN=Dana Kim, O=Attest tests but no private key, so it cannot sign."),
    ],
)
def test_unusable_certificates_are_refused(capsys, run, certs, monkeypatch, which, message) -> None:
    ws_path, run_id = run
    before = digests(ws_path, certs[which])
    monkeypatch.setenv("P12PASS", PASSWORD.decode())
    rc, _, err = cli(
        capsys,
        "signoff",
        run_id,
        "--decision",
        "approve",
        "--sign",
        certs[which],
        "--sign-password-env",
        "P12PASS",
        "--workspace",
        ws_path,
    )
    assert rc == 2 and message in err and "How to fix:" in err and "Traceback" not in err
    assert digests(ws_path, certs[which]) == before


def test_wrong_certificate_password(capsys, run, certs, monkeypatch) -> None:
    ws_path, run_id = run
    monkeypatch.setenv("P12PASS", "nope")
    rc, _, err = cli(
        capsys,
        "signoff",
        run_id,
        "--decision",
        "reject",
        "--sign",
        certs["valid"],
        "--sign-password-env",
        "P12PASS",
        "--workspace",
        ws_path,
    )
    assert rc == 2 and f"error: The certificate file {certs['valid']} cannot be opened: the password is wrong" in err


@pytest.mark.parametrize("kind", ["valid", "ec"])
def test_certificate_signed_signoff_verifies(capsys, run, certs, monkeypatch, kind) -> None:
    ws_path, run_id = run
    monkeypatch.setenv("P12PASS", PASSWORD.decode())
    rc, out, err = cli(
        capsys,
        "signoff",
        run_id,
        "--decision",
        "approve_with_conditions",
        "--conditions",
        "monitor monthly",
        "--sign",
        certs[kind],
        "--sign-password-env",
        "P12PASS",
        "--workspace",
        ws_path,
    )
    assert rc == 0, err
    assert "signed by CN=Dana Kim, O=Attest tests, key fingerprint " in out
    with Workspace.open(ws_path, readonly=True) as ws:
        assert ws.verify().ok and ws.verify().signatures == 1
        (c,) = ws.signoff_checks()
        assert c.status == "valid" and c.signer == "CN=Dana Kim, O=Attest tests"
        assert c.fingerprint == load_pkcs12(certs[kind], PASSWORD).fingerprint


@pytest.mark.parametrize(
    "field, value",
    [
        (("payload", "decision"), "reject"),
        (("payload", "conditions"), "none at all"),
        (("payload", "reviewer"), "Bob Smith"),
        (("actor", "user"), "mallory"),
        (("time",), "2020-01-01T00:00:00.000000Z"),
    ],
)
def test_a_rewritten_signed_signoff_is_caught_although_the_chain_is_rebuilt(
    capsys, run, certs, monkeypatch, field, value
) -> None:
    ws_path, run_id = run
    monkeypatch.setenv("P12PASS", PASSWORD.decode())
    assert (
        cli(
            capsys,
            "signoff",
            run_id,
            "--decision",
            "approve_with_conditions",
            "--conditions",
            "monitor",
            "--sign",
            certs["valid"],
            "--sign-password-env",
            "P12PASS",
            "--workspace",
            ws_path,
        )[0]
        == 0
    )
    with Workspace.open(ws_path, readonly=True) as ws:
        seq = ws.events(kind="signoff")[0].seq

    def edit(d):
        target = d
        for k in field[:-1]:
            target = target[k]
        target[field[-1]] = value

    rechain(ws_path, seq, edit)
    rc, out, err = cli(capsys, "trail", "verify", "--workspace", ws_path)
    assert rc == 1, out
    assert (
        f"Trail NOT intact: the sign-off in event #{seq} (" in err
        and "does not match its signature: the decision, conditions, reviewer, time or audited result differ "
        "from what was signed."
        in err
    )


def test_a_signature_by_another_attest_key_is_caught(capsys, run, tmp_path) -> None:
    """Mallory signs with her own Attest key under Dana's identity: the key is not the one Dana registered."""
    ws_path, run_id = run
    with Workspace.open(ws_path) as ws:
        ws.signoff(run_id, "approve", key=create_personal_key(b"dana's passphrase", "Dana Kim"))
        mallory = create_personal_key(b"mallory's passphrase", "Dana Kim", tmp_path / "mallory.json")
        # Mallory changes the registered key back by hand-crafting nothing: she signs a second sign-off directly,
        # bypassing Workspace.signoff (which would register her key), with the same identity.
        from audit.trail import events as ev
        from audit.trail import signoffs
        from audit.trail.events import iso_utc

        run_ev = ws.run_event(run_id)
        now = iso_utc()
        payload = {"run_id": run_id, "reviewer": "Dana Kim", "role": "Compliance officer", "decision": "reject"}
        signed = signoffs.statement(
            workspace_id=ws.info()["workspace_id"],
            run_id=run_id,
            result_sha256=run_ev.payload["result_sha256"],
            decision="reject",
            conditions=None,
            comment=None,
            reviewer=ws.whoami(),
            time=now,
        )
        payload["signature"] = signoffs.signature_block(mallory, signed)
        e = ws.append(ev.SIGNOFF, payload, list(run_ev.refs), time=now)
        report = ws.verify()
    assert not report.ok and report.problem.kind == "signature" and report.problem.seq == e.seq
    assert "was signed with an Attest key that is not the one the reviewer's identity registered" in report.problem.message


def test_unsigned_and_old_signoffs_stay_readable(run) -> None:
    ws_path, run_id = run
    with Workspace.open(ws_path) as ws:
        ws.signoff(run_id, "approve")
        # a sign-off as Attest 0.1 wrote it: free-text reviewer, no signature field at all
        from audit.trail import events as ev

        conn = ws._conn
        with ws.transaction() as c:
            seq, prev = c.execute("SELECT seq, hash FROM chain_head").fetchone()
            from audit.trail.events import build_body, iso_utc

            body = build_body(
                seq=seq + 1,
                event_id="ev-0123456789abcdef",
                kind=ev.SIGNOFF,
                time=iso_utc(),
                actor=ws.whoami(),
                refs=[run_id],
                payload={
                    "run_id": run_id,
                    "reviewer": "Ann",
                    "role": "CO",
                    "decision": "reject",
                    "conditions": None,
                    "comment": None,
                },
            )
            c.execute(
                "INSERT INTO events(seq, prev_hash, body, hash) VALUES (?, ?, ?, ?)", (seq + 1, prev, body, link_hash(prev, body))
            )
        assert conn is ws._conn
        report = ws.verify()
        checks = ws.signoff_checks()
    assert report.ok and report.signatures == 0
    assert [c.status for c in checks] == ["unsigned", "unsigned"]
    assert checks[0].line().startswith("not signed: recorded by OS account ")
