"""Signed sign-offs: what a reviewer's key signs, and how every signature in a trail is checked.

The signed statement is the canonical JSON of
    {"purpose": "attest-signoff", "version": 1, "workspace_id", "run_id", "result_sha256", "decision", "conditions",
     "comment", "reviewer": {"name", "role", "user", "host"}, "time"}
where `time` is the sign-off event's own time and `reviewer` its recorded identity. The event's payload keeps the
signature block: scheme, public key, fingerprint, signer name, certificate (PKCS#12 keys) and the signature value.
Anyone can re-check it from an exported trail with the public key alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from audit.hashing import canonical_json
from audit.trail.events import Event, parse_when
from audit.trail.identity import Actor
from audit.trail.keys import (
    SigningKey,
    b64,
    certificate_facts,
    fingerprint,
    fingerprint_label,
    unb64,
    validity_problem,
    verify_signature,
)

PURPOSE = "attest-signoff"


def statement(
    *,
    workspace_id: str,
    run_id: str,
    result_sha256: str,
    decision: str,
    conditions: str | None,
    comment: str | None,
    reviewer: Actor,
    time: str,
) -> bytes:
    return canonical_json(
        {
            "purpose": PURPOSE,
            "version": 1,
            "workspace_id": workspace_id,
            "run_id": run_id,
            "result_sha256": result_sha256,
            "decision": decision,
            "conditions": conditions or None,
            "comment": comment or None,
            "reviewer": reviewer.to_dict(),
            "time": time,
        }
    )


def signature_block(key: SigningKey, signed: bytes) -> dict[str, Any]:
    return {
        "scheme": key.scheme,
        "public_key": b64(key.public_key_der),
        "fingerprint": key.fingerprint,
        "signer": key.signer,
        "source": key.source,
        "certificate": b64(key.certificate_der) if key.certificate_der else None,
        "value": b64(key.sign(signed)),
    }


@dataclass(frozen=True, slots=True)
class SignoffCheck:
    """One sign-off's signature. `status`: valid | unsigned | invalid."""

    event: Event
    status: str
    message: str
    signer: str = ""
    fingerprint: str = ""

    @property
    def account(self) -> str:
        return f"{self.event.actor.user}@{self.event.actor.host}"

    def line(self) -> str:
        """What the report and `trail log` print about it."""
        if self.status == "valid":
            return f"signed by {self.signer}, key fingerprint {fingerprint_label(self.fingerprint)}"
        if self.status == "unsigned":
            return f"not signed: recorded by OS account {self.account}"
        return f"SIGNATURE INVALID: {self.message}"


def check(e: Event, run: Event | None, workspace_id: str, registered_key: str | None) -> SignoffCheck:
    """Check one sign-off event's signature against its audit run and the reviewer's identity at that time.

    `registered_key`: the fingerprint the account's identity named when the sign-off was recorded (Attest keys
    must match it; certificates are named by their own subject)."""
    p = e.payload
    sig = p.get("signature")
    if not sig:
        return SignoffCheck(e, "unsigned", "no signature")
    where = f"the sign-off in event #{e.seq} ({p.get('decision', '?')} of {p.get('run_id', '?')})"
    try:
        public = unb64(sig["public_key"])
        value = unb64(sig["value"])
        cert = unb64(sig["certificate"]) if sig.get("certificate") else None
    except (KeyError, TypeError, ValueError):
        return SignoffCheck(e, "invalid", f"{where} has a damaged signature block.")
    fp = fingerprint(public)

    def bad(why: str) -> SignoffCheck:
        return SignoffCheck(e, "invalid", f"{where} {why}.", sig.get("signer", ""), fp)

    if sig.get("fingerprint") != fp:
        return bad("names a key fingerprint that is not its public key's")
    if run is None:
        return bad("refers to an audit run that is not in the trail")
    reviewer = Actor(e.actor.user, e.actor.host, p.get("reviewer", ""), p.get("role", ""))
    signed = statement(
        workspace_id=workspace_id,
        run_id=p["run_id"],
        result_sha256=run.payload["result_sha256"],
        decision=p["decision"],
        conditions=p.get("conditions"),
        comment=p.get("comment"),
        reviewer=reviewer,
        time=e.time,
    )
    if not verify_signature(sig.get("scheme", ""), public, signed, value):
        return bad(
            "does not match its signature: the decision, conditions, reviewer, time or audited result differ from what was signed"
        )
    if cert is not None:
        try:
            subject, cert_key, not_before, not_after = certificate_facts(cert)
        except ValueError:
            return bad("carries a damaged certificate")
        if cert_key != public:
            return bad(f"was signed with a key that is not its certificate's ({subject})")
        problem = validity_problem(subject, not_before, not_after, _when(e.time))
        if problem:
            return bad(f"was signed while the certificate was not valid ({problem})")
        signer = subject
    else:
        if registered_key != fp:
            return bad("was signed with an Attest key that is not the one the reviewer's identity registered")
        signer = sig.get("signer", "")
    return SignoffCheck(e, "valid", "signature valid", signer, fp)


def _when(text: str) -> datetime:
    return parse_when(text)


def check_all(
    signoffs: Iterable[Event], runs: Mapping[str, Event], workspace_id: str, identities: Iterable[Event]
) -> list[SignoffCheck]:
    """Every sign-off's check, oldest first. `identities`: all `identity_set` events (for registered keys)."""
    ids = sorted(identities, key=lambda x: x.seq)
    out: list[SignoffCheck] = []
    for e in signoffs:
        key: str | None = None
        for i in ids:
            if i.seq < e.seq and i.actor.user == e.actor.user and i.actor.host == e.actor.host:
                key = i.payload.get("key_fingerprint")
        out.append(check(e, runs.get(str(e.payload.get("run_id", ""))), workspace_id, key))
    return out
