"""Keys that sign sign-offs: a PKCS#12 certificate (the one used for signed reports), or an Ed25519 key Attest creates
and keeps in the user's data folder, encrypted with a passphrase (`cryptography`'s PKCS#8 with the best available
encryption). A key is known by its fingerprint: the SHA-256 of its public key (DER SubjectPublicKeyInfo).

A certificate is refused, with the reason, when it has no private key, when the key is not the certificate's, or when
it is expired or not yet valid at the time of signing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from audit.errors import InputError
from audit.trail.storage import data_folder

if TYPE_CHECKING:  # cryptography is imported when a key is used, not when the trail is opened
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.x509 import Name

    PrivateKey = Ed25519PrivateKey | EllipticCurvePrivateKey | RSAPrivateKey

KEY_FILE = "signoff-key.json"
KEY_FORMAT = "attest-signoff-key"
ED25519 = "ed25519"
ECDSA_SHA256 = "ecdsa-sha256"
RSA_PKCS1V15_SHA256 = "rsa-pkcs1v15-sha256"
SCHEMES = (ED25519, ECDSA_SHA256, RSA_PKCS1V15_SHA256)


class KeyProblem(InputError):
    """A signing key or certificate cannot be used; the message says why, the hint what to do."""


@dataclass(frozen=True)
class SigningKey:
    """A private key ready to sign, and how it is named in the trail and the report."""

    scheme: str
    public_key_der: bytes  # DER SubjectPublicKeyInfo
    signer: str  # the certificate's subject (`subject_label`), or "Attest key of <owner>"
    source: str  # pkcs12 | attest-key
    certificate_der: bytes | None = None
    not_valid_before: str | None = None  # the certificate's validity, ISO 8601 UTC
    not_valid_after: str | None = None
    _private: PrivateKey | None = field(default=None, repr=False, compare=False)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key_der)

    def sign(self, data: bytes) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

        # The loaders set `scheme` from the key's type, so dispatching on the type signs with the same scheme.
        key = self._private
        if isinstance(key, ed25519.Ed25519PrivateKey):
            return key.sign(data)
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(hashes.SHA256()))
        if isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        raise KeyProblem(
            f"The key of {self.signer} holds no private key, so it cannot sign.",
            "Open it with load_pkcs12 (a certificate) or load_personal_key (an Attest key).",
        )


def fingerprint(public_key_der: bytes) -> str:
    return hashlib.sha256(public_key_der).hexdigest()


def fingerprint_label(fp: str) -> str:
    """`3f2a:9c1b:...`: the first 128 bits in groups, enough to compare by eye against a list of reviewers' keys."""
    return ":".join(fp[i : i + 4] for i in range(0, 32, 4))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


# ---------------------------------------------------------------------- verifying
def verify_signature(scheme: str, public_key_der: bytes, data: bytes, signature: bytes) -> bool:
    """True when `signature` is `data` signed by the key; False for any mismatch or unusable key."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    try:
        key = load_der_public_key(public_key_der)
        if scheme == ED25519 and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
        elif scheme == ECDSA_SHA256 and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        elif scheme == RSA_PKCS1V15_SHA256 and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            return False
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def certificate_facts(der: bytes) -> tuple[str, bytes, datetime, datetime]:
    """(subject, public key DER, not valid before, not valid after) of a DER certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    cert = x509.load_der_x509_certificate(der)
    spki = cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return subject_label(cert.subject), spki, cert.not_valid_before_utc, cert.not_valid_after_utc


def subject_label(name: Name) -> str:
    """A certificate subject as people read it: the common name first, `CN=Dana Kim, O=Bank, C=DE`."""
    from cryptography.x509.oid import NameOID

    rdns = list(reversed(name.rdns))  # RFC 4514 order: most specific first
    first = [r for r in rdns if any(a.oid == NameOID.COMMON_NAME for a in r)]
    return ", ".join(r.rfc4514_string() for r in first + [r for r in rdns if r not in first])


def validity_problem(subject: str, not_before: datetime, not_after: datetime, at: datetime) -> str | None:
    """Why a certificate cannot sign at `at`, or None."""
    if at > not_after:
        return f"The certificate {subject} expired on {_day(not_after)}"
    if at < not_before:
        return f"The certificate {subject} is not valid until {_day(not_before)}"
    return None


