"""S7 explainability: explainer and sample sizes, global importance (chart and table, the SHAP summary and dependence
plots), importance across groups (heat map, largest differences, importance within each group), attribution to proxy
features, local examples (borderline and adverse decisions), stability, limits. The dependence and within-group figures
are in reports.sections.xai_figures."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable

from reports import charts
from reports import format as F
from reports.charts import HEATMAP_GROUPS, TOP_FEATURES
from reports.context import NOT_ASSESSED_TEXT, RenderContext
from reports.coverage import PRESENT, explanation_state
from reports.layout import TEXT_WIDTH, Cell, cell, keep, kv_table, p, styles, table
from reports.sections import xai_figures


def s7_explainability(ctx: RenderContext) -> list[Flowable]:
    r, st = ctx.result, styles()
    out = ctx.section_start("S7")
    ex = r.explanations
    state, detail = explanation_state(r)
    if state != PRESENT or ex is None:
        out.append(p(f"{NOT_ASSESSED_TEXT}: {detail}"))
        if ex is not None and ex.warnings:
            out += [p("• " + w, st.small) for w in ex.warnings]
        out += [p("Limits of explanations", st.h2), ctx.statement("explanation_limits")]
        return out
    pairs = [
        ("Explainer", f"{ex.explainer} — {ex.reason}"),
        ("Computed by", ex.library or "—"),
        ("Output explained", ex.output_space or "—"),
        (
            "Background",
            f"{F.count(ex.background_size)} rows"
            if ex.background_size
            else "none needed (path-dependent TreeSHAP)"
            if ex.explainer.startswith("tree")
            else "—",
        ),
        (
            "Rows explained",
            f"{F.count(ex.sample_size)} in all; {F.count(ex.global_rows)} (uniform random sample) behind the global "
            f"importance, of {F.count(ex.rows_available)} available",
        ),
        (
            "Run",
            f"{ex.seconds:.1f} s"
            + (f" of a {ex.time_budget_s:g} s budget" if ex.time_budget_s else "")
            + (f", seed {ex.seed}" if ex.seed is not None else "")
            + (f", {ex.permutations} permutations" if ex.permutations else "")
            + (f", {ex.processes} processes" if ex.processes > 1 else ""),
        ),
        ("Status", "complete" if ex.status == "complete" else f"{ex.status}: " + "; ".join(ex.warnings[:2])),
    ]
    out.append(kv_table(pairs, key_width=34 * mm, flags={6: "insufficient"} if ex.status != "complete" else None))

    if ex.global_:
        img = ctx.chart(charts.ImportanceDisplay.from_result, r)
        head = p("Global importance", st.h2)
        out.append(keep(head, img) if img is not None else head)
        rows: list[list[Cell]] = [["Feature", "Mean |SHAP| [interval]", "Share", "Proxy for"]]
        prox: dict[str, list[str]] = {}
        for x in r.quality.proxies:
            prox.setdefault(x.feature, []).append(f"{x.sensitive} (V={x.cramers_v:.2f})")
        flags = {}
        for f in sorted(ex.global_, key=lambda f: -f.value)[:TOP_FEATURES]:
            rows.append(
                [
                    cell(f.feature),
                    f"{f.value:.4f} [{f.ci_low:.4f}, {f.ci_high:.4f}]",
                    F.pct(f.share),
                    cell(("✱ " + ", ".join(prox[f.feature])) if f.feature in prox else ""),
                ]
            )
            if f.feature in prox:
                flags[(3, len(rows) - 1)] = "insufficient"
        out.append(table(rows, [50 * mm, 50 * mm, 20 * mm, TEXT_WIDTH - 120 * mm], flags=flags))
        out += _beeswarm(ctx)
        out += xai_figures.dependence(ctx)

    if ex.by_group:
        out.append(CondPageBreak(70 * mm))
        img = ctx.chart(charts.ImportanceHeatmapDisplay.from_result, r)
        head = p("Importance compared across groups", st.h2)
        out.append(keep(head, img) if img is not None else head)
        shown = min(HEATMAP_GROUPS, sum(1 for g in ex.by_group if len(g.attributes) == 1) or len(ex.by_group))
        if shown < len(ex.by_group):
            out.append(
                p(
                    f"The heat map shows {shown} single-attribute groups of the {len(ex.by_group)} explained; the table "
                    "below lists the largest differences, intersections included.",
                    st.note,
                )
            )
        if ex.rank_shifts:
            out.append(CondPageBreak(35 * mm))  # the heading never ends a page without its table's first rows
            out.append(p("Largest differences between groups", st.h3))
            rows = [["Compared over", "Feature", "Share: lowest group", "Share: highest group", "Rank range"]]
            for s in ex.rank_shifts[:15]:
                rows.append(
                    [
                        cell(F.level(s.attributes)),
                        cell(s.feature),
                        cell(f"{F.pct(s.share_min)} ({F.group(s.group_min, values_only=True)})"),
                        cell(f"{F.pct(s.share_max)} ({F.group(s.group_max, values_only=True)})"),
                        f"{s.rank_min}–{s.rank_max}",
                    ]
                )
            out.append(table(rows, [35 * mm, 35 * mm, 40 * mm, 40 * mm, TEXT_WIDTH - 150 * mm]))
        out += xai_figures.group_importance(ctx)

    out.append(p("Attribution to proxies and sensitive attributes", st.h2))
    any_share = False
    for label, share in (
        ("candidate proxy features", ex.proxy_share),
        ("sensitive attributes the model takes as inputs", ex.sensitive_share),
    ):
        if share is None:
            continue
        any_share = True
        extra = f"; named but not model inputs: {', '.join(share.not_used)}" if share.not_used else ""
        out.append(
            p(
                f"Share of all attribution going to {label} ({', '.join(share.features) or 'none'}): "
                f"{F.pct(share.share)} [{F.pct(share.ci_low)}, {F.pct(share.ci_high)}]{extra}."
            )
        )
    grp = [g for g in ex.by_group if g.proxy_share is not None and len(g.attributes) == 1]
    if grp:
        out.append(
            p("By group: " + "; ".join(f"{F.group(g.attributes)} {F.pct(g.proxy_share)}" for g in grp[:20]) + ".", st.small)
        )
    if not any_share:
        out.append(
            p("No candidate proxy (S4) and no sensitive attribute is a model input, so no attribution goes to them directly.")
        )

    out.append(p("Local examples: borderline and adverse decisions", st.h2))
    out += _waterfall(ctx)
    if ex.local:
        rows = [["Kind", "Group", "Score / decision", "Largest contributions (feature = value: contribution)"]]
        for e in ex.local[:12]:
            top = list(e.contributions.items())[:5]
            parts = []
            for feat, c in top:
                v = e.feature_values.get(feat, "")
                vtxt = f"{v:.4g}" if isinstance(v, float) else str(v)
                parts.append(f"{feat} = {vtxt}: {c:+.3f}")
            dec = "favourable" if e.decision else "adverse"
            rows.append(
                [
                    cell(e.kind),
                    cell(F.group(e.attributes, values_only=True)),
                    cell((f"{e.score:.3f}, " if e.score is not None else "") + dec + f"\nrow {e.row}"),
                    cell("\n".join(parts) + f"\nbase {e.base_value:+.3f} → output {e.output:+.3f}"),
                ]
            )
        out.append(table(rows, [18 * mm, 38 * mm, 26 * mm, TEXT_WIDTH - 82 * mm]))
        out.append(
            p(
                "Base value plus the contributions equals the model's output for the row (in the explained output "
                "space); rows are positions in the evaluation data, not identifiers.",
                st.note,
            )
        )
    elif ctx.share:
        out.append(
            p(
                "Not in this shared copy: local examples describe individual people's rows, so a shared copy leaves "
                "them out; the full result in the audit trail keeps any there are."
            )
        )
    else:
        out.append(p(f"{NOT_ASSESSED_TEXT}: the explanations hold no local examples."))

    out.append(p("Stability", st.h2))
    stab = (
        f"Importance intervals from {ex.stability_resamples} resamples of the explained rows."
        if ex.stability_resamples
        else "No resampling was done for the importance intervals."
    )
    if ex.additivity_max_error is not None:
        stab += f" Additivity check: base value plus contributions reproduces the output within {ex.additivity_max_error:.2g}."
    out.append(p(stab))
    if ex.warnings:
        out += [p("• " + w, st.small) for w in ex.warnings]
    out += [p("Limits of explanations", st.h2), ctx.statement("explanation_limits")]
    return out


def _beeswarm(ctx: RenderContext) -> list[Flowable]:
    """The SHAP summary of the sampled rows: how each feature's values push decisions, not only how much."""
    rs = getattr(ctx.result.explanations, "row_sample", None)
    if rs is None or not rs.rows:
        return []
    img = ctx.chart(charts.BeeswarmDisplay.from_result, ctx.result)
    if img is None:
        return []
    st = styles()
    return [
        CondPageBreak(60 * mm),
        keep(
            p("Per-row attributions (SHAP summary)", st.h3),
            img,
            p(
                "Each dot is one row: its SHAP value for the feature (right of 0 pushes towards the favourable decision), "
                "coloured by the feature's own value. Rows: " + rs.sampling + ".",
                st.note,
            ),
        ),
    ]


def _waterfall(ctx: RenderContext) -> list[Flowable]:
    """One adverse decision drawn step by step (the table below lists every example)."""
    i = charts.first_adverse(ctx.result)
    if i is None:
        return []
    img = ctx.chart(charts.WaterfallDisplay.from_result, ctx.result, i)
    if img is None:
        return []
    thr, how = charts.decision_threshold(ctx.result)
    where = f"the dashed line is the decision threshold ({how})" if thr is not None else f"no threshold is drawn: {how}"
    return [
        keep(
            img,
            p(
                "From the base value (the average output), each feature's contribution moves the output of this row to "
                f"its final value; {where}. Contributions are associations in the model, not causes.",
                styles().note,
            ),
        )
    ]
