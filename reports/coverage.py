"""Which requirement is evidenced where: resolves each requirement's evidence names (see `resources/frameworks/*.toml`)
against the audit result, the trail snapshot and the declared context.

Evidence names:
  result     provenance, provenance.libraries (the audit tool's), provenance.network, result.sha256, data.sha256,
             data.datasheet, model.sha256, model.description, model.loading, model.libraries (recorded in the model
             file), spec.policy, spec.decision_rule,
             spec.sensitive, overall.metrics, overall.scores, groups, groups.intersections, groups.base_rates,
             disparities, verdicts, quality.missing, quality.proxies, explanations, explanations.by_group,
             explanations.local, limitations, risks
  trail      trail.head, trail.verified, trail.events, trail.lineage, trail.training, trail.signoff
  context    context.<field> (a|b: either field) — filled from the audit's declared context when the field exists and is
             not empty; otherwise "needs provider input"

A requirement is "evidenced" when all its evidence is present, "partial" when some is, "needs provider input" when none
is and something awaits the provider, "not assessed" when none is and the audit could not produce it, "not applicable"
when its condition (`applies_when`) does not hold for the declared role and area. Each name is resolved from what this
result, trail and context hold, never from the section that prints it. There is deliberately no name for the audit
machine's hardware: it says nothing about the hardware the AI system needs (Art. 13(3)(e), Annex IV 1(e)).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reports.frameworks import Catalogue, Requirement
from reports.snapshot import TrailSnapshot

if TYPE_CHECKING:
    from audit.result import AuditResult

PRESENT, NOT_ASSESSED, PROVIDER = "present", "not_assessed", "provider"
EVIDENCED, PARTIAL, ST_NOT_ASSESSED, ST_PROVIDER = "evidenced", "partial", "not assessed", "needs provider input"
ST_NA = "not applicable"
STATUS_MARK = {
    EVIDENCED: "✓ evidenced",
    PARTIAL: "◐ partial",
    ST_NOT_ASSESSED: "○ not assessed",
    ST_PROVIDER: "✎ needs provider input",
    ST_NA: "– not applicable",
}
# Declared-context fields that decide whether a conditional requirement applies (shown with them in the set-up page).
CONDITION_FIELDS = {"fria": ("role", "annex_iii_category", "public_service")}


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
        out = {EVIDENCED: 0, PARTIAL: 0, ST_NOT_ASSESSED: 0, ST_PROVIDER: 0, ST_NA: 0}
        for r in self.rows:
            out[r.status] += 1
        return out

    def status_of(self, rid: str) -> str:
        for r in self.rows:
            if r.requirement.id == rid:
                return r.status
        raise KeyError(rid)


def _reason(result: AuditResult, *keywords: str, default: str) -> str:
    for na in result.not_assessed:
        if any(k in na.item for k in keywords):
            return na.reason
    return default


def explanation_state(result: AuditResult, part: str | None = None) -> tuple[str, str]:
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


# A field's check: (state, detail) from the result and the trail snapshot (None without a workspace); a trail
# field's check is only asked when there is a trail.
State = tuple[str, str]
FieldCheck = Callable[["AuditResult", TrailSnapshot | None], State]
TrailCheck = Callable[["AuditResult", TrailSnapshot], State]


def _ok(detail: str) -> State:
    return PRESENT, detail


def _result_fields() -> dict[str, FieldCheck]:
    def model_or(what: str) -> FieldCheck:
        def f(r: AuditResult, t: TrailSnapshot | None) -> State:
            if r.model is None:
                return NOT_ASSESSED, f"Predictions-only audit ({r.decision_source}): no model file, so no {what}."
            return _ok(what)

        return f

    def scores(r: AuditResult, t: TrailSnapshot | None) -> State:
        if "auc" in r.overall.metrics and r.overall.metrics["auc"].value is not None:
            return _ok("AUC, Brier score, calibration")
        return NOT_ASSESSED, _reason(r, "auc", "calibration", default="No scores were available.")

    def intersections(r: AuditResult, t: TrailSnapshot | None) -> State:
        if any(len(lv.level) > 1 for lv in r.levels):
            return _ok("intersectional groups")
        if len(r.spec.sensitive) < 2:
            return NOT_ASSESSED, "Only one sensitive feature was audited, so there are no intersections."
        return NOT_ASSESSED, f"Intersections were not audited (maximum intersection order {r.spec.max_intersection_order})."

    def nonempty(attr: str, what: str, why: str) -> FieldCheck:
        def f(r: AuditResult, t: TrailSnapshot | None) -> State:
            return _ok(what) if getattr(r, attr) else (NOT_ASSESSED, why)

        return f

    def overall(r: AuditResult, t: TrailSnapshot | None) -> State:
        acc = r.overall.metrics.get("accuracy")
        if r.overall.n and acc is not None and acc.value is not None:
            return _ok("overall metrics with intervals")
        return NOT_ASSESSED, "No row could be evaluated, so there are no overall metrics."

    def base_rates(r: AuditResult, t: TrailSnapshot | None) -> State:
        if any(g.metrics.get("base_rate") is not None and g.metrics["base_rate"].value is not None for g in r.groups):
            return _ok("base rates per group")
        return NOT_ASSESSED, "No group has a base rate (no groups, or no outcomes)."

    def risks(r: AuditResult, t: TrailSnapshot | None) -> State:
        if r.verdicts:
            return _ok("risk register from the verdicts")
        return NOT_ASSESSED, "No check of the policy applied, so the audit identified no risks to register."

    def model_libraries(r: AuditResult, t: TrailSnapshot | None) -> State:
        if r.model is None:
            return NOT_ASSESSED, f"Predictions-only audit ({r.decision_source}): no model file, so no record of its software."
        if not r.model.library_versions:
            return NOT_ASSESSED, "The model file records no library versions."
        return _ok("libraries recorded in the model file")

    return {
        "provenance": lambda r, t: _ok("run time, user, host, versions"),
        "provenance.libraries": lambda r, t: _ok("versions of the audit's own libraries"),
        "provenance.network": lambda r, t: _ok("network use recorded"),
        "result.sha256": lambda r, t: _ok("result hash"),
        "data.sha256": lambda r, t: _ok("dataset hash"),
        "data.datasheet": lambda r, t: _ok("datasheet"),
        "model.sha256": model_or("model hash"),
        "model.description": model_or("model description"),
        "model.loading": model_or("model loading record"),
        "model.libraries": model_libraries,
        "spec.policy": lambda r, t: _ok("declared policy and thresholds"),
        "spec.decision_rule": lambda r, t: _ok("decision rule"),
        "spec.sensitive": lambda r, t: _ok("sensitive attributes"),
        "overall.metrics": overall,
        "overall.scores": scores,
        "groups": nonempty("groups", "per-group metrics", "No groups were formed."),
        "groups.intersections": intersections,
        "groups.base_rates": base_rates,
        "disparities": nonempty("disparities", "differences and ratios", "No group had a comparator."),
        "verdicts": nonempty("verdicts", "verdicts", "No check of the policy applied to these groups."),
        "quality.missing": lambda r, t: _ok("missingness per group"),
        "quality.proxies": lambda r, t: _ok("proxy screening"),
        "explanations": lambda r, t: explanation_state(r),
        "explanations.by_group": lambda r, t: explanation_state(r, "by_group"),
        "explanations.local": lambda r, t: explanation_state(r, "local"),
        "limitations": lambda r, t: _ok("limitations and not-assessed items"),
        "risks": risks,
    }


_NO_TRAIL = "Exported without a workspace, so there is no audit trail to bind to."


def _trail_fields() -> dict[str, FieldCheck]:
    def need(f: TrailCheck) -> FieldCheck:
        return lambda r, t: (NOT_ASSESSED, _NO_TRAIL) if t is None else f(r, t)

    return {
        "trail.head": need(lambda r, t: _ok("trail head hash")),
        "trail.verified": need(
            lambda r, t: (
                _ok(t.verification) if t.verified is not None else (NOT_ASSESSED, "The trail was not verified at export.")
            )
        ),
        "trail.events": need(
            lambda r, t: _ok("trail events") if t.events else (NOT_ASSESSED, "The trail holds no events for this run.")
        ),
        "trail.lineage": need(
            lambda r, t: (
                _ok("lineage")
                if t.lineage
                else (PROVIDER, "Register the dataset and model in the workspace (attest register ...).")
            )
        ),
        "trail.training": need(
            lambda r, t: (
                _ok("training record")
                if t.has_training
                else (PROVIDER, "Record who trained the model on which data (attest register training).")
            )
        ),
        "trail.signoff": need(
            lambda r, t: (
                _ok("sign-off") if t.signoffs else (PROVIDER, "Reviewer and approver sign-off (recorded in the workspace).")
            )
        ),
    }


_RESULT, _TRAIL = _result_fields(), _trail_fields()


def context_value(result: AuditResult, name: str) -> tuple[str, str] | None:
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


def resolve(name: str, result: AuditResult, trail: TrailSnapshot | None, catalogue: Catalogue) -> Evidence:
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


_ANNEX_III = re.compile(r"annex\s*iii\W*(?:point\s*)?([1-8])(?:\s*\(?\s*([a-h])\s*\)|(?<=\d)([a-h])\b)?", re.I)


def annex_iii_point(text: str) -> tuple[str, str] | None:
    """('5', 'b') from a declared area such as "Annex III 5(b): creditworthiness ..."; None when no point is named."""
    m = _ANNEX_III.search(text or "")
    if m:
        return m.group(1), (m.group(2) or m.group(3) or "").lower()
    low = (text or "").lower()
    if "creditworth" in low or "credit scor" in low:
        return "5", "b"
    if ("life" in low or "health" in low) and "insurance" in low:
        return "5", "c"
    return None


def _yes_no(text: str) -> bool | None:
    first = (text or "").strip().lower()[:4]
    return (
        True if first.startswith(("yes", "y ", "y.", "true")) else False if first.startswith(("no", "n ", "n.", "fals")) else None
    )


def fria_applies(result: AuditResult, catalogue: Catalogue | None = None) -> tuple[bool | None, str]:
    """Does Art. 27(1) require a fundamental-rights impact assessment for this system's deployers? (True, why),
    (False, why), or (None, what must be declared to tell)."""
    ctx = result.spec.context
    point = annex_iii_point(ctx.annex_iii_category)
    if point is None:
        if ctx.high_risk_reasoning.strip() and not ctx.annex_iii_category.strip():
            return (
                False,
                "No Annex III area is declared and the provider documents why the system is not high-risk (Art. 6(3)-(4)); "
                "Art. 27 covers Art. 6(2) high-risk systems.",
            )
        return None, 'Declare the Annex III area (point and letter, e.g. "Annex III 5(b)") to tell whether Art. 27 applies.'
    label = f"Annex III {point[0]}" + (f"({point[1]})" if point[1] else "")
    if point[0] == "2":
        return False, f"{label}: Art. 27(1) excludes systems for critical infrastructure (Annex III point 2)."
    if point[0] == "5" and point[1] in ("b", "c"):
        return (
            True,
            f"{label}: Art. 27(1) requires every deployer of such a system to assess its impact on fundamental rights before "
            "first use.",
        )
    public = _yes_no(ctx.public_service)
    if public is True:
        return (
            True,
            f"{label}, and the deployer is a body governed by public law or a private entity providing public services "
            "(declared).",
        )
    if public is False:
        return (
            False,
            f"{label}: not point 5(b) or 5(c), and the deployer is declared not to be a public body or a provider of public "
            "services.",
        )
    return None, (
        f"{label}: Art. 27 applies if the deployer is a body governed by public law or a private entity providing "
        "public services; declare which (public_service: yes or no)."
    )


def status_of(evidence: tuple[Evidence, ...]) -> str:
    states = [e.state for e in evidence]
    if all(s == PRESENT for s in states):
        return EVIDENCED
    if PRESENT in states:
        return PARTIAL
    return ST_PROVIDER if PROVIDER in states else ST_NOT_ASSESSED


def assess(result: AuditResult, trail: TrailSnapshot | None, catalogue: Catalogue) -> Coverage:
    rows = []
    fria = fria_applies(result)
    for req in catalogue.requirements:
        ev = tuple(resolve(n, result, trail, catalogue) for n in req.evidence)
        status = status_of(ev)
        if req.applies_when == "fria" and fria[0] is not True:
            if fria[0] is False:
                status, ev = ST_NA, (Evidence(name="applies_when.fria", state=PRESENT, detail=fria[1]),)
            else:
                ev = (*ev, Evidence(name="applies_when.fria", state=PROVIDER, detail=fria[1]))
                status = status_of(ev)
        rows.append(CoverageRow(requirement=req, status=status, evidence=ev))
    return Coverage(rows=tuple(rows))
