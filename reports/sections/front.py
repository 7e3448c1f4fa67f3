"""Cover page (verdict summary in plain words), S0 document control and sign-off, S1 scope, S2 system description."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from reports import format as F
from reports.context import NOT_ASSESSED_TEXT, RenderContext, deferred, link, page_of
from reports.coverage import EVIDENCED, PARTIAL, ST_NA, ST_NOT_ASSESSED, ST_PROVIDER
from reports.layout import TEXT_WIDTH, Cell, Heading, cell, esc, kv_table, mono, p, spacer, styles, table
from reports.risks import recommendation

if TYPE_CHECKING:
    from audit.result import AuditResult

REPORT_FORMAT_VERSION = "1.0"  # bump when sections or their meaning change


def verdict_words(result: AuditResult) -> list[str]:
    """The first page's plain-words summary; never claims fairness."""
    s = result.summary
    out = []
    if s.failed:
        out.append(
            f"{s.failed} group comparison{'s' if s.failed != 1 else ''} failed: the evaluation data show a disparity "
            "beyond the declared threshold (see S6 and the risk register in S9)."
        )
    if s.insufficient_evidence:
        out.append(
            f"{s.insufficient_evidence} comparison{'s' if s.insufficient_evidence != 1 else ''} lacked evidence: too few "
            "rows, or an interval too wide to tell on which side of the threshold the group lies."
        )
    if s.passed:
        out.append(f"{s.passed} comparison{'s' if s.passed != 1 else ''} found no disparity above the threshold on this data.")
    return out


_ON_PAGE_ONE = 5  # findings named on page 1, worst first


def part_banner(ctx: RenderContext, part: int) -> list[Flowable]:
    """The heading that opens a part (outline level above the sections)."""
    st = styles()
    if part == 1:
        return [Heading("Part 1 · Report for the approver", st.small, key="part-1", outline_level=-1)]
    out = [Heading("Part 2 · Annex: the full evidence", st.title, key="part-2", outline_level=-1)]
    secs = [s for s in ctx.catalogue.sections if s.part == 2]
    out.append(
        deferred(
            ctx,
            lambda: p(
                "Part 1 is the report for the approver: the summary, sign-off, scope, the findings that need a decision, the "
                "fundamental-rights impact assessment and the coverage matrix. This annex holds the evidence behind them: "
                + "; ".join(
                    link(ctx, s.id, f"{s.id}: {s.title.lower()}" + (f" (p. {page_of(ctx, s.id)})" if page_of(ctx, s.id) else ""))
                    for s in secs
                )
                + "; and Appendix B, the evidence manifest.",
                markup=True,
            ),
        )
    )
    return out


def cover(ctx: RenderContext) -> list[Flowable]:
    r, st = ctx.result, styles()
    name = r.spec.context.system_name or "an AI system (name: needs provider input)"
    out = [
        *part_banner(ctx, 1),
        Heading("Audit report", st.title, key="cover"),
        p(f"Performance and fairness of {name}", st.subtitle),
        p(
            f"Evidence for the EU AI Act (Regulation (EU) 2024/1689) and the NIST AI RMF 1.0 · Report {ctx.report_id} · "
            f"generated {ctx.generated_at} by Attest {r.provenance.attest_version}",
            st.small,
        ),
        p(ctx.copy_mode, st.small),
        spacer(2),
        p("Verdict summary", st.h2),
        p(f"Policy “{r.spec.policy.name}”, declared before the run: {r.summary.sentence()}", st.callout),
    ]
    out += [p("• " + w) for w in verdict_words(r)]
    if not r.summary.failed:
        out.append(p(ctx.catalogue.statement("no_overclaim"), st.note))
    # checks x status
    rows: list[list[Cell]] = [["Check", "Rule (declared)", "Pass", "Fail", "Insufficient"]]
    flags = {}
    for i, c in enumerate(r.spec.policy.checks, 1):
        vs = [v.status for v in r.verdicts if v.check == c.id]
        n_fail = vs.count("fail")
        rows.append(
            [
                cell(c.id, bold=True),
                cell(c.rule()),
                str(vs.count("pass")),
                f"✗ {n_fail}" if n_fail else "0",
                str(vs.count("insufficient_evidence")),
            ]
        )
        if n_fail:
            flags[(3, i)] = "fail"
        if vs.count("insufficient_evidence"):
            flags[(4, i)] = "insufficient"
    out.append(
        table(rows, [38 * mm, TEXT_WIDTH - 38 * mm - 3 * 18 * mm, 18 * mm, 18 * mm, 18 * mm], flags=flags, align_right_from=2)
    )
    out += _named_findings(ctx)
    out.append(spacer(2))
    out.append(p("<b>Recommendation from this evidence:</b> " + esc(recommendation(r)), markup=True))
    # key facts
    ov = r.overall.metrics
    n_inter = sum(1 for g in r.groups if len(g.level) > 1)
    small = sum(1 for g in r.groups if g.small)
    cov = ctx.coverage.counts()
    facts = [
        (
            "Evaluation data",
            f"{file_name(r.data.path)} · {F.count(r.data.rows)} rows · SHA-256 {F.short_hash(r.data.sha256, 16)}",
        ),
        ("Decisions from", r.decision_source + (f" · {r.model.model_type}" if r.model else "")),
        ("Overall accuracy", F.est(ov.get("accuracy"))),
        ("Overall selection rate", F.est(ov.get("selection_rate"))),
        ("Sensitive attributes", ", ".join(r.spec.sensitive)),
        (
            "Groups audited",
            f"{len(r.groups)} ({len(r.groups) - n_inter} single-attribute, {n_inter} intersectional); "
            f"{small} below the minimum size of {r.spec.min_group_size}",
        ),
        ("Explanations", _explain_status(ctx)),
        (
            "Requirement coverage",
            f"{cov[EVIDENCED]} evidenced, {cov[PARTIAL]} partial, {cov[ST_NOT_ASSESSED]} not assessed, "
            f"{cov[ST_PROVIDER]} need provider input, {cov[ST_NA]} not applicable, of "
            f"{len(ctx.coverage.rows)} mapped requirements (Appendix A)",
        ),
    ]
    out += [p("Key facts", st.h2), kv_table(facts, key_width=38 * mm)]
    out += [
        p("Binding", st.h2),
        kv_table(
            [
                ("Result SHA-256", mono(ctx.result_sha256)),
                ("Dataset SHA-256", mono(r.data.sha256)),
                ("Model SHA-256", mono(r.model.sha256) if r.model else cell("no model file (predictions-only audit)")),
                (
                    "Trail head at export",
                    mono(ctx.trail.head_hash) if ctx.trail else cell(NOT_ASSESSED_TEXT + ": exported without a workspace"),
                ),
            ],
            key_width=38 * mm,
        ),
    ]
    out += [spacer(1), p(ctx.catalogue.statement("not_legal_advice"), st.note)]
    out.append(deferred(ctx, lambda: _glyph_note(ctx)))
    return out


