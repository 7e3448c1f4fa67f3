"""One overall progress bar: 0 -> 100 % once over a whole audit (never restarting per stage), with a time estimate."""

from __future__ import annotations

import itertools


def test_bar_is_monotone_over_a_real_audit_and_shows_an_estimate(qtbot, demo_files):
    from audit import demo
    from audit.explain.settings import ExplainSettings
    from audit.policy import resolve_policy
    from audit.run import run_audit
    from audit.spec import AuditSpec
    from gui.status import StatusPanel, audit_plan

    ticks = itertools.count()
    # A clock that moves half a second per reading: the estimate's arithmetic, not the machine's load, decides what shows.
    panel = StatusPanel(clock=lambda: 0.5 * next(ticks))
    qtbot.addWidget(panel)
    panel.set_busy(True, audit_plan(3.0))
    values, labels, raw = [], [], []

    def progress(step, done, total, message):
        raw.append(done / total if total else 0.0)
        panel.on_progress(step, done, total, message)
        panel._on_timer()
        values.append(panel.bar.value())
        labels.append(panel.label.text())

    spec = AuditSpec(
        data_path=str(demo_files.data),
        model_path=str(demo_files.model),
        target=demo.TARGET,
        positive_label="1",
        sensitive=demo.SENSITIVE,
        policy=resolve_policy(demo.POLICY),
        bootstrap=1000,
        seed=1,
        explain=ExplainSettings(time_budget_s=3.0),
    )
    run_audit(spec, progress=progress)
    assert any(b < a for a, b in itertools.pairwise(raw))  # the raw per-stage fractions do restart...
    assert all(b >= a for a, b in itertools.pairwise(values)), values  # ...the overall bar does not
    assert values[0] == 0 and values[-1] >= 900 and len(set(values)) >= 6
    assert any("left" in t for t in labels), labels
    assert any(t.startswith("Explaining:") for t in labels)
