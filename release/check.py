"""`python -m release.check BUNDLE_DIR`: an unpacked bundle is what it says it is (run by .ci/run, and by hand).

SHA256SUMS lists every file and each matches; the SBOM is a valid CycloneDX 1.5 document with one component per
wheel, of the wheel's name, version and hash; requirements.lock pins exactly those wheels (Attest's own aside); and no
GPU (nvidia-*) package is inside."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from release.lockfile import read_lock, wheel_name_version
from release.sbom import sha256_file, validate


def check_bundle(stage: Path) -> list[str]:
    problems: list[str] = []
    sums = {}
    for line in (stage / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        sums[name] = digest
    files = {str(p.relative_to(stage)) for p in stage.rglob("*") if p.is_file()} - {"SHA256SUMS"}
    if set(sums) != files:
        problems.append(f"SHA256SUMS and the files differ: {sorted(set(sums) ^ files)}")
    problems += [f"{n}: SHA-256 differs from SHA256SUMS" for n in sorted(set(sums) & files) if sha256_file(stage / n) != sums[n]]

    doc = json.loads((stage / "sbom.cdx.json").read_text(encoding="utf-8"))
    problems += validate(doc)
    in_sbom = {(c["name"], c["version"], c["hashes"][0]["content"]) for c in doc.get("components", [])}
    in_sbom.add(
        (
            doc["metadata"]["component"]["name"],
            doc["metadata"]["component"]["version"],
            doc["metadata"]["component"]["hashes"][0]["content"],
        )
    )
    wheels = sorted((stage / "wheels").glob("*.whl"))
    on_disk = {(*wheel_name_version(w.name), sha256_file(w)) for w in wheels}
    if in_sbom != on_disk:
        problems.append(f"SBOM components and wheels/ differ: {sorted(in_sbom ^ on_disk)}")
    locked = {(p.name, p.version, p.hashes[0]) for p in read_lock(stage / "requirements.lock")}
    if locked != {w for w in on_disk if w[0] != "attest"}:
        problems.append(f"requirements.lock and wheels/ differ: {sorted(locked ^ on_disk)}")
    gpu = [w.name for w in wheels if w.name.startswith("nvidia_")]
    if gpu:
        problems.append(f"GPU libraries in the bundle: {gpu}")
    return problems


if __name__ == "__main__":
    found = check_bundle(Path(sys.argv[1]))
    print("\n".join(found) if found else f"{sys.argv[1]}: SHA256SUMS, SBOM (CycloneDX 1.5) and lock agree with the wheels")
    sys.exit(1 if found else 0)
