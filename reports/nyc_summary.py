"""The one-page public summary of an NYC Local Law 144 bias audit (6 RCNY § 5-303): the date of the audit, the source
and explanation of the data, the number of people in an unknown category, the applicants, rates and impact ratios of
every category, and the distribution date of the AEDT. Drawn from `result.bias_audit` only (nothing recomputed), with
the report's fonts and styles, as PDF/A-3b like the report."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Table

from reports import format as F
from reports.fonts import BOLD, ITALIC, SANS, register_fonts
from reports.layout import MUTED, PAGE, Cell, cell, esc, p, spacer, table

if TYPE_CHECKING:
    from audit.nyc_ll144 import BiasAudit, CategoryRate
    from audit.result import AuditResult

# Margins tighter than the report's: the page must hold 2 + 7 + 14 category rows with the facts around them.
_MARGIN_X, _MARGIN_Y = 16 * mm, 13 * mm
_WIDTH = PAGE[0] - 2 * _MARGIN_X
_SCALES = (1.0, 0.9, 0.8, 0.7)  # font scales tried in turn until everything fits on the page


@lru_cache(maxsize=8)
def _styles(scale: float) -> dict[str, ParagraphStyle]:
    register_fonts()
    s = scale
    return {
        "title": ParagraphStyle("nyc-title", fontName=BOLD, fontSize=15 * s, leading=19 * s, spaceAfter=1 * s),
        "sub": ParagraphStyle("nyc-sub", fontName=SANS, fontSize=8.6 * s, leading=11 * s, textColor=MUTED, spaceAfter=4 * s),
        "h2": ParagraphStyle("nyc-h2", fontName=BOLD, fontSize=9.4 * s, leading=12 * s, spaceBefore=5 * s, spaceAfter=2 * s),
        "body": ParagraphStyle("nyc-body", fontName=SANS, fontSize=7.8 * s, leading=10 * s, spaceAfter=2 * s),
        "note": ParagraphStyle("nyc-note", fontName=ITALIC, fontSize=6.6 * s, leading=8.4 * s, textColor=MUTED, spaceAfter=2 * s),
    }


def rate_word(audit: BiasAudit) -> str:
    return "Scoring rate" if audit.rate == "scoring" else "Selection rate"


def ratio_text(row: CategoryRate) -> str:
    """The impact ratio as printed: 3 decimals, or why there is none."""
    if row.excluded:
        return "excluded (< 2%)"
    if row.applicants == 0:
        return "no applicants"
    return F.num(row.impact_ratio)


def rate_text(row: CategoryRate) -> str:
    return F.DASH if row.rate is None else f"{row.rate * 100:.1f}%"


def category_table(audit: BiasAudit, title: str, scale: float) -> Table:
    """One of the three tables, with the columns of the DCWP's example tables."""
    t = audit.table(title)
    scoring = audit.rate == "scoring"
    parts = ["Race/Ethnicity", "Sex"] if title == "Intersectional" else [title]
    head: list[Cell] = [
        *parts,
        "Number of applicants",
        "Number scored above the median" if scoring else "Number selected",
        rate_word(audit),
        "Impact ratio",
    ]
    rows: list[list[Cell]] = [head]
    flags: dict[tuple[int, int], str] = {}
    for r in t.rows:
        rows.append(
            [
                *(cell(c, bold=r.category == t.highest) for c in r.category),
                F.count(r.applicants),
                F.count(r.selected),
                rate_text(r),
                ratio_text(r),
            ]
        )
        if r.excluded:
            flags[(len(head) - 1, len(rows) - 1)] = "small"
    numbers = 4 * [26 * mm]
    first = _WIDTH - sum(numbers)
    widths = ([first * 0.68, first * 0.32] if len(parts) == 2 else [first]) + numbers
    return table(
        rows,
        widths,
        flags=flags,
        font_size=7 * scale,
        align_right_from=len(parts),
        extra=[("ALIGN", (len(parts), 0), (-1, 0), "RIGHT")],
    )


def _dates_text(audit: BiasAudit) -> str:
    if audit.data_from:
        return f"{audit.data_from} to {audit.data_to} ({audit.dates_source})"
    return "not declared"


