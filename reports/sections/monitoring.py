"""S11 post-market monitoring. When the trail holds monitoring runs against the audited run (`attest monitor
--reference RUN`, events `monitoring_run`), the section shows the monitoring plan that was declared and ran, and the
latest monitoring evidence, as recorded: from the trail, bound by hashes, not suggestions. Without any, it is the
section of suggested thresholds derived from the audit (reports/sections/monitoring_plan.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from reports.context import RenderContext
from reports.layout import TEXT_WIDTH, cell, kv_table, p, spacer, styles, table
from reports.snapshot import TrailEvent

_STATUS = {"pass": "pass", "alert": "ALERT", "insufficient_evidence": "insufficient evidence"}
_FLAG = {"pass": "pass", "alert": "fail", "insufficient_evidence": "insufficient_evidence"}
MAX_RUNS = 12  # the newest first; the trail keeps them all


def monitoring_events(ctx: RenderContext) -> list[TrailEvent]:
    """The monitoring runs held against this report's run, oldest first."""
    trail = ctx.trail
    if trail is None or trail.run_id is None:
        return []
    return [e for e in trail.events if e.kind == "monitoring_run" and e.payload.get("reference_run") == trail.run_id]


def _plan_rows(plan: Mapping[str, Any]) -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = [("Checks on every window", ", ".join(plan.get("checks", ())) or "none")]
    for key in ("selection_rate_change", "selection_ratio", "accuracy_drop", "tpr_drop", "min_window", "min_group", "ci_level"):
        if key in plan:
            rows.append((key.replace("_", " "), f"{plan[key]:g}"))
    d = plan.get("drift") or {}
    if d:
        rows.append(
            (
                "drift thresholds",
                f"Wasserstein/sd {d.get('wasserstein_normed', 0):g}, PSI {d.get('psi', 0):g}, JS {d.get('js', 0):g}, "
                f"decision rate {d.get('decision_rate_change', 0):g}; fewer than {d.get('min_sample', 0)} rows: "
                "insufficient evidence",
            )
        )
    rows.append(("declared in", str(plan.get("source", "—"))))
    return rows


def s11_monitoring(ctx: RenderContext) -> list[Flowable]:
    events = monitoring_events(ctx)
    if not events:
        from reports.sections.monitoring_plan import s11_monitoring as suggested

        out: list[Flowable] = suggested(ctx)
        return out
    st = styles()
    out = ctx.section_start("S11")
    latest = events[-1]
    pay = latest.payload
    out.append(
        p(
            f"{len(events)} monitoring run(s) of production decisions against this audit are recorded in the trail "
            "(Art. 72 post-market monitoring; Art. 26(5)-(6) deployer logs). What follows is recorded evidence, "
            "not a suggestion."
        )
    )
    out.append(p("The monitoring plan", st.h2))
    plan = pay.get("plan")
    if isinstance(plan, Mapping):
        out.append(kv_table(_plan_rows(plan), key_width=50 * mm))
    else:
        out.append(
            p("This monitoring run was recorded before plans were kept in the trail; its plan is in its stored result.", st.small)
        )
    if pay.get("plan_sha256"):
        out.append(p(f"Plan file SHA-256 {pay['plan_sha256']}", st.mono))
    out.append(p("Latest monitoring evidence", st.h2))
    pairs: list[tuple[str, object]] = [
        ("Monitoring run", f"{pay['monitoring_id']}, event #{latest.seq}, {latest.time[:19].replace('T', ' ')} UTC"),
        ("Recorded by", latest.actor),  # the label carries the role
        ("Windows", f"{pay['windows']} of {pay['window']}"),
        ("Alerts", f"{pay['alerts']}"),
        ("Status", _STATUS.get(str(pay["status"]), str(pay["status"]))),
    ]
    out.append(kv_table(pairs, key_width=50 * mm, flags={4: _FLAG.get(str(pay["status"]), "")}))
    out.append(spacer(2))
    out += [p(line) for line in pay.get("summary", ())]
    out.append(p(f"Monitoring result SHA-256 {pay['result_sha256']}", st.mono))
    out.append(p(f"Production log SHA-256 {pay['log_sha256']}", st.mono))
    if pay.get("pdf_sha256"):
        out.append(p(f"Monitoring report SHA-256 {pay['pdf_sha256']}", st.mono))
    if len(events) > 1:
        out.append(p("Monitoring runs against this audit", st.h2))
        rows: list[list[object]] = [["Recorded (UTC)", "Run", "Windows", "Alerts", "Status"]]
        flags = {}
        shown = events[::-1][:MAX_RUNS]
        for i, e in enumerate(shown, start=1):
            q = e.payload
            rows.append(
                [
                    e.time[:16].replace("T", " "),
                    cell(q["monitoring_id"]),
                    f"{q['windows']}",
                    f"{q['alerts']}",
                    _STATUS[q["status"]],
                ]
            )
            flags[(4, i)] = _FLAG[q["status"]]
        out.append(table(rows, [34 * mm, 44 * mm, 20 * mm, 20 * mm, TEXT_WIDTH - 118 * mm], flags=flags, align_right_from=2))
        if len(events) > MAX_RUNS:
            out.append(p(f"{len(events) - MAX_RUNS} older run(s) in the trail.", st.small))
    out.append(
        p(
            "Each run's result is stored in the trail under its id and bound by the SHA-256 above; `attest trail verify` "
            "checks both. The response to an alert (a re-audit, `attest compare`) is recorded there too.",
            st.note,
        )
    )
    from reports.sections.monitoring_plan import incidents

    out += incidents(ctx)
    return out
