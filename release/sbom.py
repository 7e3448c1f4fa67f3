"""A CycloneDX 1.5 JSON SBOM of the bundle's wheels, written from the wheels themselves (no SBOM tool needed).

Each wheel is a component: name, version, purl (pkg:pypi/...), the SHA-256 of the file in the bundle, and its licence
when the wheel's METADATA states one (License-Expression, else a short License field, else the trove classifiers).
A derived wheel (the Qt PDF part of PySide6-Addons) names its upstream wheel and hash as its pedigree."""

from __future__ import annotations

import email.parser
import hashlib
import time
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from release.lockfile import normalize, wheel_name_version

SPEC_VERSION = "1.5"


@dataclass(frozen=True)
class Ancestor:
    """The upstream file a bundled wheel was derived from."""

    file: str
    sha256: str
    note: str


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def wheel_metadata(path: Path) -> email.message.Message:
    with zipfile.ZipFile(path) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
        return email.parser.Parser().parsestr(zf.read(name).decode("utf-8", "replace"), headersonly=True)


def licenses(meta: email.message.Message) -> list[dict]:
    """CycloneDX `licenses` from what the wheel says; [] when it says nothing (never guessed)."""
    expr = meta.get("License-Expression")
    if expr:
        return [{"expression": expr.strip()}]
    text = (meta.get("License") or "").strip()
    if text and "\n" not in text and len(text) <= 100 and text.upper() != "UNKNOWN":
        return [{"license": {"name": text}}]
    classified = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return [{"license": {"name": c}} for c in classified if c not in ("OSI Approved", "Other/Proprietary License")] or [
        {"license": {"name": c}} for c in classified
    ]


def purl(name: str, version: str) -> str:
    return f"pkg:pypi/{normalize(name)}@{quote(version, safe='')}"


def component(path: Path, ancestor: Ancestor | None = None) -> dict:
    meta = wheel_metadata(path)
    name, version = normalize(meta["Name"]), meta["Version"]
    if (name, version) != wheel_name_version(path.name):
        raise ValueError(f"{path.name}: its METADATA says {name} {version}")
    comp: dict = {
        "type": "library",
        "bom-ref": purl(name, version),
        "name": name,
        "version": version,
        "purl": purl(name, version),
        "hashes": [{"alg": "SHA-256", "content": sha256_file(path)}],
    }
    lic = licenses(meta)
    if lic:
        comp["licenses"] = lic
    comp["properties"] = [{"name": "attest:bundle-file", "value": f"wheels/{path.name}"}]
    if ancestor is not None:
        base = version.split("+")[0]
        comp["pedigree"] = {
            "ancestors": [
                {
                    "type": "library",
                    "bom-ref": purl(name, base) + "#upstream",
                    "name": name,
                    "version": base,
                    "purl": purl(name, base),
                    "hashes": [{"alg": "SHA-256", "content": ancestor.sha256}],
                    "properties": [{"name": "attest:upstream-file", "value": ancestor.file}],
                }
            ],
            "notes": ancestor.note,
        }
    return comp


def build_sbom(app_wheel: Path, wheels: list[Path], ancestors: dict[str, Ancestor], epoch: int | None = None) -> dict:
    """The SBOM document: the Attest wheel as the described component, every dependency wheel as a component."""
    comps = [component(w, ancestors.get(w.name)) for w in sorted(wheels, key=lambda p: p.name)]
    app = component(app_wheel)
    app["type"] = "application"
    # Attest is not published on PyPI (a package of that name there is someone else's): a generic purl.
    app["purl"] = app["bom-ref"] = f"pkg:generic/attest@{quote(app['version'], safe='')}"
    app.pop("pedigree", None)
    digest = hashlib.sha256("".join(c["hashes"][0]["content"] for c in [app, *comps]).encode()).hexdigest()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch if epoch is not None else time.time()))
    return {
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'attest-bundle:' + digest)}",  # same files, same id
        "version": 1,
        "metadata": {
            "timestamp": stamp,
            "tools": {"components": [{"type": "application", "name": "attest release.bundle (./dev bundle)"}]},
            "component": app,
        },
        "components": comps,
    }


