"""The set-up page's parts each read and write their share of the audit draft on their own: what a part shows after
`apply_draft` (or `apply_policy`) is what it puts in the request, without the page or a dataset around it."""

from __future__ import annotations

from audit.draft import AuditDraft
from audit.explain.settings import ExplainSettings
from audit.policy import Check, Policy
from gui.views.setup_groups import GroupsPanel
from gui.views.setup_policy import PolicyEditor
from gui.views.setup_stats import StatsBox


def _policy_of(request: dict) -> Policy:
    """The request's custom policy as the draft records it (gui.draft_binding.draft_of)."""
    return Policy(
        name="custom",
        description="declared in the app",
        checks=tuple(Check(**c) for c in request["checks"]),
        decision=request["decision"],
        source="gui",
    )


def test_policy_editor_round_trips_custom_thresholds(qtbot):
    editor = PolicyEditor()
    qtbot.addWidget(editor)
    editor.select("custom")
    editor.custom["four_fifths"][1].setValue(0.85)
    editor.custom["tpr"][0].setChecked(False)
    editor.custom["dp"][0].setChecked(True)
    editor.custom["dp"][1].setValue(0.05)
    editor.decision_combo.setCurrentIndex(editor.decision_combo.findData("point"))
    request = editor.request()
    assert [c["id"] for c in request["checks"]] == ["four_fifths", "demographic_parity"]
    assert request["checks"][0]["min"] == 0.85 and request["checks"][1]["min"] == -0.05 and request["checks"][1]["max"] == 0.05
    assert request["decision"] == "point"

    fresh = PolicyEditor()
    qtbot.addWidget(fresh)
    assert fresh.request() == {"preset": "four_fifths"}  # the page's default
    assert fresh.apply_policy("custom", _policy_of(request)) == []
    assert fresh.request() == request
    assert not fresh.custom["tpr"][0].isChecked() and fresh.custom_box.isVisibleTo(fresh)


def test_policy_editor_presets_and_what_it_cannot_show(qtbot):
    editor = PolicyEditor()
    qtbot.addWidget(editor)
    assert editor.apply_policy("equalized_odds", None) == []
    assert editor.request() == {"preset": "equalized_odds"} and "TPR and FPR" in editor.policy_help.text()
    notes = editor.apply_policy("policies/bank.toml", None)
    assert notes == ["the policy 'policies/bank.toml' is not a preset of this page"]
    odd = Policy(
        name="x", checks=(Check(id="precision_gap", metric="precision", compare="difference", min=-0.1, max=0.1),), source="file"
    )
    assert editor.apply_policy("x", odd) == ["check precision_gap of the recorded policy has no row on this page"]
    assert editor.request()["checks"] == []  # no row of the page is ticked for it


def test_statistics_box_round_trips_and_follows_the_decision_source(qtbot):
    box = StatsBox()
    qtbot.addWidget(box)
    draft = AuditDraft(
        bootstrap=300,
        seed=7,
        min_group_size=50,
        ci_level=0.9,
        threshold=0.4,
        explain=ExplainSettings(time_budget_s=12),
        engine="duckdb",
    )
    box.apply_draft(draft)
    assert box.request() == dict(
        threshold=0.4,
        min_group_size=50,
        ci_level=0.9,
        bootstrap=300,
        seed=7,
        engine="duckdb",
        explain={"enabled": True, "time_budget_s": 12.0},
    )
    box.follow_source(False)  # decisions from a column: no threshold on scores, nothing to explain
    r = box.request()
    assert r["threshold"] is None and r["explain"]["enabled"] is False and not box.explain_check.isEnabled()
    box.explain_check.setChecked(True)  # e.g. a restored draft ticks it: it goes off again
    assert not box.explain_check.isChecked()
    box.follow_source(True)  # a model file again: the explanations come back as the user left them
    assert box.request()["explain"]["enabled"] is True and box.request()["threshold"] == 0.4
    box.apply_draft(draft.with_(threshold=None))
    assert box.request()["threshold"] is None  # the model's own rule


def test_groups_panel_keeps_a_drafts_choices_before_any_data(qtbot):
    panel = GroupsPanel()
    qtbot.addWidget(panel)
    draft = AuditDraft(
        references={"race": "White"}, intersection_reference="largest", max_intersection_order=7, na_values=("NA", "?")
    )
    panel.apply_draft(draft)
    r = panel.request()
    assert r["sensitive"] == () and r["references"] == {}  # nothing ticked yet: no data
    assert panel.references == {"race": "White"}  # kept for when the feature is ticked
    assert r["intersection_reference"] == "largest" and r["na_values"] == ("NA", "?")
    assert r["max_intersection_order"] == 7  # an order above the list's is added, never dropped
    assert "7 features" in panel.order_combo.currentText()