def _day(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


# ---------------------------------------------------------------------- PKCS#12
def load_pkcs12(path: str | Path, password: bytes | None, *, at: datetime | None = None) -> SigningKey:
    """The key and certificate of a PKCS#12 file, checked: a private key matching the certificate, valid at `at`
    (default: now)."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, pkcs12

    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise KeyProblem(
            f"The certificate file {p} cannot be read: {exc.strerror or exc}.",
            "Give the path of a PKCS#12 (.p12/.pfx) file you may read.",
        ) from exc
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, password)
    except ValueError as exc:
        why = "the password is wrong" if password else "it needs a password"
        raise KeyProblem(
            f"The certificate file {p} cannot be opened: {why}, or it is not a PKCS#12 file.",
            "Pass the certificate's password with --sign-password-env VAR (or the key password with "
            "--key-password-env VAR), and check that the file is a .p12/.pfx export.",
        ) from exc
    if cert is None and key is None and extra:  # a certificate without its key lands among the "additional" ones
        cert = extra[0]
    if cert is None:
        raise KeyProblem(
            f"The file {p} holds no certificate.", "Export the signing certificate together with its private key as .p12/.pfx."
        )
    subject = subject_label(cert.subject)
    if key is None:
        raise KeyProblem(
            f"The file {p} holds the certificate {subject} but no private key, so it cannot sign.",
            "Export the certificate together with its private key (a .p12/.pfx with the key).",
        )
    spki = cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    if key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo) != spki:
        raise KeyProblem(
            f"The private key in {p} does not belong to its certificate {subject}.",
            "Export the certificate with its own private key.",
        )
    problem = validity_problem(subject, cert.not_valid_before_utc, cert.not_valid_after_utc, at or datetime.now(UTC))
    if problem:
        raise KeyProblem(
            f"{problem}, so it cannot sign.",
            "Use a certificate that is valid today (ask your certificate authority to renew it).",
        )
    if isinstance(key, ed25519.Ed25519PrivateKey):
        scheme = ED25519
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        scheme = ECDSA_SHA256
    elif isinstance(key, rsa.RSAPrivateKey):
        scheme = RSA_PKCS1V15_SHA256
    else:
        raise KeyProblem(
            f"The key in {p} is of a kind Attest does not sign with ({type(key).__name__}).",
            "Use an RSA, EC or Ed25519 certificate.",
        )
    return SigningKey(
        scheme=scheme,
        public_key_der=spki,
        signer=subject,
        source="pkcs12",
        certificate_der=cert.public_bytes(Encoding.DER),
        not_valid_before=_iso(cert.not_valid_before_utc),
        not_valid_after=_iso(cert.not_valid_after_utc),
        _private=key,
    )


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# ---------------------------------------------------------------------- Attest's own key
def personal_key_path() -> Path:
    """Where this user's Attest sign-off key lives: `signoff-key.json` in the data folder ($ATTEST_HOME)."""
    return data_folder() / KEY_FILE


def create_personal_key(passphrase: bytes, owner: str, path: str | Path | None = None) -> SigningKey:
    """Create an Ed25519 key for `owner`, encrypted with `passphrase`, at `path` (default `personal_key_path()`).

    An existing key file is never replaced: losing it would orphan every sign-off it made."""
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, Encoding, PrivateFormat, PublicFormat

    p = Path(path) if path else personal_key_path()
    if len(passphrase) < 8:
        raise KeyProblem(
            "The passphrase for a sign-off key must have at least 8 characters.",
            "Choose a longer passphrase; it protects signatures made in your name.",
        )
    if not owner.strip():
        raise KeyProblem(
            "A sign-off key needs its owner's name.",
            "Set your display name first: attest trail whoami --set-name NAME --set-role ROLE.",
        )
    if p.exists():
        raise KeyProblem(
            f"You already have a sign-off key at {p}; it was left as it is.",
            "Use it (it is found automatically), or move it away first if you really want a new one: "
            "sign-offs it made stay verifiable either way.",
        )
    key = ed25519.Ed25519PrivateKey.generate()
    spki = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(passphrase))
    doc = {
        "format": KEY_FORMAT,
        "format_version": 1,
        "owner": owner.strip(),
        "scheme": ED25519,
        "created_at": _iso(datetime.now(UTC)),
        "fingerprint": fingerprint(spki),
        "public_key": b64(spki),
        "private_key_pem": pem.decode("ascii"),
    }
    from audit.outputs import write_private

    p.parent.mkdir(parents=True, exist_ok=True)
    write_private(p, (json.dumps(doc, indent=1) + "\n").encode("utf-8"))
    return SigningKey(
        scheme=ED25519, public_key_der=spki, signer=f"Attest key of {owner.strip()}", source="attest-key", _private=key
    )


def load_personal_key(passphrase: bytes, path: str | Path | None = None) -> SigningKey:
    """This user's Attest sign-off key, opened with `passphrase`."""
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_private_key

    p = Path(path) if path else personal_key_path()
    if not p.is_file():
        raise KeyProblem(
            f"You have no Attest sign-off key yet (looked for {p}).",
            "Create one with `attest trail whoami --create-key --key-password-env VAR`, or sign with "
            "your certificate (--sign P12).",
        )
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
        if doc.get("format") != KEY_FORMAT:
            raise ValueError("not an Attest key file")
        pem = doc["private_key_pem"].encode("ascii")
    except (OSError, ValueError, KeyError, AttributeError) as exc:
        raise KeyProblem(
            f"{p} is not a readable Attest sign-off key.",
            "Restore the key file from your backup, or move it away and create a new key.",
        ) from exc
    try:
        key = load_pem_private_key(pem, passphrase or None)
    except (ValueError, TypeError) as exc:
        raise KeyProblem(
            "The passphrase does not open your sign-off key.", "Give the passphrase you chose when the key was created."
        ) from exc
    if not isinstance(key, ed25519.Ed25519PrivateKey):  # Attest creates Ed25519 keys only
        raise KeyProblem(
            f"{p} holds a {type(key).__name__}, not an Attest (Ed25519) sign-off key.",
            "Restore the key file from your backup, or move it away and create a new key.",
        )
    spki = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return SigningKey(
        scheme=ED25519, public_key_der=spki, signer=f"Attest key of {doc.get('owner', '?')}", source="attest-key", _private=key
    )


def passphrase_from_env(var: str | None, what: str = "key") -> bytes | None:
    """A password or passphrase from an environment variable (never from the command line)."""
    if not var:
        return None
    value = os.environ.get(var)
    if value is None:
        raise KeyProblem(
            f"The environment variable {var} is not set.", f"Set it to the {what}'s password or passphrase: export {var}=..."
        )
    return value.encode("utf-8")