_HASH_ALGS = {
    "MD5",
    "SHA-1",
    "SHA-256",
    "SHA-384",
    "SHA-512",
    "SHA3-256",
    "SHA3-384",
    "SHA3-512",
    "BLAKE2b-256",
    "BLAKE2b-384",
    "BLAKE2b-512",
    "BLAKE3",
}
_TYPES = {
    "application",
    "framework",
    "library",
    "container",
    "platform",
    "operating-system",
    "device",
    "device-driver",
    "firmware",
    "file",
    "machine-learning-model",
    "data",
}


def _check_component(c: dict, where: str, problems: list[str], purl_type: str = "pypi") -> None:
    for key in ("type", "name", "version", "purl", "bom-ref"):
        if not isinstance(c.get(key), str) or not c[key]:
            problems.append(f"{where}: {key} missing")
    if c.get("type") not in _TYPES:
        problems.append(f"{where}: type {c.get('type')!r} is not a CycloneDX 1.5 component type")
    if isinstance(c.get("purl"), str) and not c["purl"].startswith(f"pkg:{purl_type}/{normalize(str(c.get('name')))}@"):
        problems.append(f"{where}: purl {c['purl']!r} is not pkg:{purl_type}/<name>@<version>")
    hashes = c.get("hashes")
    if not hashes:
        problems.append(f"{where}: no hashes")
    for h in hashes or []:
        if (
            h.get("alg") not in _HASH_ALGS
            or not isinstance(h.get("content"), str)
            or len(h["content"]) != 64
            or h["content"].strip("0123456789abcdef")
        ):
            problems.append(f"{where}: hash {h!r} is not an algorithm and a hex digest")
    for lic in c.get("licenses", []):
        if set(lic) == {"expression"}:
            continue
        inner = lic.get("license") if set(lic) == {"license"} else None
        if not isinstance(inner, dict) or len({"id", "name"} & set(inner)) != 1:
            problems.append(f"{where}: licence {lic!r} needs exactly one of license.id, license.name or expression")


def validate(doc: dict) -> list[str]:
    """What makes doc not a CycloneDX 1.5 SBOM of the shape the bundle promises ([] when none): the schema's
    required fields and enumerations for what is used here, unique bom-refs, and a name, version, purl and hash per
    component."""
    problems: list[str] = []
    if doc.get("bomFormat") != "CycloneDX" or doc.get("specVersion") != SPEC_VERSION:
        problems.append("not a CycloneDX 1.5 document (bomFormat, specVersion)")
    serial = str(doc.get("serialNumber", ""))
    try:
        uuid.UUID(serial.removeprefix("urn:uuid:"))
        if not serial.startswith("urn:uuid:"):
            raise ValueError
    except ValueError:
        problems.append(f"serialNumber {serial!r} is not urn:uuid:<uuid>")
    if not isinstance(doc.get("version"), int) or doc["version"] < 1:
        problems.append("version must be an integer >= 1")
    meta = doc.get("metadata", {})
    try:
        time.strptime(meta.get("timestamp", ""), "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        problems.append("metadata.timestamp is not an ISO 8601 UTC time")
    if "component" not in meta:
        problems.append("metadata.component (the application) missing")
    else:
        _check_component(meta["component"], "metadata.component", problems, purl_type="generic")
    comps = doc.get("components")
    if not isinstance(comps, list) or not comps:
        problems.append("components missing")
        comps = []
    refs = [meta.get("component", {}).get("bom-ref")]
    for i, c in enumerate(comps):
        where = f"components[{i}] ({c.get('name')})"
        _check_component(c, where, problems)
        refs.append(c.get("bom-ref"))
        for a in c.get("pedigree", {}).get("ancestors", []):
            _check_component(a, where + " ancestor", problems)
            refs.append(a.get("bom-ref"))
    dupes = sorted({r for r in refs if refs.count(r) > 1}, key=str)
    if dupes:
        problems.append(f"bom-ref not unique: {dupes}")
    return problems
