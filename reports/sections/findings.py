"""Findings (part 1): every failed and undecidable comparison once, worst first, with its statistic, interval, group
sizes and the one adjusted p-value the verdict used; the risk register's ids, so the approver can find each in S9."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Table

from reports import format as F
from reports.context import RenderContext, deferred, link
from reports.layout import TEXT_WIDTH, Cell, cell, p, styles, table
from reports.risks import UNRATED, Risk


def rating_text(x: Risk) -> str:
    return "not rated: too few rows" if x.band == UNRATED else f"{x.rating} {x.band}"


def decisive(x: Risk) -> bool:
    """Listed one by one: a failure, or an undecidable comparison whose point estimate breaks the rule."""
    return x.status == "fail" or (x.band != UNRATED and x.beyond > 0)


def f_findings(ctx: RenderContext) -> list[Flowable]:
    r, st = ctx.result, styles()
    out = ctx.section_start("F")
    s = r.summary
    risks = ctx.risks
    if not risks:
        out.append(p(f"No comparison failed or lacked evidence: {s.sentence()} The full tables are in S6."))
        out.append(ctx.statement("no_overclaim"))
        return out
    listed = [x for x in risks if decisive(x)]
    within = [x for x in risks if not decisive(x) and x.band != UNRATED]
    small = [x for x in risks if x.band == UNRATED]
    out.append(
        deferred(
            ctx,
            lambda: p(
                f"{s.failed} comparison{'s' if s.failed != 1 else ''} failed and {s.insufficient_evidence} lacked evidence, of "
                f"{s.total}. Listed one by one, worst first: the failures, by how far the statistic lies beyond the "
                "threshold, then "
                f"the undecidable comparisons whose point estimate breaks the rule ({len(listed)} in all). Below the table: "
                f"{len(within)} undecidable comparisons whose point estimate is within the rule, and {len(small)} that rest on a "
                f"group below the minimum size of {r.spec.min_group_size} rows, which are not rated. The ids are those of the "
                "risk "
                f"register ({link(ctx, 'S9')}); the rates and differences behind each are in {link(ctx, 'S6')}.",
                markup=True,
            ),
        )
    )
    if listed:
        out.append(_table(listed))
    if within:
        out.append(p(f"Undecidable, point estimate within the rule ({len(within)}): the interval straddles the threshold", st.h3))
        out.append(
            p(
                "; ".join(
                    f"{x.id} {x.check}: {x.group_values} vs {x.comparator_values} {x.statistic.split(' [')[0]} "
                    f"(n {F.count(x.n_group)})"
                    for x in within
                )
                + ".",
                st.small,
            )
        )
    if small:
        out.append(p(f"Not rated, too few rows ({len(small)}): group or comparator below {r.spec.min_group_size} rows", st.h3))
        by_group: dict[str, list[Risk]] = {}
        for x in small:
            by_group.setdefault(f"{x.group_values} ({F.count(x.n_group)} rows)", []).append(x)
        out.append(
            p(
                "; ".join(
                    f"{g}: {', '.join(dict.fromkeys(x.check for x in xs))} [{xs[0].id}"
                    + (f"–{xs[-1].id}" if len(xs) > 1 else "")
                    + "]"
                    for g, xs in by_group.items()
                )
                + ".",
                st.small,
            )
        )
    rules = "; ".join(f"{c.id}: {c.rule()}" for c in r.spec.policy.checks)
    out.append(
        p(
            f"Rules declared before the run: {rules}. p (Holm): the verdict's test adjusted over all "
            f"{sum(1 for v in r.verdicts if v.p_adjusted is not None)} tested comparisons behind the verdicts; the "
            "report prints this one value for each comparison wherever it appears. Rating: likelihood × severity "
            "(S9); a group below the minimum size is not rated, because a point estimate from so few rows is no "
            "basis for one.",
            st.note,
        )
    )
    return out


def _table(risks: Sequence[Risk]) -> Table:
    rows: list[list[Cell]] = [
        ["ID", "Status", "Check", "Group vs comparator", "Statistic [CI]", "n group / comp.", "p (Holm)", "Rating"]
    ]
    flags = {}
    for x in risks:
        rows.append(
            [
                x.id,
                cell(F.STATUS_TEXT[x.status], bold=x.status == "fail"),
                cell(x.check),
                cell(f"{F.level(x.level)}: {x.group_values}\nvs {x.comparator_values}"),
                cell(x.statistic.replace(" [", "\n[")),
                f"{F.count(x.n_group)} / {F.count(x.n_comparator)}",
                F.pval(x.p_adjusted),
                cell(rating_text(x), bold=x.band == "high"),
            ]
        )
        ri = len(rows) - 1
        flags[(1, ri)] = "fail" if x.status == "fail" else "insufficient"
        if x.band == "high":
            flags[(7, ri)] = "fail"
    return table(
        rows, [10 * mm, 19 * mm, 27 * mm, 48 * mm, 23 * mm, 17 * mm, 12 * mm, TEXT_WIDTH - 156 * mm], flags=flags, font_size=6.5
    )