def glyph_note_text(ctx: RenderContext) -> str:
    from reports.fonts import MARK, describe_missing

    missing = ctx.missing_glyphs
    return (
        (
            f"⚠ {len(missing)} character(s) in the audit's names or declared texts could not be drawn by any font on "
            f"this machine and are shown as {MARK}: {describe_missing(missing)}. The audit result and the evidence "
            "manifest hold the exact text."
        )
        if missing
        else ""
    )


def _glyph_note(ctx: RenderContext) -> Flowable:
    from reportlab.platypus import Spacer

    text = glyph_note_text(ctx)
    return p(text, styles().small) if text else Spacer(0, 0)


def _named_findings(ctx: RenderContext) -> list[Flowable]:
    """Page 1 names the failed and undecidable comparisons, worst first, with statistic and group size."""
    from reports.sections.findings import rating_text

    st, risks = styles(), ctx.risks
    if not risks:
        return []
    out = [p("What needs a decision (worst first)", st.h3)]
    rows: list[list[Cell]] = [["ID", "Status", "Check", "Group vs comparator", "Statistic [CI]", "n group", "Rating"]]
    flags = {}
    for x in risks[:_ON_PAGE_ONE]:
        rows.append(
            [
                x.id,
                cell(F.STATUS_TEXT[x.status], bold=x.status == "fail"),
                cell(x.check),
                cell(f"{x.group_values} vs {x.comparator_values}"),
                cell(x.statistic),
                F.count(x.n_group),
                cell(rating_text(x)),
            ]
        )
        flags[(1, len(rows) - 1)] = "fail" if x.status == "fail" else "insufficient"
    out.append(
        table(rows, [10 * mm, 20 * mm, 30 * mm, 48 * mm, 32 * mm, 14 * mm, TEXT_WIDTH - 154 * mm], flags=flags, font_size=6.5)
    )
    more = len(risks) - _ON_PAGE_ONE
    out.append(
        deferred(
            ctx,
            lambda: p(
                (f"… and {more} more. " if more > 0 else "") + f"Every failed and undecidable comparison, with its interval and "
                f"adjusted p: {link(ctx, 'F', 'Findings' + (f' p. {page_of(ctx, chr(70))}' if page_of(ctx, 'F') else ''))}; "
                f"sign-off: {link(ctx, 'S0')}; coverage: "
                f"{link(ctx, 'A', 'Appendix A' + (f' p. {page_of(ctx, chr(65))}' if page_of(ctx, 'A') else ''))}.",
                st.small,
                markup=True,
            ),
        )
    )
    return out


def file_name(path: str) -> str:
    from pathlib import PurePath

    return PurePath(path).name


def _explain_status(ctx: RenderContext) -> str:
    from reports.coverage import PRESENT, explanation_state

    state, detail = explanation_state(ctx.result)
    return detail if state == PRESENT else f"not assessed: {detail}"
