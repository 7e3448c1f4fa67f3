"""The set-up page <-> `audit.draft.AuditDraft`: the draft the page declares, and the page filled from a draft (a saved
workspace draft or a recorded run's spec). Kept out of the view so the view stays about widgets."""

from __future__ import annotations

from typing import Any

# custom-policy check id -> the set-up page's threshold row (see SetupView._policy_box)
_CUSTOM_ROWS = {
    "four_fifths": "four_fifths",
    "equal_opportunity_tpr": "tpr",
    "equalized_odds_fpr": "fpr",
    "demographic_parity": "dp",
}


def draft_of(setup) -> Any:
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


def apply_draft(setup, draft) -> list[str]:
    """Fill the page from `draft`. Column choices wait for the dataset's preview (they are applied when it loads).
    Returns what could not be shown on this page (e.g. a policy file's checks), so the caller can say so."""
    notes = []
    setup.references = dict(draft.references)
    setup.set_context_values(draft.context.model_dump())
    setup.source_model.setChecked(draft.source == "model")
    setup.source_predictions.setChecked(draft.source == "predictions")
    if draft.model_path:
        setup.model_field.set_path(draft.model_path)
    idx = setup.intersection_combo.findData(draft.intersection_reference)
    setup.intersection_combo.setCurrentIndex(max(idx, 0))
    setup.set_max_order(draft.max_intersection_order)
    setup.na_edit.setText(",".join(draft.na_values))  # read with the dataset below, so the groups count as the audit's
    setup._na_applied = setup.na_values()
    from gui.views.setup_engine import set_engine

    set_engine(setup.engine_combo, draft.engine)
    # Consent is never carried over: the app asks again when it loads the model
    if draft.trust_pickle:
        notes.append("the recorded run trusted a pickle file; the app asks again before loading it")
    if draft.trusted_types:
        notes.append(f"the recorded run trusted {len(draft.trusted_types)} type(s) in the model; the app asks again")
    if draft.sheet:
        notes.append(f"the recorded run read sheet {draft.sheet!r}; the app reads the workbook's first sheet")
    setup.bootstrap_spin.setValue(draft.bootstrap)
    setup.seed_spin.setValue(draft.seed)
    setup.min_group_spin.setValue(draft.min_group_size)
    setup.ci_spin.setValue(draft.ci_level)
    setup.threshold_spin.setValue(draft.threshold if draft.threshold is not None else setup.threshold_spin.minimum())
    setup.explain_check.setChecked(draft.explain.enabled)
    setup.budget_spin.setValue(draft.explain.time_budget_s)
    if draft.policy_value is None and setup.policy_combo.findData(draft.policy) >= 0:
        setup.policy_combo.setCurrentIndex(setup.policy_combo.findData(draft.policy))
    elif draft.policy_value is not None:
        setup.policy_combo.setCurrentIndex(setup.policy_combo.findData("custom"))
        setup.decision_combo.setCurrentIndex(max(setup.decision_combo.findData(draft.policy_value.decision), 0))
        seen = set()
        for check in draft.policy_value.checks:
            row = _CUSTOM_ROWS.get(check.id)
            if row is None:
                notes.append(f"check {check.id} of the recorded policy has no row on this page")
                continue
            box, spin = setup.custom[row]
            box.setChecked(True)
            spin.setValue(check.min if row == "four_fifths" else (check.max if check.max is not None else 0.0))
            seen.add(row)
        for row, (box, _) in setup.custom.items():
            if row not in seen:
                box.setChecked(False)
    else:
        notes.append(f"the policy {draft.policy!r} is not a preset of this page")
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
