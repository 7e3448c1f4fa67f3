"""The plain-language summary of a comparison: what changed in the inputs, which verdicts flipped and why, and the
largest changes that their intervals show to be real."""

from __future__ import annotations

from typing import Any

from audit.lifecycle.compare_types import Change, GroupPresence, InputChange, RunInfo, VerdictChange
from audit.result import AuditResult, Estimate

_STATUS = {"pass": "passes", "fail": "fails", "insufficient_evidence": "lacks evidence", "absent": "is not evaluated"}
_WAS = {"pass": "passed", "fail": "failed", "insufficient_evidence": "lacked evidence", "absent": "was not evaluated"}
_INPUT_WORDS = {
    "model": "the model or its decisions",
    "data": "the data",
    "spec": "the audit settings",
    "policy": "the policy",
    "software": "the Attest version",
}


def label(group: dict[str, str]) -> str:
    return " & ".join(f"{k}={v}" for k, v in group.items()) or "everyone"


def fmt(e: Estimate | None) -> str:
    """`0.71 [0.65, 0.78]`; an open end is shown as ..."""
    if e is None or e.value is None:
        return "undefined"
    lo = "..." if e.ci_low is None else f"{e.ci_low:.3f}"
    hi = "..." if e.ci_high is None else f"{e.ci_high:.3f}"
    return f"{e.value:.3f} [{lo}, {hi}]"


def _value(v: Any) -> str:
    text = "none" if v is None else (", ".join(map(str, v)) if isinstance(v, list) else str(v))
    return text if len(text) <= 40 else text[:37] + "..."


def _inputs_sentence(inputs: list[InputChange]) -> str:
    if not inputs:
        return "The two runs had the same inputs: the same model, data, settings and policy."
    parts = []
    for kind, words in _INPUT_WORDS.items():
        mine = [c for c in inputs if c.input == kind]
        if not mine:
            continue
        fields = [c for c in mine if c.field not in ("sha256", "path")]
        if any(c.field == "sha256" for c in mine) and kind in ("model", "data") and not fields:
            parts.append(f"{words} (a different file)")
        elif fields:
            shown = "; ".join(f"{c.field} {_value(c.before)} -> {_value(c.after)}" for c in fields[:3])
            more = f"; and {len(fields) - 3} more" if len(fields) > 3 else ""
            new_file = ", a different file" if any(c.field == "sha256" for c in mine) and kind in ("model", "data") else ""
            parts.append(f"{words} ({shown}{more}{new_file})")
        else:
            parts.append(f"{words} (moved: {mine[0].before} -> {mine[0].after})")
    return "What changed: " + ", ".join(parts) + "."


def _check_words(result: AuditResult, check_id: str) -> str:
    for c in result.spec.policy.checks:
        if c.id == check_id:
            against = {"reference": "the reference group", "max": "the highest group", "min": "the lowest group"}
            return f"{c.metric.replace('_', '-')} {c.compare} against {against[c.against]}"
    return "statistic"


def _moved(before: Estimate | None, after: Estimate | None) -> str:
    if before is None or before.value is None:
        return f"is {fmt(after)}"
    if after is None or after.value is None:
        return f"was {fmt(before)}"
    verb = "rose" if after.value > before.value else "fell" if after.value < before.value else "stayed"
    return f"{verb} from {fmt(before)} to {fmt(after)}"


def _verdict_sentence(v: VerdictChange, a: AuditResult, b: AuditResult) -> str:
    words = _check_words(b if v.after != "absent" else a, v.check)
    return (
        f"For {label(v.group)}, the {words} {_moved(v.statistic_before, v.statistic_after)}; "
        f"the {v.check} check now {_STATUS[v.after]} (it {_WAS[v.before]})."
    )


def _order(v: VerdictChange) -> int:
    return {"fail": 0, "pass": 1}.get(v.after, 2) if v.before == "fail" or v.after == "fail" else 3


def summarise(
    a: AuditResult,
    b: AuditResult,
    info_a: RunInfo,
    info_b: RunInfo,
    inputs: list[InputChange],
    changes: list[Change],
    verdicts: list[VerdictChange],
    appeared: list[GroupPresence],
    vanished: list[GroupPresence],
    ci_level: float,
) -> list[str]:
    """Sentences, most important first; every number is one the comparison's JSON holds."""
    out = [
        f"Run A ({info_a.run_id}, {info_a.recorded_at[:10]}) against run B ({info_b.run_id}, {info_b.recorded_at[:10]}).",
        _inputs_sentence(inputs),
    ]
    out.append(
        f"Verdicts: run A {info_a.passed} passed, {info_a.failed} failed, {info_a.insufficient_evidence} "
        f"lacked evidence; run B {info_b.passed} passed, {info_b.failed} failed, "
        f"{info_b.insufficient_evidence} lacked evidence."
    )
    if verdicts:
        flipped = sorted(verdicts, key=_order)
        out += [_verdict_sentence(v, a, b) for v in flipped[:8]]
        if len(flipped) > 8:
            out.append(f"... and {len(flipped) - 8} more verdict changes (verdict_changes in the JSON).")
        out.append("(The intervals of a check are the ones that decided it, at the level of its run's verdict family.)")
    else:
        out.append("No verdict changed.")
    group_changes = [c for c in changes if c.kind == "group"]
    real = [c for c in group_changes if c.significant]
    if real:
        top = max(real, key=lambda c: abs(c.difference.value or 0.0))
        out.append(
            f"{len(real)} of {len(group_changes)} group metrics changed beyond their {ci_level * 100:g}% "
            f"intervals; the largest: {top.metric.replace('_', ' ')} of {label(top.group)}, "
            f"{_moved(top.before, top.after)} (change {fmt(top.difference)})."
        )
    else:
        out.append(f"No group metric changed beyond its {ci_level * 100:g}% interval.")
        moved = [c for c in group_changes if c.difference.value]
        size = min(a.spec.min_group_size, b.spec.min_group_size)
        moved = [c for c in moved if min(c.n_before, c.n_after) >= size] or moved  # not a 5-row group's noise
        if moved:
            top = max(moved, key=lambda c: abs(c.difference.value or 0.0))
            out.append(
                f"The largest change: {top.metric.replace('_', ' ')} of {label(top.group)} "
                f"{_moved(top.before, top.after)} (change {fmt(top.difference)})."
            )
    if a.data.sha256 == b.data.sha256 and group_changes:
        out.append(
            "Both runs audited the same rows: on these rows the changes are exact; the intervals ask whether "
            "they would hold on new data, treating the runs as independent samples (conservative)."
        )
    for what, groups in (("appeared", appeared), ("vanished", vanished)):
        if groups:
            names = ", ".join(f"{label(g.group)} ({g.n:,} rows)" for g in groups[:6])
            out.append(f"{len(groups)} group(s) {what} in run B: {names}" + (" ..." if len(groups) > 6 else "") + ".")
    return out
