"""S6 fairness and bias examination: criterion and reference groups, the disparity overview, per-level rates with
intervals, differences and ratios vs the reference, the four-fifths impact ratio, intersections, Holm-corrected
significance, every verdict with its rule and reason, base rates and the impossibility note, calibration by group.
The block of each level (rates, differences, ratios) is in `reports.sections.fairness_levels`."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable

from reports import charts
from reports import format as F
from reports.context import PROVIDER_TEXT, RenderContext
from reports.layout import TEXT_WIDTH, Cell, cell, keep, kv_table, p, styles, table
from reports.sections.fairness_levels import ComparisonKey, group_key, level_block, status_by_metric
from reports.sections.mitigation import s6_before_after

if TYPE_CHECKING:
    from audit.result import Disparity

FOREST_ROWS = 20  # failed and undecided verdicts drawn in the forest plot (all of them are in the table)


def s6_fairness(ctx: RenderContext) -> list[Flowable]:
    r, st = ctx.result, styles()
    out = ctx.section_start("S6")
    pol = r.spec.policy

    out.append(ctx.h2("Chosen fairness criterion", key="s6-criterion"))
    out.append(
        p(
            f"Policy “{pol.name}”: {(pol.description or 'user-declared checks').rstrip('.')}. Checks: "
            + "; ".join(f"{c.id} ({c.rule()})" for c in pol.checks)
            + "."
        )
    )
    para, flag = ctx.declared("fairness_criterion_rationale")
    out.append(kv_table([("Why this criterion (declared)", para)], key_width=45 * mm, flags={0: flag} if flag else None))
    out.append(
        p(
            f"Sensitive attributes used: {', '.join(r.spec.sensitive)}; every combination of them is audited as an "
            f"intersectional group. Minimum group size {r.spec.min_group_size}.",
            st.body,
        )
    )
    rows: list[list[Cell]] = [
        ["Level", "Reference group", "How chosen", "Groups", f"{F.SMALL_MARK}", "DP difference [CI]", "EO difference [CI]"]
    ]
    flags = {}
    for lv in r.levels:
        rows.append(
            [
                cell(F.level(lv.level)),
                cell(F.group(lv.reference, values_only=True)),
                cell(lv.reference_reason),
                str(lv.n_groups),
                str(lv.small_groups),
                cell(F.est_lines(lv.demographic_parity_difference)),
                cell(F.est_lines(lv.equalized_odds_difference)),
            ]
        )
        if lv.small_groups:
            flags[(4, len(rows) - 1)] = "small"
    out.append(table(rows, [36 * mm, 30 * mm, 30 * mm, 13 * mm, 15 * mm, 25 * mm, TEXT_WIDTH - 149 * mm], flags=flags))
    out.append(
        p(
            "DP difference: largest minus smallest selection rate in the level (demographic parity); EO difference: the "
            "larger of the TPR and FPR spreads (equalized odds), as fairlearn defines them.",
            st.note,
        )
    )

    out.append(ctx.h2("Disparity overview", key="s6-overview"))
    img = ctx.chart(charts.DisparityOverviewDisplay.from_result, r)
    if img is not None:
        out.append(img)
    rows = [["Check", "Level", "✓ Pass", "✗ Fail", "? Insufficient"]]
    flags = {}
    counts = Counter((v.check, v.level, v.status) for v in r.verdicts)
    for c in pol.checks:
        for lv in r.levels:
            n = [counts[(c.id, lv.level, s)] for s in ("pass", "fail", "insufficient_evidence")]
            if sum(n) == 0:
                continue
            rows.append([cell(c.id), cell(F.level(lv.level)), str(n[0]), (f"✗ {n[1]}" if n[1] else "0"), str(n[2])])
            if n[1]:
                flags[(3, len(rows) - 1)] = "fail"
            if n[2]:
                flags[(4, len(rows) - 1)] = "insufficient"
    out.append(table(rows, [45 * mm, 55 * mm, 22 * mm, 22 * mm, TEXT_WIDTH - 144 * mm], flags=flags, align_right_from=2))

    status = status_by_metric(r)
    disp: dict[ComparisonKey, Disparity] = {(d.level, group_key(d.group), d.metric, d.against): d for d in r.disparities}
    for i, lv in enumerate(r.levels, 1):
        out += level_block(ctx, lv, i, status, disp)

    out += _verdicts(ctx)

    out.append(ctx.h2("Significance and multiple comparisons", key="s6-significance"))
    out.append(ctx.statement("holm"))
    n_disp = sum(1 for d in r.disparities if d.p_value is not None)
    n_verd = sum(1 for v in r.verdicts if v.p_adjusted is not None)
    fam = r.verdict_family.statement if r.verdict_family is not None else ""
    out.append(
        p(
            f"The verdicts test the policy's own thresholds, one-sided: {fam} Each of the {F.count(n_verd)} tested "
            "comparisons behind a verdict is printed with that one adjusted p everywhere (verdicts, difference tables, "
            f"findings). Differences that no check decides (marked †) test equal rates and are adjusted within the "
            f"{F.count(n_disp)} tested differences of the tables, as a descriptive screen; α = {pol.alpha:g}."
        )
    )
    if r.methods:
        out.append(p("Methods: " + "; ".join(f"{k}: {v}" for k, v in r.methods.items()) + ".", styles().note))

    out += _base_rates(ctx)
    out += s6_before_after(ctx)
    return out


def _verdicts(ctx: RenderContext) -> list[Flowable]:
    r, st = ctx.result, styles()
    out = [CondPageBreak(50 * mm), ctx.h2("Verdicts against the declared thresholds", key="s6-verdicts")]
    level = (
        f" Each statistic's interval is the deciding interval ({r.verdict_family.interval_level * 100:.4g}%, the family "
        "level); “needs ≈N”: rows the group would need to decide the check at its observed rates."
        if r.verdict_family is not None and r.verdict_family.hypotheses
        else ""
    )
    out.append(
        p(
            f"{r.summary.sentence()} Every comparison a check applies to is listed, failures first; the reason is the "
            "rule's own account of the decision." + level
        )
    )
    if any(v.status != "pass" for v in r.verdicts):
        img = ctx.chart(charts.VerdictForestDisplay.from_result, r, ("fail", "insufficient_evidence"), max_rows=FOREST_ROWS)
        if img is not None:
            out.append(
                keep(
                    img,
                    p(
                        "Each line is one comparison's statistic with its interval, against the check's thresholds "
                        "(dashed); the grey line is no difference (ratio 1, difference 0). How each verdict follows "
                        "from them is stated in its row of the table below.",
                        st.note,
                    ),
                )
            )
    order = {"fail": 0, "insufficient_evidence": 1, "pass": 2}
    vs = sorted(r.verdicts, key=lambda v: (order[v.status], v.check, len(v.level), v.level, F.group(v.group)))
    rows: list[list[Cell]] = [
        ["Status", "Check", "Group vs comparator", "Statistic [CI]", "n (group / comp.)", "p Holm", "Reason"]
    ]
    flags = {}
    kind = {"fail": "fail", "insufficient_evidence": "insufficient", "pass": "pass"}
    for v in vs:
        rows.append(
            [
                cell(F.STATUS_TEXT[v.status], bold=v.status == "fail"),
                cell(v.check),
                cell(f"{F.group(v.group)}\nvs {F.group(v.comparator, values_only=True)}"),
                cell(F.est_lines(v.statistic)),
                cell(
                    f"{F.count(v.n_group)} / {F.count(v.n_comparator)}"
                    + (f"\nneeds ≈{F.count(v.needed_n_group)}" if v.needed_n_group else "")
                ),
                F.pval(v.p_adjusted),
                cell(v.reason),
            ]
        )
        flags[(0, len(rows) - 1)] = kind[v.status]
    if len(rows) == 1:
        out.append(p("No check of the policy applied to these groups."))
        return out
    out.append(
        table(rows, [20 * mm, 24 * mm, 38 * mm, 22 * mm, 17 * mm, 11 * mm, TEXT_WIDTH - 132 * mm], flags=flags, font_size=6.5)
    )
    rules = "; ".join(f"{c.id}: {c.rule()}" for c in r.spec.policy.checks)
    out.append(p(f"Rules: {rules}.", st.note))
    return out


def _base_rates(ctx: RenderContext) -> list[Flowable]:
    r, st = ctx.result, styles()
    out = [CondPageBreak(50 * mm), ctx.h2("Base rates and the impossibility result", key="s6-base-rates")]
    sentences = []
    for lv in [lv for lv in r.levels if len(lv.level) == 1]:
        rated = [
            (rate, g)
            for g in r.groups
            if g.level == lv.level and not g.small and (rate := g.metrics["base_rate"].value) is not None
        ]
        if len(rated) < 2:
            continue
        lo = min(rated, key=lambda rg: rg[0])[1]
        hi = max(rated, key=lambda rg: rg[0])[1]
        sentences.append(
            f"{F.level(lv.level)}: from {F.num(lo.metrics['base_rate'].value)} "
            f"({F.group(lo.attributes, values_only=True)}) to {F.num(hi.metrics['base_rate'].value)} "
            f"({F.group(hi.attributes, values_only=True)})"
        )
    if sentences:
        out.append(p("Base rates (share of actual positives) among groups with enough rows — " + "; ".join(sentences) + "."))
    out.append(ctx.statement("impossibility"))
    _para, flag = ctx.declared("fairness_criterion_rationale")
    if flag:
        out.append(p("The provider's reason for the chosen criterion: " + PROVIDER_TEXT + ".", st.body))
    if any(b.mean_score is not None for b in r.overall.calibration):
        out.append(
            p(
                f"Calibration by group, the third property in the trade-off, is shown for each attribute in S5"
                f"{' (p. ' + str(ctx.section_pages['S5']) + ')' if 'S5' in ctx.section_pages else ''}."
            )
        )
    return out
