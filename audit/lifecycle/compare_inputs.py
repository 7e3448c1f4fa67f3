"""What changed in the inputs of two audit runs: the model, the data, the spec and the policy, by hash and by field.

A file is compared by its SHA-256 first (the same file under another path is no change of input, but the path is
listed); the spec and the policy by the SHA-256 of their canonical JSON and then field by field, so a reviewer sees
"threshold 0.5 -> 0.42" rather than "the spec differs"."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from audit.hashing import canonical_json, sha256_bytes
from audit.lifecycle.compare_types import InputChange, InputKind
from audit.result import AuditResult

# Spec fields that are another input's business (compared there) or are the input files' own paths.
_SPEC_ELSEWHERE = {"policy", "data_path", "model_path"}
_MODEL_FIELDS = (
    "format",
    "model_type",
    "family",
    "features",
    "classes",
    "positive_class",
    "has_scores",
    "trusted",
    "trusted_types",
)


def digest(obj: Any) -> str:
    """SHA-256 of the canonical JSON of a JSON-able value."""
    return sha256_bytes(canonical_json(obj))


def _flat_diff(before: Any, after: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(dotted path, before, after) of every leaf that differs; lists are leaves (compared whole)."""
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after), key=str):
            sub = f"{path}.{key}" if path else str(key)
            if key not in before:
                yield sub, None, after[key]
            elif key not in after:
                yield sub, before[key], None
            else:
                yield from _flat_diff(before[key], after[key], sub)
    elif before != after:
        yield path, before, after


def _files(kind: InputKind, a: dict[str, Any] | None, b: dict[str, Any] | None, fields: tuple[str, ...]) -> list[InputChange]:
    if a is None and b is None:
        return []
    if a is None or b is None:
        return [InputChange(input=kind, field="sha256", before=a and a["sha256"], after=b and b["sha256"])]
    out: list[InputChange] = []
    if a["sha256"] != b["sha256"]:
        out.append(InputChange(input=kind, field="sha256", before=a["sha256"], after=b["sha256"]))
    if a["path"] != b["path"]:
        out.append(InputChange(input=kind, field="path", before=a["path"], after=b["path"]))
    out += [InputChange(input=kind, field=f, before=a.get(f), after=b.get(f)) for f in fields if a.get(f) != b.get(f)]
    return out


def _columns(a: dict[str, Any], b: dict[str, Any]) -> list[InputChange]:
    ca = {c["name"]: c for c in a["columns"]}
    cb = {c["name"]: c for c in b["columns"]}
    out = []
    gone, new = [c for c in ca if c not in cb], [c for c in cb if c not in ca]
    if gone:
        out.append(InputChange(input="data", field="columns.removed", before=gone, after=None))
    if new:
        out.append(InputChange(input="data", field="columns.added", before=None, after=new))
    for name in (c for c in ca if c in cb):
        for f in ("dtype", "missing"):
            if ca[name][f] != cb[name][f]:
                out.append(InputChange(input="data", field=f"columns.{name}.{f}", before=ca[name][f], after=cb[name][f]))
    return out


def _policy(a: dict[str, Any], b: dict[str, Any]) -> list[InputChange]:
    ha, hb = digest(a), digest(b)
    if ha == hb:
        return []
    out = [InputChange(input="policy", field="sha256", before=ha, after=hb)]
    # Checks by id, so a check moved in the list is no change and a threshold change names its check.
    ka = {c["id"]: c for c in a.get("checks", [])}
    kb = {c["id"]: c for c in b.get("checks", [])}
    rest_a = {k: v for k, v in a.items() if k != "checks"} | {"checks": ka}
    rest_b = {k: v for k, v in b.items() if k != "checks"} | {"checks": kb}
    out += [InputChange(input="policy", field=p, before=x, after=y) for p, x, y in _flat_diff(rest_a, rest_b)]
    return out


def input_changes(a: AuditResult, b: AuditResult) -> list[InputChange]:
    """Every difference in what the two runs were given, model first, then data, spec, policy and software."""
    ma = a.model.model_dump(mode="json") if a.model else None
    mb = b.model.model_dump(mode="json") if b.model else None
    out = _files("model", ma, mb, _MODEL_FIELDS)
    if a.decision_source != b.decision_source:
        out.append(InputChange(input="model", field="decision_source", before=a.decision_source, after=b.decision_source))
    da, db = a.data.model_dump(mode="json"), b.data.model_dump(mode="json")
    out += _files("data", da, db, ("format", "rows", "sheet"))
    if da["sha256"] != db["sha256"]:
        out += _columns(da, db)
    sa = {k: v for k, v in a.spec.model_dump(mode="json").items() if k not in _SPEC_ELSEWHERE}
    sb = {k: v for k, v in b.spec.model_dump(mode="json").items() if k not in _SPEC_ELSEWHERE}
    if digest(sa) != digest(sb):
        out.append(InputChange(input="spec", field="sha256", before=digest(sa), after=digest(sb)))
        out += [InputChange(input="spec", field=p, before=x, after=y) for p, x, y in _flat_diff(sa, sb)]
    out += _policy(a.spec.policy.model_dump(mode="json"), b.spec.policy.model_dump(mode="json"))
    if a.provenance.attest_version != b.provenance.attest_version:
        out.append(
            InputChange(
                input="software", field="attest_version", before=a.provenance.attest_version, after=b.provenance.attest_version
            )
        )
    return out
