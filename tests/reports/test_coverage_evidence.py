"""Coverage follows the evidence: every mapped requirement is evidenced on a run that holds all its evidence, and drops
when any one piece is taken away (parametrised over the whole catalogue); Art. 27 applies by role and Annex III area."""

from __future__ import annotations

import pytest

from audit.result import AuditResult
from audit.spec import DeclaredContext
from reports.coverage import EVIDENCED, PRESENT, ST_NA, ST_PROVIDER, annex_iii_point, assess, fria_applies, resolve
from reports.frameworks import load_catalogue
from reports.snapshot import LineageStep, Signoff, TrailEvent, TrailSnapshot
from tests.reports.report_helpers import Exported

CAT = load_catalogue()
# Parts of every audit result: a run always records them, so there is nothing to take away.
ALWAYS = {
    "provenance",
    "provenance.libraries",
    "provenance.network",
    "result.sha256",
    "data.sha256",
    "data.datasheet",
    "spec.policy",
    "spec.decision_rule",
    "spec.sensitive",
    "quality.missing",
    "quality.proxies",
    "limitations",
}
CASES = [(req.id, name) for req in CAT.requirements for name in req.evidence]


def full_trail() -> TrailSnapshot:
    lineage = (
        LineageStep("dataset", "train", "Priya Raman", "2026-01-01T00:00:00Z", "a" * 64),
        LineageStep("training", "training run", "Priya Raman", "2026-01-02T00:00:00Z"),
        LineageStep("model", "model", "Priya Raman", "2026-01-02T00:00:00Z", "b" * 64),
    )
    return TrailSnapshot(
        workspace="w.attest",
        head_hash="c" * 64,
        event_count=3,
        verified=True,
        verification="intact",
        taken_at="2026-01-03T00:00:00Z",
        run_id="run-1",
        exported_by="Jordan Blake (auditor) [jb@h]",
        events=(
            TrailEvent(1, "2026-01-03T00:00:00Z", "audit_run", "Jordan Blake", "d" * 64, "audit", payload={"run_id": "run-1"}),
        ),
        lineage=lineage,
        signoffs=(Signoff("Ana Ruiz", "approver", "approve", "2026-01-04T00:00:00Z"),),
    )


@pytest.fixture(scope="module")
def full(demo_report: Exported) -> tuple[AuditResult, TrailSnapshot]:
    """The demo result (model, scores, intersections, local and per-group explanations) with every declared field
    filled and a deployer of an Annex III 5(b) system, and a trail with lineage, training and a sign-off."""
    r = demo_report.result
    values = {f: f"declared {f}" for f in DeclaredContext.model_fields}
    values.update(role="deployer", annex_iii_category="Annex III 5(b): creditworthiness", public_service="no")
    spec = r.spec.model_copy(update={"context": DeclaredContext(**values)})
    return r.model_copy(update={"spec": spec}), full_trail()


def _without(name: str, r, t):
    """The same run without the one piece of evidence `name`."""
    if name.startswith("context."):
        return r.model_copy(
            update={
                "spec": r.spec.model_copy(
                    update={
                        "context": r.spec.context.model_copy(update={f: "" for f in name.removeprefix("context.").split("|")})
                    }
                )
            }
        ), t
    if name.startswith("trail."):
        change = {
            "trail.head": None,
            "trail.events": {"events": ()},
            "trail.lineage": {"lineage": ()},
            "trail.training": {"lineage": tuple(s for s in t.lineage if s.kind != "training")},
            "trail.signoff": {"signoffs": ()},
            "trail.verified": {"verified": None},
        }[name]
        return r, (None if change is None else TrailSnapshot(**{**t.__dict__, **change}))
    if name.startswith("model."):
        if name == "model.libraries":
            return r.model_copy(update={"model": r.model.model_copy(update={"library_versions": {}})}), t
        return r.model_copy(update={"model": None}), t
    if name.startswith("explanations"):
        part = {"explanations": None, "explanations.local": "local", "explanations.by_group": "by_group"}[name]
        ex = None if part is None else r.explanations.model_copy(update={part: ()})
        return r.model_copy(update={"explanations": ex}), t
    if name == "overall.metrics":
        return r.model_copy(update={"overall": r.overall.model_copy(update={"metrics": {}})}), t
    if name == "overall.scores":
        m = {k: v for k, v in r.overall.metrics.items() if k != "auc"}
        return r.model_copy(update={"overall": r.overall.model_copy(update={"metrics": m})}), t
    if name == "groups.intersections":
        return r.model_copy(update={"levels": tuple(lv for lv in r.levels if len(lv.level) == 1)}), t
    if name == "groups.base_rates":
        gs = tuple(g.model_copy(update={"metrics": {k: v for k, v in g.metrics.items() if k != "base_rate"}}) for g in r.groups)
        return r.model_copy(update={"groups": gs}), t
    if name in ("verdicts", "risks"):
        return r.model_copy(update={"verdicts": ()}), t
    if name in ("groups", "disparities"):
        return r.model_copy(update={name: ()}), t
    raise AssertionError(f"no way to take away {name}: add one here")


