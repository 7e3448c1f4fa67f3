"""The set-up page <-> `audit.draft.AuditDraft`: the draft the page declares, and the page filled from a draft (a saved
workspace draft or a recorded run's spec). Each part of the page applies its own share of a draft (`apply_draft`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from audit.draft import AuditDraft
    from gui.views.setup import SetupView


def draft_of(setup: SetupView) -> AuditDraft:
    """The page's set-up as an `AuditDraft` (references of unticked features are kept: they return when re-ticked)."""
    from audit.draft import AuditDraft
    from audit.explain.settings import ExplainSettings
    from audit.policy import Check, Policy
    from audit.spec import DeclaredContext

    r = setup.build_request()
    policy_req = r["policy"]
    policy_value = None
    if not policy_req.get("preset"):
        policy_value = Policy(
            name="custom",
            description="Thresholds declared in the Attest set-up page.",
            checks=tuple(Check(**c) for c in policy_req["checks"]),
            decision=policy_req.get("decision", "interval"),
            source="gui",
        )
    return AuditDraft(
        data_path=r["data_path"] or "",
        source="model" if r["model_path"] is not None else "predictions",
        model_path=setup.model_field.path() or "",
        predictions_column=r["predictions_column"] or "",
        scores_column=r["scores_column"] or "",
        threshold=r["threshold"],
        target=r["target"] or "",
        positive_label=r["positive_label"] or "",
        sensitive=tuple(r["sensitive"]),
        references=dict(setup.references),
        intersection_reference=r["intersection_reference"],
        max_intersection_order=r["max_intersection_order"],
        na_values=tuple(r["na_values"]),
        engine=r["engine"],
        policy=policy_req.get("preset") or "custom",
        policy_value=policy_value,
        min_group_size=r["min_group_size"],
        ci_level=r["ci_level"],
        bootstrap=r["bootstrap"],
        seed=r["seed"],
        explain=ExplainSettings(**r["explain"]),
        context=DeclaredContext(**r["context"]),
    )


def apply_draft(setup: SetupView, draft: AuditDraft) -> list[str]:
    """Fill the page from `draft`. Column choices wait for the dataset's preview (they are applied when it loads).
    Returns what could not be shown on this page (e.g. a policy file's checks), so the caller can say so."""
    notes = []
    setup.groups.apply_draft(draft)
    setup.set_context_values(draft.context.model_dump())
    setup.inputs.apply_draft(draft)
    # Consent is never carried over: the app asks again when it loads the model
    if draft.trust_pickle:
        notes.append("the recorded run trusted a pickle file; the app asks again before loading it")
    if draft.trusted_types:
        notes.append(f"the recorded run trusted {len(draft.trusted_types)} type(s) in the model; the app asks again")
    if draft.sheet:
        notes.append(f"the recorded run read sheet {draft.sheet!r}; the app reads the workbook's first sheet")
    setup.stats.apply_draft(draft)
    notes += setup.policy.apply_policy(draft.policy, draft.policy_value)
    setup.apply_values(
        {
            "target": draft.target,
            "positive_label": draft.positive_label or None,
            "sensitive": list(draft.sensitive),
            "references": dict(draft.references),
        }
    )
    if draft.data_path:
        setup.set_data_path(draft.data_path)
    return notes
