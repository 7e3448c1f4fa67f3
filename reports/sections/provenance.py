"""S3 provenance and audit trail: lineage dataset -> training run -> model -> audit run, with actors, times and hashes."""

from __future__ import annotations

from pathlib import PurePath

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from reports import format as F
from reports.context import NOT_ASSESSED_TEXT, PROVIDER_TEXT, RenderContext
from reports.layout import TEXT_WIDTH, Cell, cell, kv_table, mono, p, styles, table

_MAX_EVENTS = 60


def s3_provenance(ctx: RenderContext) -> list[Flowable]:
    r, st, t = ctx.result, styles(), ctx.trail
    out = ctx.section_start("S3")
    if t is None:
        out.append(
            p(
                f"{NOT_ASSESSED_TEXT}: this report was exported without a workspace, so there is no hash-chained trail to "
                "show or verify. The run's own record follows; register the dataset and model and run the audit in a "
                "workspace (attest audit --workspace) to bind the lineage.",
                st.body,
            )
        )
    else:
        row_flags: dict[int, str] = {1: "fail"} if t.verified is False else ({1: "pass"} if t.verified else {})
        out.append(
            kv_table(
                [
                    ("Workspace", t.workspace),
                    ("Trail verification", ("✓ " if t.verified else "✗ " if t.verified is False else "") + t.verification),
                    ("Events in the trail", F.count(t.event_count)),
                    ("Head hash at export", mono(t.head_hash)),
                    ("Snapshot taken (UTC)", t.taken_at),
                    ("Audit run id", t.run_id or "—"),
                ],
                key_width=42 * mm,
                flags=row_flags,
            )
        )
    out.append(p("Lineage", st.h2))
    rows: list[list[Cell]] = [["Step", "What", "Actor", "Time (UTC)", "SHA-256"]]
    flags = {}
    steps = list(t.lineage) if t and t.lineage else []
    if steps:
        for s in steps:
            rows.append(
                [
                    cell(s.kind, bold=True),
                    cell(s.label + (f"\n{s.detail}" if s.detail else "")),
                    cell(s.actor),
                    cell(s.time),
                    mono(s.sha256 or "—"),
                ]
            )
        if not (t and t.has_training):
            rows.insert(
                2, [cell("training", bold=True), cell(PROVIDER_TEXT + ": record who trained the model on which data"), "", "", ""]
            )
            flags[(1, 2)] = "provider"
    else:
        pv = r.provenance
        who = f"{pv.user}@{pv.host}"
        rows.append(
            [cell("dataset", bold=True), cell(PurePath(r.data.path).name), cell(who), cell(pv.started_at), mono(r.data.sha256)]
        )
        rows.append(
            [cell("training", bold=True), cell(PROVIDER_TEXT + ": record who trained the model on which data"), "", "", ""]
        )
        flags[(1, 2)] = "provider"
        if r.model:
            rows.append(
                [
                    cell("model", bold=True),
                    cell(f"{PurePath(r.model.path).name} ({r.model.model_type})"),
                    cell(who),
                    cell(pv.started_at),
                    mono(r.model.sha256),
                ]
            )
        else:
            rows.append([cell("model", bold=True), cell(f"{NOT_ASSESSED_TEXT}: predictions-only audit"), "", "", ""])
            flags[(1, len(rows) - 1)] = "small"
        rows.append(
            [
                cell("audit run", bold=True),
                cell(f"policy {r.spec.policy.name}; decisions from {r.decision_source}"),
                cell(who),
                cell(pv.finished_at),
                mono(ctx.result_sha256),
            ]
        )
    out.append(table(rows, [18 * mm, 58 * mm, 28 * mm, 24 * mm, TEXT_WIDTH - 128 * mm], flags=flags))
    if t is not None:
        out.append(p("Trail events for this audit", st.h2))
        events = list(t.events)
        shown = events[-_MAX_EVENTS:]
        rows = [["#", "Time (UTC)", "Event", "Actor", "What", "Event hash"]]
        for e in shown:
            rows.append(
                [
                    str(e.seq),
                    cell(e.time),
                    cell(e.kind.replace("_", " ")),
                    cell(e.actor + (f" ({e.actor_role})" if e.actor_role else "")),
                    cell(e.summary),
                    mono(F.short_hash(e.hash, 16)),
                ]
            )
        if len(rows) == 1:
            rows.append(["", "", "", "", cell("no events refer to this run"), ""])
        out.append(table(rows, [9 * mm, 26 * mm, 24 * mm, 28 * mm, TEXT_WIDTH - 119 * mm, 32 * mm]))
        if len(events) > len(shown):
            out.append(
                p(
                    f"The {len(events) - len(shown)} earlier related events are in the workspace trail (attest trail log).",
                    st.note,
                )
            )
    out.append(
        p(
            "Each trail event stores the SHA-256 of its canonical JSON together with the previous event's hash, so any edit, "
            "deletion or reordering breaks the chain (attest trail verify). The head hash above binds this report to the "
            "trail as it was at export; exporting the report is itself recorded as a new event with the PDF's hash.",
            st.note,
        )
    )
    return out
