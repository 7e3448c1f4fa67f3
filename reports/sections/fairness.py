"""S6 fairness and bias examination: criterion and reference groups, the disparity overview, per-level rates with
intervals, differences and ratios vs the reference, the four-fifths impact ratio, intersections, Holm-corrected
significance, every verdict with its rule and reason, base rates and the impossibility note, calibration by group."""

from __future__ import annotations

from collections import Counter

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak

from reports import charts
from reports import format as F
from reports.context import PROVIDER_TEXT, RenderContext
from reports.layout import TEXT_WIDTH, cell, keep, kv_table, p, styles, table

RATE_COLUMNS = ("base_rate", "selection_rate", "tpr", "fpr", "fnr", "precision")
DIFF_METRICS = ("selection_rate", "tpr", "fpr", "fnr", "precision")
_CHART_MAX_IN = 8.4
FOREST_ROWS = 20  # failed and undecided verdicts drawn in the forest plot (all of them are in the table)


def _key(attrs: dict) -> tuple:
    return tuple(sorted(attrs.items()))


def _chunks(groups, level) -> list[list]:
    """Split a level's groups so that each chart fits on a page."""
    out, cur, height = [], [], 0.95
    for g in groups:
        lines = len(charts.wrap(F.group(g.attributes, values_only=True)).split("\n"))
        h = 0.13 * lines + 0.05
        if cur and height + h > _CHART_MAX_IN:
            out.append(cur)
            cur, height = [], 0.95
        cur.append(g)
        height += h
    if cur:
        out.append(cur)
    return out


def _status_by_metric(r) -> dict[tuple, tuple[str, str]]:
    """(level, group, metric, against) -> (worst status, check id) over the policy's checks."""
    checks = {c.id: c for c in r.spec.policy.checks}
    order = {"fail": 0, "insufficient_evidence": 1, "pass": 2}
    out: dict[tuple, tuple[str, str]] = {}
    for v in r.verdicts:
        c = checks.get(v.check)
        if c is None:
            continue
        against = "max" if c.against in ("max", "min") else "reference"
        k = (v.level, _key(v.group), c.metric, against)
        if k not in out or order[v.status] < order[out[k][0]]:
            out[k] = (v.status, v.check)
    return out


def _verdict_p(r) -> dict[tuple, tuple[dict, float | None]]:
    """(level, group, metric, against) -> (comparator, the verdict's Holm-adjusted p): the one adjusted p the report
    prints for a comparison a check decides (the verdicts' family), wherever it appears."""
    checks = {c.id: c for c in r.spec.policy.checks}
    out = {}
    for v in r.verdicts:
        c = checks.get(v.check)
        if c is not None:
            out[(v.level, _key(v.group), c.metric, "max" if c.against in ("max", "min") else "reference")] = (
                v.comparator,
                v.p_adjusted,
            )
    return out


def s6_fairness(ctx: RenderContext) -> list:
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
    rows = [["Level", "Reference group", "How chosen", "Groups", f"{F.SMALL_MARK}", "DP difference [CI]", "EO difference [CI]"]]
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

    status = _status_by_metric(r)
    disp = {(d.level, _key(d.group), d.metric, d.against): d for d in r.disparities}
    for i, lv in enumerate(r.levels, 1):
        out += _level_block(ctx, lv, i, status, disp)

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
    return out


