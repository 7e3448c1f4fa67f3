"""FRIA (part 1): the fundamental-rights impact assessment of Art. 27, when the declared role and Annex III area require
one: whether it is required and why, the Art. 27(1)(a)-(f) elements as declared, and this audit's findings on the groups
of affected persons it examined (for elements (c) and (d))."""

from __future__ import annotations

from collections import defaultdict

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from reports import format as F
from reports.context import RenderContext, deferred, link
from reports.coverage import fria_applies
from reports.layout import TEXT_WIDTH, Cell, Deferred, cell, kv_table, p, styles, table

_MAX_GROUPS = 40


def _norm(text: str) -> str:
    return " ".join(text.split())


def fria_section(ctx: RenderContext) -> list[Flowable]:
    r, st = ctx.result, styles()
    legal = ctx.catalogue.legal["fria"]
    out = ctx.section_start("FRIA")
    required, why = fria_applies(r)
    verdict = {True: "✎ Required", False: "– Not required", None: "? Cannot tell yet"}[required]
    role = r.spec.context.role.strip()
    out.append(
        kv_table(
            [
                ("Art. 27 for this system", cell(f"{verdict}: {why}", bold=True)),
                ("Declared role (Art. 3)", ctx.declared("role")[0]),
                ("Declared Annex III area", ctx.declared("annex_iii_category")[0]),
            ],
            key_width=45 * mm,
            flags={0: "provider" if required else "small" if required is False else "insufficient"},
        )
    )
    out.append(p(_norm(legal["who"]) + f" ({legal['source']})", st.small))
    if required is False:
        out.append(p("The elements of Art. 27(1) are therefore not listed; the coverage matrix marks them not applicable."))
        return out
    if "provider" in role.lower() and "deployer" not in role.lower():
        out.append(
            p(
                "This report is the provider's; the assessment is each deployer's duty. The elements below, and this "
                "audit's findings on the groups it examined, are what a deployer starts from; the provider's information "
                "under Art. 13 feeds element (d).",
                st.note,
            )
        )
    rows: list[list[Cell]] = [["Art. 27(1)", "What the assessment describes", "Declared"]]
    flags = {}
    for letter, field, what in legal["elements"]:
        value, flag = ctx.declared(field)
        rows.append([cell(f"({letter})", bold=True), cell(what), value])
        if flag:
            flags[(2, len(rows) - 1)] = flag
    out.append(table(rows, [16 * mm, 80 * mm, TEXT_WIDTH - 96 * mm], flags=flags, zebra=False))
    out += _group_findings(ctx)
    out.append(p(_norm(legal["afterwards"]), st.note))
    return out


def _group_findings(ctx: RenderContext) -> list[Flowable]:
    """Elements (c) and (d) from the audit: the groups examined, and for each the checks it failed or could not settle."""
    r, st = ctx.result, styles()
    out = [p("From this audit: the groups examined and their findings (elements (c) and (d))", st.h3)]
    by_group: dict[tuple[tuple[str, ...], str], dict[str, list[str]]] = defaultdict(
        lambda: {"fail": [], "insufficient_evidence": []}
    )
    from reports.risks import UNRATED

    n_small = sum(1 for x in ctx.risks if x.band == UNRATED)
    for x in ctx.risks:
        if x.band == UNRATED:
            continue
        key = (x.level, x.group_values)
        by_group[key][x.status].append(f"{x.check} {x.statistic.split(' [')[0]}")
    groups = sorted(
        r.groups,
        key=lambda g: (
            -len(by_group.get((g.level, F.group(g.attributes, values_only=True)), {}).get("fail", [])),
            -len(by_group.get((g.level, F.group(g.attributes, values_only=True)), {}).get("insufficient_evidence", [])),
            len(g.level),
            -g.n,
        ),
    )
    flagged = [g for g in groups if (g.level, F.group(g.attributes, values_only=True)) in by_group]
    rows: list[list[Cell]] = [["Attribute", "Group", "Rows (share)", "Failed checks (statistic)", "Not decidable"]]
    flags = {}
    for g in flagged[:_MAX_GROUPS]:
        f = by_group[(g.level, F.group(g.attributes, values_only=True))]
        rows.append(
            [
                cell(F.level(g.level)),
                cell(F.group(g.attributes, values_only=True) + (f"  {F.SMALL_MARK}" if g.small else "")),
                f"{F.count(g.n)} ({F.pct(g.share)})",
                cell("; ".join(f["fail"]) or "—"),
                cell("; ".join(f["insufficient_evidence"]) or "—"),
            ]
        )
        if f["fail"]:
            flags[(3, len(rows) - 1)] = "fail"
        if f["insufficient_evidence"]:
            flags[(4, len(rows) - 1)] = "insufficient"
    out.append(
        p(
            f"Sensitive attributes examined: {', '.join(r.spec.sensitive)}; {len(r.groups)} groups in all, of which "
            f"{len(flagged)} failed a check or could not be decided on enough rows, listed below; the others passed "
            f"every check that applied, or had too few rows to judge ({n_small} comparisons, listed in F). Groups not "
            "in the evaluation data were not examined at all.",
            st.small,
        )
    )
    if len(rows) > 1:
        out.append(table(rows, [26 * mm, 38 * mm, 20 * mm, 45 * mm, TEXT_WIDTH - 129 * mm], flags=flags, font_size=6.5))
    if len(flagged) > _MAX_GROUPS:
        out.append(ctx_more(ctx, len(flagged) - _MAX_GROUPS))
    out.append(
        p(
            "Whether a disparity found here is a risk of harm to fundamental rights (non-discrimination, Art. 21 of the "
            "Charter, among others) in the deployer's context is for the deployer to judge; the figures are evidence "
            "for that judgement, not the judgement.",
            st.note,
        )
    )
    return out


def ctx_more(ctx: RenderContext, n: int) -> Deferred:
    return deferred(
        ctx,
        lambda: p(
            f"… and {n} more groups: see the verdicts in {link(ctx, 'S6')} and the risk register in {link(ctx, 'S9')}.",
            styles().note,
            markup=True,
        ),
    )
