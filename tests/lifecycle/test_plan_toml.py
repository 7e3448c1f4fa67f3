"""The monitoring plan edited in the app is saved as TOML and read back as the same plan."""

from __future__ import annotations

from audit.lifecycle.plan import DriftPlan, MonitorPlan, load_monitor_plan, plan_to_toml, save_plan


def _same(a: MonitorPlan, b: MonitorPlan) -> bool:
    strip = {"source": "x"}
    return a.model_copy(update={**strip, "drift": a.drift.model_copy(update=strip)}) == b.model_copy(
        update={**strip, "drift": b.drift.model_copy(update=strip)}
    )


def test_defaults_round_trip(tmp_path):
    path = save_plan(MonitorPlan(), tmp_path / "plan.toml")
    back = load_monitor_plan(path)
    assert _same(back, MonitorPlan()) and back.source == str(path)


def test_an_edited_plan_round_trips(tmp_path):
    plan = MonitorPlan(
        checks=("selection_ratio", "group_drift"),
        selection_ratio=0.85,
        min_window=250,
        ci_level=0.99,
        drift=DriftPlan(wasserstein_normed=0.3, psi=0.2, min_sample=150, bins=12),
    )
    back = load_monitor_plan(save_plan(plan, tmp_path / "edited.toml"))
    assert _same(back, plan)
    assert back.checks == ("selection_ratio", "group_drift") and back.drift.bins == 12 and back.ci_level == 0.99
    assert "[monitor]" in plan_to_toml(plan) and "[drift]" in plan_to_toml(plan)
