"""The monitoring report (`attest monitor --pdf`): evidence for a post-market monitoring plan (EU AI Act Art. 72):
the plan, the windows, the alerts, and the actions to record. Bound by hashes to the log, the reference and the
stored monitoring result. Built with the audit report's styles and tables (reports/layout.py); the charts are the
app's Monitoring page's (reports/charts/timeseries.py)."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Table

from audit.lifecycle.monitor_types import MonitorResult
from audit.lifecycle.plan import MonitorPlan
from audit.result import Estimate
from reports import format as F
from reports.fonts import register_fonts
from reports.layout import TEXT_WIDTH, Picture, cell, p, spacer, styles, table
from reports.short_pdf import short_pdf

_STATUS = {"pass": "pass", "alert": "ALERT", "insufficient_evidence": "insufficient"}
_FLAG = {"pass": "pass", "alert": "fail", "insufficient_evidence": "insufficient_evidence"}
MAX_ALERTS = 60


def _r(e: Estimate | None) -> str:
    return F.DASH if e is None or e.value is None else f"{e.value:.3f}"


def _plan_table(plan: MonitorPlan) -> Table:
    rows: list[list[object]] = [[cell("Setting", True), cell("Value", True)], ["Checks", ", ".join(plan.checks)]]
    for k in (
        "selection_rate_change",
        "selection_ratio",
        "accuracy_drop",
        "tpr_drop",
        "min_window",
        "min_group",
        "calibration_gap",
        "ci_level",
    ):
        rows.append([k, f"{getattr(plan, k):g}"])
    d = plan.drift
    rows.append(
        [
            "drift",
            f"W/sd {d.wasserstein_normed:g}, PSI {d.psi:g}, JS {d.js:g}, decision rate "
            f"{d.decision_rate_change:g}, min sample {d.min_sample}",
        ]
    )
    rows.append(["Source", plan.source])
    return table(rows, [45 * mm, TEXT_WIDTH - 45 * mm], zebra=False)


def _windows_table(r: MonitorResult) -> Table:
    rows: list[list[object]] = [["Window from", "Rows", "Outcomes", "Selection", "Accuracy", "Est. accuracy", "Status"]]
    flags: dict[tuple[int, int], str] = {}
    for i, w in enumerate(r.windows, start=1):
        acc = _r(w.performance.accuracy) if w.performance else F.DASH
        est = _r(w.estimated.accuracy) if w.estimated else F.DASH
        rows.append(
            [
                w.start[:19].replace("T", " "),
                f"{w.n:,}",
                f"{w.n_with_outcome:,}",
                _r(w.selection_rate),
                acc,
                est,
                _STATUS[w.status],
            ]
        )
        flags[(6, i)] = _FLAG[w.status]
    return table(rows, [38 * mm, 18 * mm, 20 * mm, 20 * mm, 20 * mm, 24 * mm, TEXT_WIDTH - 140 * mm], flags=flags)


def _charts(r: MonitorResult) -> list[Flowable]:
    from reports.charts.style import to_image
    from reports.charts.timeseries import monitoring_figures

    out: list[Flowable] = []
    for _, fig in monitoring_figures(r):
        w_in, h_in = fig.get_size_inches()
        out.append(Picture(to_image(fig), TEXT_WIDTH, TEXT_WIDTH * h_in / w_in))
        out.append(spacer(2))
    return out


def _story(r: MonitorResult, result_sha256: str, workspace_head: str | None) -> list[Flowable]:
    s = styles()
    ref = r.reference
    story: list[Flowable] = [
        p("Post-market monitoring", s.title),
        p(f"{r.log.name}, windows of {r.window}, against {ref.run_id or ref.file.name}", s.subtitle),
        p("Summary", s.h1),
    ]
    story += [p(line) for line in r.summary]
    story += [p(n, s.note) for n in r.notes]
    story += [
        p("The monitoring plan", s.h1),
        _plan_table(r.plan),
        p("Windows", s.h1),
        _windows_table(r),
        p(
            "Est. accuracy is a confidence-based estimate from the scores, not a measurement: "
            + (r.calibration.statement if r.calibration else "no scores were given, so nothing is estimated."),
            s.small,
        ),
    ]
    story += _charts(r)
    story.append(p("Alerts", s.h1))
    if r.alerts:
        story += [p(a, s.small) for a in r.alerts[:MAX_ALERTS]]
        if len(r.alerts) > MAX_ALERTS:
            story.append(p(f"... {len(r.alerts) - MAX_ALERTS} more in the stored result.", s.small))
    else:
        story.append(p("None."))
    story += [
        p("Actions taken", s.h1),
        p(
            "Record the response to each alert in the trail (`attest trail note`, or a re-audit and `attest "
            "compare`); this report shows the evidence, not the decision.",
            s.small,
        ),
    ]
    story.append(p("Methods and binding", s.h1))
    story += [p(f"{k.replace('_', ' ')}: {v}.", s.small) for k, v in r.methods.items()]
    story.append(spacer(2))
    story.append(p(f"Monitoring result SHA-256 {result_sha256}", s.mono))
    story.append(p(f"Log {r.log.name} SHA-256 {r.log.sha256}", s.mono))
    story.append(p(f"Reference {ref.file.name} SHA-256 {ref.file.sha256}", s.mono))
    if ref.result_sha256:
        story.append(p(f"Reference run {ref.run_id}, result {ref.result_sha256}", s.mono))
    if workspace_head:
        story.append(p(f"Trail head when rendered: {workspace_head}", s.mono))
    story.append(
        p(
            "The result is stored in the trail with a monitoring_run event carrying its SHA-256; `attest trail "
            "verify` checks both.",
            s.note,
        )
    )
    return story


def monitoring_pdf(result: MonitorResult, result_sha256: str, *, workspace_head: str | None = None) -> bytes:
    """The PDF as bytes (the caller stages and records it)."""
    register_fonts()  # the story's styles need the fonts before it is built
    return short_pdf(
        _story(result, result_sha256, workspace_head),
        title="Attest post-market monitoring",
        bound_to=f"Result {result_sha256[:16]}",
        subject=result.log.name,
    )
