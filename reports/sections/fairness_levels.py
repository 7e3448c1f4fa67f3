"""S6, one block per level of the criterion: the rate chart (split so that each part fits a page), rates by group with
their intervals, and differences and ratios vs the reference with the verdict's p-value."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable

from reports import charts
from reports import format as F
from reports.context import RenderContext

if TYPE_CHECKING:
    from audit.result import AuditResult, Disparity, GroupResult, LevelSummary
from reports.layout import TEXT_WIDTH, Cell, StyleCommand, cell, keep, p, styles, table

RATE_COLUMNS = ("base_rate", "selection_rate", "tpr", "fpr", "fnr", "precision")
DIFF_METRICS = ("selection_rate", "tpr", "fpr", "fnr", "precision")
_CHART_MAX_IN = 8.4

GroupKey = tuple[tuple[str, str], ...]  # a group's attributes, sorted
ComparisonKey = tuple[tuple[str, ...], GroupKey, str, str]  # (level, group, metric, against "reference" or "max")


def group_key(attrs: Mapping[str, str]) -> GroupKey:
    return tuple(sorted(attrs.items()))


def _chunks(groups: Sequence[GroupResult], level: tuple[str, ...]) -> list[list[GroupResult]]:
    """Split a level's groups so that each chart fits on a page."""
    out: list[list[GroupResult]] = []
    cur: list[GroupResult] = []
    height = 0.95
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


def status_by_metric(r: AuditResult) -> dict[ComparisonKey, tuple[str, str]]:
    """(level, group, metric, against) -> (worst status, check id) over the policy's checks."""
    checks = {c.id: c for c in r.spec.policy.checks}
    order = {"fail": 0, "insufficient_evidence": 1, "pass": 2}
    out: dict[ComparisonKey, tuple[str, str]] = {}
    for v in r.verdicts:
        c = checks.get(v.check)
        if c is None:
            continue
        against = "max" if c.against in ("max", "min") else "reference"
        k = (v.level, group_key(v.group), c.metric, against)
        if k not in out or order[v.status] < order[out[k][0]]:
            out[k] = (v.status, v.check)
    return out


def _verdict_p(r: AuditResult) -> dict[ComparisonKey, tuple[dict[str, str], float | None]]:
    """(level, group, metric, against) -> (comparator, the verdict's Holm-adjusted p): the one adjusted p the report
    prints for a comparison a check decides (the verdicts' family), wherever it appears."""
    checks = {c.id: c for c in r.spec.policy.checks}
    out = {}
    for v in r.verdicts:
        c = checks.get(v.check)
        if c is not None:
            out[(v.level, group_key(v.group), c.metric, "max" if c.against in ("max", "min") else "reference")] = (
                v.comparator,
                v.p_adjusted,
            )
    return out


def level_block(
    ctx: RenderContext,
    lv: LevelSummary,
    index: int,
    status: Mapping[ComparisonKey, tuple[str, str]],
    disp: Mapping[ComparisonKey, Disparity],
) -> list[Flowable]:
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
    head: list[Cell] = ["Group", "Rows\n(share)", *(F.SHORT_METRIC[m] for m in RATE_COLUMNS)]
    rows: list[list[Cell]] = [head]
    flags: dict[tuple[int, int], str] = {}
    for g in groups:
        label = F.group(g.attributes, values_only=True)
        if g.attributes == lv.reference:
            label += f" {F.REF_MARK}"
        if g.small:
            label += f"\n{F.SMALL_MARK}"
        row: list[Cell] = [cell(label), f"{F.count(g.n)}\n({F.pct(g.share)})"]
        ri = len(rows)
        for ci, m in enumerate(RATE_COLUMNS, 2):
            text = F.est_lines(g.metrics.get(m))
            s = status.get((lv.level, group_key(g.attributes), m, "reference")) or status.get(
                (lv.level, group_key(g.attributes), m, "max")
            )
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
    zebra_cmds: list[StyleCommand] = []
    alpha = r.spec.policy.alpha
    ctx_p = _verdict_p(r)
    band = False
    top_ref = None
    for g in groups:
        if g.attributes == lv.reference:
            continue
        entries = []
        for m in DIFF_METRICS:
            d = disp.get((lv.level, group_key(g.attributes), m, "reference"))
            if d is not None:
                entries.append((F.SHORT_METRIC[m], d, status.get((lv.level, group_key(g.attributes), m, "reference"))))
        d = disp.get((lv.level, group_key(g.attributes), "selection_rate", "max"))
        if d is not None:
            top_ref = d.reference
            entries.append(("Impact ratio", d, status.get((lv.level, group_key(g.attributes), "selection_rate", "max"))))
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
            vp = ctx_p.get((lv.level, group_key(g.attributes), d.metric, d.against))
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
