"""Which requirement is evidenced where: resolves each requirement's evidence names (see `resources/frameworks/*.toml`)
against the audit result, the trail snapshot and the declared context.

Evidence names:
  result     provenance, provenance.libraries, provenance.hardware, provenance.network, result.sha256, data.sha256,
             data.datasheet, model.sha256, model.description, model.loading, spec.policy, spec.decision_rule,
             spec.sensitive, overall.metrics, overall.scores, groups, groups.intersections, groups.base_rates,
             disparities, verdicts, quality.missing, quality.proxies, explanations, explanations.by_group,
             explanations.local, limitations, risks
  trail      trail.head, trail.verified, trail.events, trail.lineage, trail.training, trail.signoff
  context    context.<field> (a|b: either field) — filled from the audit's declared context when the field exists and is
             not empty; otherwise "needs provider input"

A requirement is "evidenced" when all its evidence is present, "partial" when some is, "needs provider input" when none
is and something awaits the provider, "not assessed" when none is and the audit could not produce it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from reports.frameworks import Catalogue, Requirement
from reports.snapshot import TrailSnapshot

PRESENT, NOT_ASSESSED, PROVIDER = "present", "not_assessed", "provider"
EVIDENCED, PARTIAL, ST_NOT_ASSESSED, ST_PROVIDER = "evidenced", "partial", "not assessed", "needs provider input"
STATUS_MARK = {EVIDENCED: "✓ evidenced", PARTIAL: "◐ partial", ST_NOT_ASSESSED: "○ not assessed", ST_PROVIDER: "✎ needs provider input"}


@dataclass(frozen=True)
class Evidence:
    name: str
    state: str  # present | not_assessed | provider
    detail: str  # what it is, why it is missing, or what the provider must supply


@dataclass(frozen=True)
class CoverageRow:
    requirement: Requirement
    status: str
    evidence: tuple[Evidence, ...]

    @property
    def missing(self) -> tuple[Evidence, ...]:
        return tuple(e for e in self.evidence if e.state != PRESENT)


@dataclass(frozen=True)
class Coverage:
    rows: tuple[CoverageRow, ...]

    def counts(self) -> dict[str, int]:
        out = {EVIDENCED: 0, PARTIAL: 0, ST_NOT_ASSESSED: 0, ST_PROVIDER: 0}
        for r in self.rows:
            out[r.status] += 1
        return out

    def status_of(self, rid: str) -> str:
        for r in self.rows:
            if r.requirement.id == rid:
                return r.status
        raise KeyError(rid)


def _reason(result, *keywords: str, default: str) -> str:
    for na in result.not_assessed:
        if any(k in na.item for k in keywords):
            return na.reason
    return default


def explanation_state(result, part: str | None = None) -> tuple[str, str]:
    """(state, detail) of the explanations or one part of them: by_group, local."""
    ex = result.explanations
    if ex is None:
        return NOT_ASSESSED, _reason(result, "explanation", default="No explanations are in the audit result.")
    if ex.status not in ("complete", "partial"):
        return NOT_ASSESSED, ex.reason or f"explanations {ex.status}"
    if part is None:
        return PRESENT, f"{ex.explainer} explanations ({ex.status})"
    if not getattr(ex, part, None):
        return NOT_ASSESSED, f"the explanations hold no {'local examples' if part == 'local' else 'per-group figures'}"
    return PRESENT, "local examples" if part == "local" else "importance by group"


def _ok(detail: str) -> tuple[str, str]:
    return PRESENT, detail


def _result_fields() -> dict[str, Callable]:
    def model_or(what: str):
        def f(r, t):
            if r.model is None:
                return NOT_ASSESSED, f"Predictions-only audit ({r.decision_source}): no model file, so no {what}."
            return _ok(what)
        return f

    def scores(r, t):
        if "auc" in r.overall.metrics and r.overall.metrics["auc"].value is not None:
            return _ok("AUC, Brier score, calibration")
        return NOT_ASSESSED, _reason(r, "auc", "calibration", default="No scores were available.")

    def intersections(r, t):
        if any(len(lv.level) > 1 for lv in r.levels):
            return _ok("intersectional groups")
        if len(r.spec.sensitive) < 2:
            return NOT_ASSESSED, "Only one sensitive feature was audited, so there are no intersections."
        return NOT_ASSESSED, f"Intersections were not audited (maximum intersection order {r.spec.max_intersection_order})."

    def nonempty(attr: str, what: str, why: str):
        def f(r, t):
            return _ok(what) if getattr(r, attr) else (NOT_ASSESSED, why)
        return f

    return {
        "provenance": lambda r, t: _ok("run time, user, host, versions"),
        "provenance.libraries": lambda r, t: _ok("library versions"),
        "provenance.hardware": lambda r, t: _ok("platform of the audit run"),
        "provenance.network": lambda r, t: _ok("network use recorded"),
        "result.sha256": lambda r, t: _ok("result hash"),
        "data.sha256": lambda r, t: _ok("dataset hash"),
        "data.datasheet": lambda r, t: _ok("datasheet"),
        "model.sha256": model_or("model hash"),
        "model.description": model_or("model description"),
        "model.loading": model_or("model loading record"),
        "spec.policy": lambda r, t: _ok("declared policy and thresholds"),
        "spec.decision_rule": lambda r, t: _ok("decision rule"),
        "spec.sensitive": lambda r, t: _ok("sensitive attributes"),
        "overall.metrics": lambda r, t: _ok("overall metrics with intervals"),
        "overall.scores": scores,
        "groups": nonempty("groups", "per-group metrics", "No groups were formed."),
        "groups.intersections": intersections,
        "groups.base_rates": nonempty("groups", "base rates per group", "No groups were formed."),
        "disparities": nonempty("disparities", "differences and ratios", "No group had a comparator."),
        "verdicts": nonempty("verdicts", "verdicts", "No check of the policy applied to these groups."),
        "quality.missing": lambda r, t: _ok("missingness per group"),
        "quality.proxies": lambda r, t: _ok("proxy screening"),
        "explanations": lambda r, t: explanation_state(r),
        "explanations.by_group": lambda r, t: explanation_state(r, "by_group"),
        "explanations.local": lambda r, t: explanation_state(r, "local"),
        "limitations": lambda r, t: _ok("limitations and not-assessed items"),
        "risks": lambda r, t: _ok("risk register"),
    }


_NO_TRAIL = "Exported without a workspace, so there is no audit trail to bind to."


def _trail_fields() -> dict[str, Callable]:
    def need(f):
        return lambda r, t: (NOT_ASSESSED, _NO_TRAIL) if t is None else f(r, t)

    return {
        "trail.head": need(lambda r, t: _ok("trail head hash")),
        "trail.verified": need(lambda r, t: _ok(t.verification) if t.verified is not None
                               else (NOT_ASSESSED, "The trail was not verified at export.")),
        "trail.events": need(lambda r, t: _ok("trail events") if t.events else (NOT_ASSESSED, "The trail holds no events for this run.")),
        "trail.lineage": need(lambda r, t: _ok("lineage") if t.lineage else
                              (PROVIDER, "Register the dataset and model in the workspace (attest register ...).")),
        "trail.training": need(lambda r, t: _ok("training record") if t.has_training else
                               (PROVIDER, "Record who trained the model on which data (attest register training).")),
        "trail.signoff": need(lambda r, t: _ok("sign-off") if t.signoffs else
                              (PROVIDER, "Reviewer and approver sign-off (recorded in the workspace).")),
    }


_RESULT, _TRAIL = _result_fields(), _trail_fields()


def context_value(result, name: str) -> tuple[str, str] | None:
    """(field, text) of the first filled declared-context field among `a|b`, or None."""
    ctx = result.spec.context
    for f in name.split("|"):
        value = getattr(ctx, f, None)
        if isinstance(value, str) and value.strip():
            return f, value.strip()
    return None


def provider_label(catalogue: Catalogue, name: str) -> str:
    labels = catalogue.texts["provider_inputs"]
    return " or ".join(labels.get(f, f.replace("_", " ")) for f in name.split("|"))


def known_name(name: str) -> bool:
    return name in _RESULT or name in _TRAIL or name.startswith("context.")


def resolve(name: str, result, trail: TrailSnapshot | None, catalogue: Catalogue) -> Evidence:
    if name in _RESULT:
        state, detail = _RESULT[name](result, trail)
    elif name in _TRAIL:
        state, detail = _TRAIL[name](result, trail)
    elif name.startswith("context."):
        found = context_value(result, name.removeprefix("context."))
        label = provider_label(catalogue, name.removeprefix("context."))
        state, detail = (PRESENT, f"declared: {label}") if found else (PROVIDER, label)
    else:
        raise KeyError(f"unknown evidence name {name!r}")
    return Evidence(name=name, state=state, detail=detail)


def status_of(evidence: tuple[Evidence, ...]) -> str:
    states = [e.state for e in evidence]
    if all(s == PRESENT for s in states):
        return EVIDENCED
    if PRESENT in states:
        return PARTIAL
    return ST_PROVIDER if PROVIDER in states else ST_NOT_ASSESSED


def assess(result, trail: TrailSnapshot | None, catalogue: Catalogue) -> Coverage:
    rows = []
    for req in catalogue.requirements:
        ev = tuple(resolve(n, result, trail, catalogue) for n in req.evidence)
        rows.append(CoverageRow(requirement=req, status=status_of(ev), evidence=ev))
    return Coverage(rows=tuple(rows))
