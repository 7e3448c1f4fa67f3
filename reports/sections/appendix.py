"""Appendix A: the coverage matrix, generated from the framework mappings; Appendix B: the evidence manifest's items."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, PageBreak, Table

from reports.context import RenderContext, deferred, page_of
from reports.coverage import EVIDENCED, PARTIAL, ST_NA, ST_NOT_ASSESSED, ST_PROVIDER, STATUS_MARK
from reports.layout import TEXT_WIDTH, Cell, Deferred, Heading, cell, mono, p, styles, table

_FLAG = {EVIDENCED: "pass", PARTIAL: "insufficient", ST_NOT_ASSESSED: "small", ST_PROVIDER: "provider", ST_NA: "small"}


def _where(ctx: RenderContext, sections: tuple[str, ...]) -> str:
    """One line per section ("S6 p. 12"), so a page number's width never changes the row's height between passes."""
    return "\n".join(f"{s} p. {page_of(ctx, s) or '??'}" for s in sections)


def _matrix(ctx: RenderContext, framework: str) -> Deferred:
    def build() -> Table:
        rows: list[list[Cell]] = [
            ["Requirement", "What it asks (paraphrased)", "Evidence in this report", "Status", "Missing, and why"]
        ]
        flags, links = {}, []
        for row in ctx.coverage.rows:
            req = row.requirement
            if req.framework != framework:
                continue
            if row.status == ST_NA:
                missing = row.evidence[0].detail
            else:
                missing = "; ".join(dict.fromkeys(e.detail for e in row.missing))
            rows.append(
                [
                    cell(req.ref, bold=True),
                    cell(req.title),
                    cell(_where(ctx, req.sections)),
                    cell(STATUS_MARK[row.status], bold=row.status == EVIDENCED),
                    cell(missing),
                ]
            )
            ri = len(rows) - 1
            flags[(3, ri)] = _FLAG[row.status]
            links.append(("DESTINATION", (2, ri), (2, ri), f"sec-{req.sections[0]}"))  # the cell opens the first section
        return table(
            rows,
            [24 * mm, 50 * mm, 22 * mm, 24 * mm, TEXT_WIDTH - 120 * mm],
            flags=flags,
            font_size=6.5,
            extra=[*links, ("TEXTCOLOR", (2, 1), (2, -1), "#1f4e8c")],
        )

    return deferred(ctx, build)


def a_coverage(ctx: RenderContext) -> list[Flowable]:
    st = styles()
    out = ctx.section_start("A")
    counts = ctx.coverage.counts()
    out.append(
        p(
            f"Every requirement mapped in Attest's framework data (resources/frameworks): {len(ctx.coverage.rows)} in all — "
            f"{counts[EVIDENCED]} evidenced, {counts[PARTIAL]} partial, {counts[ST_NOT_ASSESSED]} not assessed, "
            f"{counts[ST_PROVIDER]} need provider input, {counts[ST_NA]} not applicable. A requirement is evidenced when "
            "everything it rests on is in this report — the run's results, its trail and the context declared for it, "
            "whatever section prints them; partial when some is; not assessed when the audit could not produce it; "
            "needs provider input when only the provider (or deployer) can supply it; not applicable when its condition "
            "does not hold for the declared role and area (the reason is given). “Evidenced” means the report holds "
            "evidence for it, not that the requirement is met. The section cells link to the sections."
        )
    )
    for fw in ctx.catalogue.frameworks:
        out.append(CondPageBreak(40 * mm))
        out.append(Heading(f"{fw.name} — {fw.citation}", st.h2, key=f"cov-{fw.short}", outline_level=1))
        out.append(_matrix(ctx, fw.name))
    return out


def manifest_listing(ctx: RenderContext) -> list[Flowable]:
    st = styles()
    out = [PageBreak(), Heading("Appendix B Evidence manifest", st.h1, key="manifest", section="B")]
    m = ctx.manifest
    if not m:
        out.append(p("No evidence manifest was produced for this rendering."))
        return out
    out.append(
        p(
            f"The machine-readable evidence manifest “{ctx.manifest_name}” is attached to this PDF (open the attachments "
            "panel of a PDF reader) and written beside it; both copies are byte-identical. Each item carries its SHA-256, "
            "time, actor and the ids of the requirements it evidences (e.g. AIA:Art10(2)(f), NIST:MEASURE-2.11)."
        )
    )
    if ctx.manifest_sha256:
        out.append(p(f"Manifest SHA-256: <font name='DejaVuSansMono'>{ctx.manifest_sha256}</font>", markup=True))
    rows: list[list[Cell]] = [["Evidence id", "What", "SHA-256", "Time (UTC)", "Actor", "Req."]]
    for it in m["evidence"]:
        rows.append(
            [
                cell(it["id"], bold=True),
                cell(it["title"]),
                mono(it["sha256"]),
                cell(it["time"]),
                cell(it["actor"]),
                str(len(it["requirements"])),
            ]
        )
    out.append(table(rows, [26 * mm, 36 * mm, 52 * mm, 24 * mm, 24 * mm, TEXT_WIDTH - 162 * mm], font_size=6.5))
    out.append(
        p(
            "How to check this report: recompute the SHA-256 of the dataset and model files and compare them with S0; "
            "compare the manifest's result hash with the audit result JSON; run attest trail verify on the workspace and "
            "find the trail head hash above in it; and, if the PDF is signed, validate the signature. "
            + ctx.catalogue.statement("signing"),
            st.note,
        )
    )
    return out