def _story(result: AuditResult, scale: float) -> list[Flowable]:
    a, st = result.bias_audit, _styles(scale)
    if a is None:
        raise ValueError("the result holds no NYC bias audit")
    d = a.declaration
    tool = d.tool_name or result.spec.context.system_name or "the automated employment decision tool (name not declared)"
    data_name = Path(result.data.path).name
    kind = "Historical data" if d.data_kind == "historical" else "Test data"
    source = (
        f"{kind}: {data_name}, {F.count(a.people)} people assessed by the AEDT"
        + (f", decisions dated {a.data_from} to {a.data_to}" if a.data_from else "")
        + "."
    )
    if d.data_description:
        source += " " + d.data_description
    unknown = "; ".join(f"{t.title.lower()} {F.count(t.unknown)}" for t in a.tables)
    facts = [
        ("Date of this bias audit", a.audit_date),
        ("Distribution date of the AEDT", a.distribution_date or "not declared"),
        ("Re-audit needed by", f"{a.reaudit_by} (the AEDT may not be used on a bias audit more than one year old)"),
        ("Data used", source),
        ("Data date range", _dates_text(a)),
        ("People with an unknown category", f"{unknown} (not in the tables of that category)"),
        (
            "Rate",
            "Scoring rate: share scoring above the median score of the whole sample"
            + (f" ({a.median_score:.4g})" if a.median_score is not None else "")
            if a.rate == "scoring"
            else "Selection rate: share of applicants the AEDT selected to move forward or classified "
            f"favourably (decisions from the {result.decision_source})",
        ),
    ]
    who = " · ".join(
        x
        for x in (f"Employer: {d.employer}" if d.employer else "", f"Independent auditor: {d.auditor}" if d.auditor else "")
        if x
    )
    out = [
        p("Summary of the bias audit results", st["title"]),
        p(f"{tool} · NYC Local Law 144 of 2021, {a.citation}" + (f" · {who}" if who else ""), st["sub"]),
    ]
    key_w = 46 * mm
    out.append(
        table(
            [[cell(k, bold=True), cell(v)] for k, v in facts],
            [key_w, _WIDTH - key_w],
            header_rows=0,
            zebra=False,
            font_size=7 * scale,
        )
    )
    for title in ("Sex", "Race/Ethnicity", "Intersectional"):
        out += [p(f"{title} categories", st["h2"]), category_table(a, title, scale)]
    notes = []
    excluded = a.excluded
    if excluded:
        names = "; ".join(" ".join(r.category) for r in excluded)
        notes.append(
            f"Excluded from the impact ratios (under 2% of the data, 6 RCNY § 5-301(d)); their applicants and "
            f"rates are shown: {esc(names)}. Justification: {esc(a.exclusion_justification)}"
        )
    highest = "; ".join(f"{t.title}: {' '.join(t.highest)}" for t in a.tables if t.highest)
    notes.append(
        f"Impact ratio = the category's {rate_word(a).lower()} divided by that of the highest category "
        f"({esc(highest) or 'none'}; printed in bold). EEO-1 categories; the data's own labels were mapped to "
        "them as declared by the auditor."
    )
    notes += [esc(n) for n in a.notes]
    notes.append(
        f"Legal data as of {a.legal_as_of}; not legal advice. Generated by Attest "
        f"{esc(result.provenance.attest_version)} from audit result {result.sha256()[:12]}."
    )
    out.append(spacer(1.5))
    out += [p(n, st["note"], markup=True) for n in notes]
    return out


def _build(result: AuditResult, scale: float) -> tuple[bytes, int]:
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf,
        pagesize=PAGE,
        initialFontName=SANS,
        initialFontSize=8,
        leftMargin=_MARGIN_X,
        rightMargin=_MARGIN_X,
        topMargin=_MARGIN_Y,
        bottomMargin=_MARGIN_Y,
        invariant=0,
        title="Summary of the bias audit results (NYC Local Law 144)",
        lang="en",
    )
    frame = Frame(
        _MARGIN_X,
        _MARGIN_Y,
        PAGE[0] - 2 * _MARGIN_X,
        PAGE[1] - 2 * _MARGIN_Y,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    doc.build(_story(result, scale))
    return buf.getvalue(), doc.page


def render_nyc_summary(result: AuditResult, generated_at: str | None = None) -> bytes:
    """The one-page summary PDF of `result.bias_audit` (PDF/A-3b). Long declared texts shrink the type, down to 70%;
    beyond that the summary takes a second page rather than cut anything."""
    from reports.pdf import utc_now
    from reports.pdfa import ArchivalInfo, finish

    if result.bias_audit is None:
        raise ValueError("the result holds no NYC bias audit")
    for scale in _SCALES:
        pdf, pages = _build(result, scale)
        if pages == 1:
            break
    tool = result.bias_audit.declaration.tool_name or result.spec.context.system_name
    title = "Summary of the bias audit results (NYC Local Law 144)" + (f": {tool}"[:200] if tool else "")
    return finish(
        pdf,
        ArchivalInfo(
            title=title,
            created=generated_at or utc_now(),
            subject=f"Bias audit under {result.bias_audit.citation}",
            keywords=(result.sha256(),),
            creator_tool=f"Attest {result.provenance.attest_version}",
        ),
    )