def _level_block(ctx: RenderContext, lv, index: int, status, disp) -> list:
    r, st = ctx.result, styles()
    kind = "intersection" if len(lv.level) > 1 else "attribute"
    heading = ctx.h2(f"6.{index} {F.level(lv.level)} ({kind}, {lv.n_groups} groups)", key=f"s6-level-{index}")
    out = [CondPageBreak(60 * mm)]
    groups = [g for g in r.groups if g.level == lv.level]
    singles = [x.level for x in r.levels if len(x.level) == 1]
    if len(lv.level) == 1 and len(singles) > 1:
        # One chart for all single attributes (drawn with the first of them): one figure instead of several.
        parts = []
        if lv.level == singles[0]:
            img = ctx.chart(charts.attribute_rates_display, r, singles)
            out.append(keep(heading, img) if img is not None else heading)
        else:
            out.append(heading)
    else:
        parts = _chunks(groups, lv.level)
    for j, part in enumerate(parts):
        img = ctx.chart(
            charts.group_rates_display, r, lv.level, groups=part, part=(j + 1, len(parts)) if len(parts) > 1 else None
        )
        if j == 0:
            out.append(keep(heading, img) if img is not None else heading)
        elif img is not None:
            out.append(img)
    if not parts and not (len(lv.level) == 1 and len(singles) > 1):
        out.append(heading)
    # rates with intervals
    out.append(CondPageBreak(35 * mm))
    out.append(p(f"Rates by group, {round(r.spec.ci_level * 100)}% CI", st.h3))
    head = ["Group", "Rows\n(share)"] + [F.SHORT_METRIC[m] for m in RATE_COLUMNS]
    rows, flags = [head], {}
    for g in groups:
        label = F.group(g.attributes, values_only=True)
        if g.attributes == lv.reference:
            label += f" {F.REF_MARK}"
        if g.small:
            label += f"\n{F.SMALL_MARK}"
        row = [cell(label), f"{F.count(g.n)}\n({F.pct(g.share)})"]
        ri = len(rows)
        for ci, m in enumerate(RATE_COLUMNS, 2):
            text = F.est_lines(g.metrics.get(m))
            s = status.get((lv.level, _key(g.attributes), m, "reference")) or status.get((lv.level, _key(g.attributes), m, "max"))
            if s and s[0] == "fail":
                text += "\n✗ FAIL"
                flags[(ci, ri)] = "fail"
            elif s and s[0] == "insufficient_evidence":
                text += "\n? INSUFF."
                flags[(ci, ri)] = "insufficient"
            row.append(text)
        if g.small:
            flags[(0, ri)] = "small"
        rows.append(row)
    wg, wn = 36 * mm, 16 * mm
    w = (TEXT_WIDTH - wg - wn) / len(RATE_COLUMNS)
    out.append(
        table(
            rows,
            [wg, wn] + [w] * len(RATE_COLUMNS),
            flags=flags,
            font_size=6.5,
            align_right_from=1,
            extra=[("ALIGN", (1, 0), (-1, 0), "RIGHT")],
        )
    )
    out.append(
        p(
            f"Each cell: value over its interval. ✗ FAIL / ? INSUFF.: the policy check on this metric failed or lacked "
            f"evidence for the group (see the verdicts). {F.SMALL_MARK}: below {r.spec.min_group_size} rows. "
            f"{F.REF_MARK}: reference group ({lv.reference_reason}).",
            st.note,
        )
    )
    # differences and ratios
    rows = [["Group", "Metric", "Difference [CI]", "Ratio [CI]", "p (Holm)", "Policy check"]]
    flags = {}
    zebra_cmds = []
    alpha = r.spec.policy.alpha
    ctx_p = _verdict_p(r)
    band = False
    top_ref = None
    for g in groups:
        if g.attributes == lv.reference:
            continue
        entries = []
        for m in DIFF_METRICS:
            d = disp.get((lv.level, _key(g.attributes), m, "reference"))
            if d is not None:
                entries.append((F.SHORT_METRIC[m], d, status.get((lv.level, _key(g.attributes), m, "reference"))))
        d = disp.get((lv.level, _key(g.attributes), "selection_rate", "max"))
        if d is not None:
            top_ref = d.reference
            entries.append(("Impact ratio", d, status.get((lv.level, _key(g.attributes), "selection_rate", "max"))))
        if not entries:
            continue
        first = len(rows)
        for k, (mname, d, s) in enumerate(entries):
            ri = len(rows)
            label = F.group(g.attributes, values_only=True) + (f"\n{F.SMALL_MARK}" if g.small else "") if k == 0 else ""
            ratio_text = F.est(d.ratio)
            if mname.startswith("Impact"):
                ratio_text += "" if d.ratio.value is None or d.ratio.value >= 0.8 else " ▼"
                if d.ratio.value is not None and d.ratio.value < 0.8:
                    flags[(3, ri)] = "insufficient"
            vp = ctx_p.get((lv.level, _key(g.attributes), d.metric, d.against))
            adj, mark = (vp[1], "") if vp is not None and vp[0] == d.reference else (d.p_adjusted, " †")
            ptxt = f"{F.pval(d.p_value)} ({F.pval(adj)}{mark})" + (" ✱" if adj is not None and adj < alpha else "")
            check_text = ""
            if s:
                check_text = F.STATUS_TEXT[s[0]]
                flags[(5, ri)] = {"fail": "fail", "insufficient_evidence": "insufficient", "pass": "pass"}[s[0]]
            rows.append([cell(label), mname, F.est(d.difference, sign=True), ratio_text, ptxt, check_text])
        if band:
            zebra_cmds.append(("BACKGROUND", (0, first), (-1, len(rows) - 1), "#f4f4f4"))
        band = not band
        zebra_cmds.append(("LINEABOVE", (0, first), (-1, first), 0.3, "#c8c8c8"))
    if len(rows) > 1:
        out.append(CondPageBreak(35 * mm))
        out.append(p(f"Differences and ratios vs the reference group ({F.group(lv.reference, values_only=True)})", st.h3))
        # zebra by group, then flags on top
        t = table(
            rows,
            [36 * mm, 18 * mm, 33 * mm, 35 * mm, 26 * mm, TEXT_WIDTH - 148 * mm],
            flags=None,
            zebra=False,
            font_size=6.5,
            extra=zebra_cmds,
        )
        from reportlab.platypus import TableStyle

        from reports.layout import FLAG_BG

        t.setStyle(
            TableStyle(
                [("BACKGROUND", (c, r_), (c, r_), FLAG_BG[k]) for (c, r_), k in flags.items()]
                + [("FONTNAME", (c, r_), (c, r_), "DejaVuSans-Bold") for (c, r_), k in flags.items() if k == "fail"]
            )
        )
        out.append(t)
        applies = "; ".join(
            f"{F.SHORT_METRIC.get(c.metric, c.metric)}{' impact ratio' if c.against == 'max' else ''}: {c.id}"
            for c in r.spec.policy.checks
        )
        top = F.group(top_ref, values_only=True) if top_ref else "—"
        out.append(
            p(
                "Difference = group minus reference; ratio = group over reference. The impact ratio divides the group's "
                f"selection rate by the highest group's ({top}; four-fifths rule, ▼ marks a point estimate below 0.8). "
                f"p (Holm): the test's p-value and, in brackets, after Holm correction: for a comparison a check decides, the "
                "verdict's adjusted p (the same value as in the verdicts and the findings); † a comparison no check "
                "decides, adjusted over all differences tabulated here (descriptive only). "
                f"✱: significant after correction at α = {alpha:g}. Policy check column: the verdict of the check on "
                f"that row's metric ({applies}).",
                st.note,
            )
        )
    return out


