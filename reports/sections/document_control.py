"""S0, document control: the report's identity and versions, its inputs and their hashes, the trail, the
sign-off table and the record keeping (Art. 18)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph

from reports.context import NOT_ASSESSED_TEXT, PROVIDER_TEXT, RenderContext
from reports.layout import TEXT_WIDTH, Cell, cell, esc, kv_table, mono, p, styles, table
from reports.sections.front import REPORT_FORMAT_VERSION, file_name
from reports.snapshot import TrailSnapshot

if TYPE_CHECKING:
    from audit.result import AuditResult


def generator_versions() -> dict[str, str]:
    from importlib import metadata

    out = {}
    for pkg in ("reportlab", "matplotlib", "pypdf", "pyHanko"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out


def spec_sha256(result: AuditResult) -> str:
    from audit.hashing import canonical_json, sha256_bytes

    return sha256_bytes(canonical_json(result.spec.model_dump(mode="json", by_alias=True)))


def retention_until(generated_at: str, years: int) -> str:
    d = datetime.fromisoformat(generated_at.replace("Z", "+00:00")).date()
    try:
        return d.replace(year=d.year + years).isoformat()
    except ValueError:  # 29 February
        return date(d.year + years, 3, 1).isoformat()


def s0_document_control(ctx: RenderContext) -> list[Flowable]:
    r, st, t = ctx.result, styles(), ctx.trail
    out = ctx.section_start("S0")
    pv = r.provenance
    datasets = [("Evaluation dataset", f"{file_name(r.data.path)}", r.data.sha256)]
    if t:
        for step in t.lineage:
            if step.kind == "dataset" and step.sha256 and step.sha256 != r.data.sha256:
                datasets.append(("Dataset (trail)", step.label, step.sha256))
    pairs: list[tuple[str, object]] = [
        ("Report id", ctx.report_id),
        ("Report format version", REPORT_FORMAT_VERSION),
        ("Copy", ctx.copy_mode),
        ("Generated (UTC)", ctx.generated_at),
        ("Audit run (UTC)", f"{pv.started_at} → {pv.finished_at} ({pv.seconds:.1f} s), seed {pv.seed}"),
        ("Audit run by", "left out of this shared copy" if ctx.share else f"{pv.user} on {pv.host}"),
        ("Tool", f"Attest {pv.attest_version} · Python {pv.python} · {pv.platform}"),
        ("Result SHA-256", mono(ctx.result_sha256)),
        ("Audit specification SHA-256", mono(spec_sha256(r))),
    ]
    row_flags: dict[int, str] = {}
    for label, name, sha in datasets:
        pairs.append((label, Paragraph(f"{esc(name)}<br/><font name='DejaVuSansMono' size='6.8'>{sha}</font>", st.cell)))
    if r.model:
        pairs.append(
            (
                "Model",
                Paragraph(
                    f"{esc(file_name(r.model.path))} ({esc(r.model.format)})<br/>"
                    f"<font name='DejaVuSansMono' size='6.8'>{r.model.sha256}</font>",
                    st.cell,
                ),
            )
        )
    else:
        pairs.append(("Model", cell(f"{NOT_ASSESSED_TEXT}: predictions-only audit ({r.decision_source}); no model file to hash")))
        row_flags[len(pairs) - 1] = "small"
    if t:
        pairs.append(("Trail head hash at export", mono(t.head_hash)))
        pairs.append(
            (
                "Trail",
                cell(
                    f"{t.workspace} · {t.event_count} events · {t.verification}"
                    + (f" · audit run {t.run_id}" if t.run_id else "")
                ),
            )
        )
        if t.verified is False:
            row_flags[len(pairs) - 1] = "fail"
    else:
        pairs.append(
            (
                "Trail head hash at export",
                cell(f"{NOT_ASSESSED_TEXT}: exported without a workspace; the binding rests on the hashes above"),
            )
        )
        row_flags[len(pairs) - 1] = "small"
    pairs.append(
        (
            "Evidence manifest",
            Paragraph(
                f"{esc(ctx.manifest_name or 'evidence manifest')} — attached to this PDF and written beside it"
                + (
                    f"<br/><font name='DejaVuSansMono' size='6.8'>SHA-256 {ctx.manifest_sha256}</font>"
                    if ctx.manifest_sha256
                    else ""
                ),
                st.cell,
            ),
        )
    )
    pairs.append(
        (
            "Signature",
            cell(
                f"PAdES signature by {ctx.signer}, applied after this page was written"
                if ctx.signer
                else "not signed (export with a PKCS#12 certificate to sign)"
            ),
        )
    )
    out.append(kv_table(pairs, key_width=42 * mm, flags=row_flags))

    out.append(p("Library versions", st.h2))
    libs = dict(pv.library_versions)
    if r.model:
        libs.update({f"{k} (model file)": v for k, v in r.model.library_versions.items() if libs.get(k) != v})
    gen = generator_versions()
    rows: list[list[Cell]] = [["Library", "Version", "Used for"]]
    rows += [[k, v, "audit computation"] for k, v in sorted(libs.items())]
    rows += [[k, v, "this report"] for k, v in sorted(gen.items())]
    out.append(table(rows, [50 * mm, 35 * mm, TEXT_WIDTH - 85 * mm]))

    out.append(p("Sign-off", st.h2))
    out.append(
        p(
            "Author, reviewer and approver, each with role, date and decision (Annex IV 2(g): test reports dated and "
            "signed by the responsible persons). Sign-offs are taken from the workspace's audit trail.",
            st.small,
        )
    )
    rows = [["Function", "Name", "Role", "Date (UTC)", "Decision", "Conditions / comment"]]
    flags = {}
    author, role = _author(r, t)
    rows.append(["Author (ran the audit)", cell(author), cell(role), cell(pv.finished_at[:10]), "—", ""])
    signoffs = t.signoffs if t else ()
    for s in signoffs:
        decision = s.decision.replace("_", " ")
        rows.append(
            [
                "Reviewer / approver",
                cell(s.reviewer),
                cell(s.role),
                cell(s.time[:10]),
                cell(("✗ " if s.decision == "reject" else "✓ ") + decision, bold=True),
                cell(s.conditions or s.comment or ""),
            ]
        )
        if s.decision == "reject":
            flags[(4, len(rows) - 1)] = "fail"
    if not signoffs:
        for fn in ("Reviewer", "Approver"):
            rows.append([fn, cell(PROVIDER_TEXT, bold=True), "", "", "", ""])
            flags[(1, len(rows) - 1)] = "provider"
    w = TEXT_WIDTH
    out.append(table(rows, [30 * mm, 28 * mm, 28 * mm, 20 * mm, 24 * mm, w - 130 * mm], flags=flags))
    for s in signoffs:  # each decision's binding to its person: a signature, or only the OS account that recorded it
        out.append(
            p(
                f"Sign-off by {s.reviewer} ({s.decision.replace('_', ' ')}, {s.time[:10]}): "
                f"{s.signature or 'signature not checked'}.",
                st.small,
            )
        )

    ret = ctx.catalogue.texts["retention"]
    until = retention_until(ctx.generated_at, ret["documentation_years"])
    out.append(p("Retention", st.h2))
    out.append(
        p(
            f"Keep this report, its evidence manifest and the workspace trail for {ret['documentation_years']} years after "
            f"the system is placed on the market or put into service; if that is today, at least until <b>{until}</b>. "
            f"{esc(ret['documentation_basis'])}. Logs: {esc(ret['logs_basis'])}.",
            markup=True,
        )
    )
    para, flag = ctx.declared("documentation_keeping")
    out.append(
        kv_table([("Who keeps it, where, from when (Art. 18)", para)], key_width=55 * mm, flags={0: flag} if flag else None)
    )
    return out


def _author(r: AuditResult, t: TrailSnapshot | None) -> tuple[str, str]:
    """Who ran the audit: the trail's audit-run event's actor when there is one, else the run's OS account."""
    if t is not None:
        for e in t.events:
            if e.kind == "audit_run" and e.payload.get("run_id") == t.run_id:
                return e.actor, e.actor_role or "auditor"
    return f"{r.provenance.user}@{r.provenance.host}", "ran the audit (no role recorded)"
