"""The people who record: each OS account's display name, role and registered sign-off key in this workspace.

Set by `identity_set` events (so every change of name, role or key is itself on the record); the newest one of an
account is stamped on that account's events from then on.
"""

from __future__ import annotations

from audit.trail import events as ev
from audit.trail.events import Event
from audit.trail.identity import Actor, os_account
from audit.trail.keys import SigningKey
from audit.trail.ledger import Ledger


def set_identity(ledger: Ledger, name: str, role: str, *, key: SigningKey | None = None) -> Event:
    """Record this account's display name and role; `key`: an Attest sign-off key to register (else the one
    registered before is kept)."""
    user, host = os_account()
    previous = ledger.identity_event(user, host)
    kept = previous.payload.get("key_fingerprint") if previous else None
    fp = key.fingerprint if key is not None and key.source == "attest-key" else kept
    event = ledger.append(ev.IDENTITY_SET, {"name": name, "role": role, "key_fingerprint": fp}, [])
    ledger.use_identity(Actor(user, host, event.payload["name"], event.payload["role"]))
    return event


def registered_key(ledger: Ledger) -> str | None:
    """The fingerprint of the Attest sign-off key this account's identity names, if any."""
    user, host = os_account()
    last = ledger.identity_event(user, host)
    fp: str | None = last.payload.get("key_fingerprint") if last else None
    return fp