def _verdicts(ctx: RenderContext) -> list:
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
    rows = [["Status", "Check", "Group vs comparator", "Statistic [CI]", "n (group / comp.)", "p Holm", "Reason"]]
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


def _base_rates(ctx: RenderContext) -> list:
    r, st = ctx.result, styles()
    out = [CondPageBreak(50 * mm), ctx.h2("Base rates and the impossibility result", key="s6-base-rates")]
    sentences = []
    for lv in [lv for lv in r.levels if len(lv.level) == 1]:
        gs = [g for g in r.groups if g.level == lv.level and not g.small and g.metrics["base_rate"].value is not None]
        if len(gs) < 2:
            continue
        lo = min(gs, key=lambda g: g.metrics["base_rate"].value)
        hi = max(gs, key=lambda g: g.metrics["base_rate"].value)
        sentences.append(
            f"{F.level(lv.level)}: from {F.num(lo.metrics['base_rate'].value)} "
            f"({F.group(lo.attributes, values_only=True)}) to {F.num(hi.metrics['base_rate'].value)} "
            f"({F.group(hi.attributes, values_only=True)})"
        )
    if sentences:
        out.append(p("Base rates (share of actual positives) among groups with enough rows — " + "; ".join(sentences) + "."))
    out.append(ctx.statement("impossibility"))
    _, flag = ctx.declared("fairness_criterion_rationale")
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
