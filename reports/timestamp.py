"""Optional RFC 3161 timestamp of the report's signature (PAdES B-T), and its offline verification.

The one place Attest can contact another machine, and only when the user configures a timestamp authority
(`--timestamp-url`, typically the organisation's own TSA on its network): after signing, the signature's hash is sent
there and the token it returns (the TSA's signature over that hash and the time) is embedded in the signature as an
unsigned attribute. Without a configured URL nothing is contacted. The HTTP client is pyHanko's (aiohttp); Attest
itself imports no network library (tests/test_architecture.py allows the timestamper in this module only).

A timestamp proves the signature existed at the stated time, so the signature can still be checked after the
signing certificate expires: `verify_pdf_signature` judges the certificate's validity at the timestamp's time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from audit.trail.keys import KeyProblem

if TYPE_CHECKING:
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko.sign.validation import PdfSignatureStatus


class TimestampError(KeyProblem):
    """The timestamp authority cannot be used or did not give a token; the message says why in plain words."""


def check_timestamp_url(url: str) -> str:
    """The URL, checked for its form only (nothing is contacted here)."""
    parsed = urlparse(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise TimestampError(
            f"--timestamp-url {url!r} is not an http:// or https:// address.",
            "Give the address of your timestamp authority, e.g. http://tsa.example.internal/tsr.",
        )
    return url.strip()


def tsa_client(url: str, timeout: float = 10.0) -> HTTPTimeStamper:
    """A pyHanko timestamper that asks the TSA at `url` (RFC 3161 over HTTP, application/timestamp-query)."""
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(check_timestamp_url(url), timeout=timeout)


def describe_failure(url: str, exc: BaseException) -> TimestampError:
    return TimestampError(
        f"The timestamp authority at {url} gave no usable timestamp token: {exc}.",
        "Check that the TSA is running and the address is right, or sign without --timestamp-url.",
    )


@dataclass(frozen=True)
class TimestampCheck:
    present: bool  # the signature carries an RFC 3161 token
    valid: bool = False  # the token is intact, covers this signature and its TSA certificate chains to a trusted root
    time: str = ""  # the time the TSA states, ISO 8601 UTC
    tsa: str = ""  # the TSA certificate's subject
    problem: str = ""


def timestamp_check(status: PdfSignatureStatus) -> TimestampCheck:
    """The timestamp part of a pyHanko `PdfSignatureStatus` (from `validate_pdf_signature`)."""
    ts = getattr(status, "timestamp_validity", None)
    if ts is None:
        return TimestampCheck(present=False)
    when = ts.timestamp.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    tsa = ""
    if ts.signing_cert is not None:
        from reports.signing import _subject

        tsa = _subject(ts.signing_cert)
    valid = bool(ts.intact and ts.valid and ts.trusted)
    problem = (
        ""
        if valid
        else (
            "the timestamp token is damaged or does not cover this signature"
            if not (ts.intact and ts.valid)
            else "the timestamp authority's certificate is not trusted (give it with --tsa-root)"
        )
    )
    return TimestampCheck(present=True, valid=valid, time=when, tsa=tsa, problem=problem)
