"""The bundle's SBOM: CycloneDX 1.5 JSON, one component per wheel with name, version, purl, the file's hash, and the
licence the wheel states; and the bundle check that compares it with the files."""

from __future__ import annotations

import copy
import hashlib
import json

from release import sbom
from release.check import check_bundle
from tests.bundle.wheels import make_wheel


def _wheels(tmp_path):
    mit = make_wheel(tmp_path, "Alpha_Pkg", "1.0", {"alpha/__init__.py": b""}, meta_extra="License-Expression: MIT\n")
    bsd = make_wheel(
        tmp_path, "beta", "2.0.post1", {"beta.py": b""}, meta_extra="Classifier: License :: OSI Approved :: BSD License\n"
    )
    bare = make_wheel(tmp_path, "gamma", "0.1", {"gamma.py": b""})
    app = make_wheel(
        tmp_path, "attest", "0.1.0", {"cli/__init__.py": b""}, meta_extra="License-Expression: LicenseRef-Proprietary\n"
    )
    return app, [mit, bsd, bare]


def test_components_carry_name_version_purl_hash_and_stated_licence(tmp_path):
    app, deps = _wheels(tmp_path)
    doc = sbom.build_sbom(app, deps, {}, epoch=0)
    assert sbom.validate(doc) == []
    assert doc["bomFormat"] == "CycloneDX" and doc["specVersion"] == "1.5"
    by_name = {c["name"]: c for c in doc["components"]}
    assert set(by_name) == {"alpha-pkg", "beta", "gamma"}
    alpha = by_name["alpha-pkg"]
    assert alpha["purl"] == "pkg:pypi/alpha-pkg@1.0"
    assert alpha["hashes"] == [{"alg": "SHA-256", "content": hashlib.sha256(deps[0].read_bytes()).hexdigest()}]
    assert alpha["licenses"] == [{"expression": "MIT"}]
    assert by_name["beta"]["licenses"] == [{"license": {"name": "BSD License"}}]
    assert "licenses" not in by_name["gamma"]  # the wheel says nothing: nothing is guessed
    assert doc["metadata"]["component"]["purl"] == "pkg:generic/attest@0.1.0"
    assert doc["metadata"]["timestamp"] == "1970-01-01T00:00:00Z"
    json.dumps(doc)  # plain JSON types only


def test_same_files_same_serial_number(tmp_path):
    app, deps = _wheels(tmp_path)
    assert sbom.build_sbom(app, deps, {})["serialNumber"] == sbom.build_sbom(app, list(reversed(deps)), {})["serialNumber"]


def test_a_derived_wheel_names_its_upstream(tmp_path):
    app, deps = _wheels(tmp_path)
    doc = sbom.build_sbom(app, deps, {deps[1].name: sbom.Ancestor("beta-2.0.post1-up.whl", "ab" * 32, "only part")})
    assert sbom.validate(doc) == []
    (anc,) = next(c for c in doc["components"] if c["name"] == "beta")["pedigree"]["ancestors"]
    assert anc["hashes"][0]["content"] == "ab" * 32 and anc["purl"] == "pkg:pypi/beta@2.0.post1"


def test_validate_names_what_is_wrong(tmp_path):
    app, deps = _wheels(tmp_path)
    good = sbom.build_sbom(app, deps, {})
    cases = {
        "specVersion": lambda d: d.update(specVersion="1.4"),
        "serialNumber": lambda d: d.update(serialNumber="1234"),
        "purl": lambda d: d["components"][0].update(purl="pypi:alpha"),
        "no hashes": lambda d: d["components"][0].update(hashes=[]),
        "hex digest": lambda d: d["components"][0]["hashes"][0].update(content="xyz"),
        "exactly one of": lambda d: d["components"][0].update(licenses=[{"license": {}}]),
        "not unique": lambda d: d["components"].append(copy.deepcopy(d["components"][0])),
        "component type": lambda d: d["components"][0].update(type="wheel"),
    }
    for needle, breaks in cases.items():
        doc = copy.deepcopy(good)
        breaks(doc)
        problems = sbom.validate(doc)
        assert any(needle in p for p in problems), (needle, problems)


def _stage(tmp_path):
    stage = tmp_path / "stage"
    (stage / "wheels").mkdir(parents=True)
    app, deps = _wheels(stage / "wheels")
    (stage / "sbom.cdx.json").write_text(json.dumps(sbom.build_sbom(app, deps, {})))
    (stage / "requirements.lock").write_text(
        "".join(
            f"{n}=={v} --hash=sha256:{sbom.sha256_file(w)}\n"
            for n, v, w in (("alpha-pkg", "1.0", deps[0]), ("beta", "2.0.post1", deps[1]), ("gamma", "0.1", deps[2]))
        )
    )
    (stage / "SHA256SUMS").write_text(
        "".join(f"{sbom.sha256_file(p)}  {p.relative_to(stage)}\n" for p in sorted(stage.rglob("*")) if p.is_file())
    )
    return stage, deps


def test_check_bundle_accepts_a_consistent_bundle_and_names_each_mismatch(tmp_path):
    stage, deps = _stage(tmp_path)
    assert check_bundle(stage) == []
    (stage / "extra.txt").write_text("not listed")
    assert any("SHA256SUMS and the files differ" in p for p in check_bundle(stage))
    (stage / "extra.txt").unlink()
    deps[2].write_bytes(deps[2].read_bytes() + b"\0")  # a wheel changed after the SBOM was written
    problems = check_bundle(stage)
    assert any("SHA-256 differs from SHA256SUMS" in p for p in problems)
    assert any("SBOM components and wheels/ differ" in p for p in problems)
    assert any("requirements.lock and wheels/ differ" in p for p in problems)