def test_every_requirement_is_evidenced_when_the_run_holds_everything(full: tuple[AuditResult, TrailSnapshot]) -> None:
    r, t = full
    cov = assess(r, t, CAT)
    not_full = [(row.requirement.id, [e.detail for e in row.missing]) for row in cov.rows if row.status != EVIDENCED]
    assert not_full == []


@pytest.mark.parametrize("rid,name", CASES, ids=[f"{rid}-{name}" for rid, name in CASES])
def test_taking_away_one_piece_of_evidence_drops_the_status(full: tuple[AuditResult, TrailSnapshot], rid, name) -> None:
    r, t = full
    if name in ALWAYS:
        assert resolve(name, r, None, CAT).state == PRESENT  # part of every result: cannot be missing
        return
    r2, t2 = _without(name, r, t)
    assert resolve(name, r2, t2, CAT).state != PRESENT, name
    assert assess(r2, t2, CAT).status_of(rid) != EVIDENCED, (rid, name)


def test_the_audit_machine_never_evidences_the_systems_hardware(small_result: AuditResult) -> None:
    cov = assess(small_result, None, CAT)
    for rid in ("AIA:Art13(3)(e)", "AIA:AnnexIV:1(e)", "NIST:MEASURE-2.12"):
        assert cov.status_of(rid) == ST_PROVIDER, rid
    for req in CAT.requirements:
        assert not any("hardware" in n and not n.startswith("context.") for n in req.evidence), req.id


def test_issue_16_overclaims_are_gone_without_context(small_result: AuditResult) -> None:
    """On a run with no declared context, the provisions the assessor named are not 'evidenced'."""
    cov = assess(small_result, None, CAT)
    for rid in (
        "AIA:Art10(3)",
        "AIA:Art10(2)(e)",
        "AIA:Art10(2)(f)",
        "AIA:Art13(3)(b)(iii)",
        "AIA:Art9(2)",
        "AIA:Art9(6)",
        "AIA:Art18",
        "AIA:AnnexIV:3",
        "NIST:MAP-2.3",
        "NIST:MAP-3.2",
        "NIST:MAP-5.1",
        "NIST:MANAGE-1.2",
    ):
        assert cov.status_of(rid) != EVIDENCED, rid


def _with(r, **fields):
    return r.model_copy(update={"spec": r.spec.model_copy(update={"context": r.spec.context.model_copy(update=fields)})})


@pytest.mark.parametrize(
    "area,public,expected",
    [
        ("Annex III 5(b): creditworthiness of natural persons", "", True),
        ("Annex III point 5(c): life and health insurance pricing", "no", True),
        ("Annex III 2(a): critical infrastructure", "yes", False),  # point 2 is excluded even for public bodies
        ("Annex III 4(a): recruitment", "yes, a public employment service", True),
        ("Annex III 4(a): recruitment", "No", False),
        ("Annex III 4(a): recruitment", "", None),
        ("", "", None),
    ],
)
def test_fria_applies_by_annex_iii_point_and_deployer_kind(small_result: AuditResult, area, public, expected) -> None:
    r = _with(small_result, annex_iii_category=area, public_service=public)
    required, why = fria_applies(r)
    assert required is expected, why
    status = assess(r, None, CAT).status_of("AIA:Art27(1)(b)")
    if expected is False:
        assert status == ST_NA
    else:
        assert status == ST_PROVIDER  # the deployer's own elements are not declared here


def test_fria_elements_follow_their_declarations(small_result: AuditResult) -> None:
    r = _with(small_result, annex_iii_category="Annex III 5(b)", fria_period_frequency="Daily, for 3 years")
    cov = assess(r, None, CAT)
    assert cov.status_of("AIA:Art27(1)(b)") == EVIDENCED
    assert cov.status_of("AIA:Art27(1)(c)") != EVIDENCED  # the audit's groups alone do not describe the categories


def test_annex_iii_point_parsing() -> None:
    assert annex_iii_point("Annex III 5(b): creditworthiness") == ("5", "b")
    assert annex_iii_point("annex iii point 5 (c)") == ("5", "c")
    assert annex_iii_point("Annex III 4") == ("4", "")
    assert annex_iii_point("consumer credit scoring") == ("5", "b")
    assert annex_iii_point("fraud detection") is None
