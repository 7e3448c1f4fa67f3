"""S12, limitations and conclusion: what was not tested and why, representativeness, what the provider must still
supply, the conclusion and the not-legal-advice note."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from reports import format as F
from reports.context import NOT_ASSESSED_TEXT, RenderContext
from reports.coverage import PROVIDER
from reports.layout import TEXT_WIDTH, Cell, cell, esc, p, styles, table
from reports.risks import recommendation


def s12_conclusion(ctx: RenderContext) -> list[Flowable]:
    r, st = ctx.result, styles()
    out = ctx.section_start("S12")
    out.append(p("What was not tested, and why", st.h2))
    rows: list[list[Cell]] = [["Item", "Why"]]
    flags = {}
    for na in r.not_assessed:
        rows.append([cell(f"{NOT_ASSESSED_TEXT}: {na.item}"), cell(na.reason)])
        flags[(0, len(rows) - 1)] = "small"
    for key, text in ctx.catalogue.texts["not_tested"].items():
        rows.append([cell(f"{NOT_ASSESSED_TEXT}: {key}"), cell(text)])
        flags[(0, len(rows) - 1)] = "small"
    out.append(table(rows, [50 * mm, TEXT_WIDTH - 50 * mm], flags=flags))
    if r.warnings:
        out.append(p("Warnings from the run", st.h3))
        out += [p("• " + w, st.small) for w in r.warnings]
    out.append(p("Representativeness", st.h2))
    out.append(ctx.statement("representativeness"))
    small = sum(1 for g in r.groups if g.small)
    out.append(
        p(
            f"Here: {F.count(r.overall.n)} evaluated rows; {small} of {len(r.groups)} groups below {r.spec.min_group_size} rows; "
            f"the reference groups are listed in S6."
        )
    )
    out.append(p("What the provider must still supply", st.h2))
    needed: dict[str, list[str]] = {}
    for row in ctx.coverage.rows:
        for e in row.evidence:
            if e.state == PROVIDER:
                needed.setdefault(e.detail, []).append(row.requirement.ref)
    rows = [["Item", "Needed for"]]
    flags = {}
    for item, refs in needed.items():
        rows.append([cell(f"✎ {item}"), cell(", ".join(dict.fromkeys(refs)))])
        flags[(0, len(rows) - 1)] = "provider"
    out.append(table(rows, [85 * mm, TEXT_WIDTH - 85 * mm], flags=flags))
    out.append(
        p(
            "In any case the provider supplies the EU declaration of conformity (Art. 47), the instructions for use (Art. 13), "
            "the quality management system (Art. 17), registration (Art. 49) where required, and the conformity assessment "
            "(Art. 43).",
            st.note,
        )
    )
    out.append(p("Conclusion", st.h2))
    out.append(p(f"<b>{esc(r.summary.sentence())}</b> " + esc(recommendation(r)), markup=True))
    out.append(ctx.statement("no_overclaim"))
    out.append(p("Not legal advice", st.h2))
    out.append(ctx.statement("not_legal_advice"))
    return out
