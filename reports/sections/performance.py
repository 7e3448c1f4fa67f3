"""S5 performance and accuracy: what was declared before the run, overall metrics with intervals, confusion matrix,
calibration, per-group performance, why these metrics, and the declared-accuracy sentence for the instructions for use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from audit.result import AuditResult
from reports import charts
from reports import format as F
from reports.context import NOT_ASSESSED_TEXT, RenderContext
from reports.layout import TEXT_WIDTH, Cell, cell, keep, kv_table, p, styles, table

if TYPE_CHECKING:
    from audit.result import AuditResult

OVERALL = (
    "accuracy",
    "precision",
    "tpr",
    "f1",
    "selection_rate",
    "base_rate",
    "fpr",
    "fnr",
    "tnr",
    "npv",
    "auc",
    "brier",
    "calibration_error",
)
PER_GROUP = ("accuracy", "precision", "tpr", "f1", "auc")


def declared_accuracy_sentence(r: AuditResult) -> str:
    """One sentence for the instructions for use (Art. 13(3)(b)(ii), Art. 15(3)); every figure is read from the result."""
    m = r.overall.metrics
    ci = round(r.spec.ci_level * 100)
    parts = [
        f"accuracy {F.est(m.get('accuracy'))}",
        f"precision {F.est(m.get('precision'))}",
        f"recall (TPR) {F.est(m.get('tpr'))}",
    ]
    if m.get("auc") is not None and m["auc"].value is not None:
        parts.append(f"AUC {F.est(m['auc'])}")
    singles = [
        (accuracy, g)
        for g in r.groups
        if len(g.level) == 1
        and not g.small
        and g.metrics.get("accuracy")
        and (accuracy := g.metrics["accuracy"].value) is not None
    ]
    spread = ""
    if singles:
        lo = min(singles, key=lambda ag: ag[0])[1]
        hi = max(singles, key=lambda ag: ag[0])[1]
        spread = (
            f" Across groups of at least {r.spec.min_group_size} rows, accuracy ranged from "
            f"{F.num(lo.metrics['accuracy'].value)} "
            f"({lo.label}) to {F.num(hi.metrics['accuracy'].value)} ({hi.label})."
        )
    return (
        f"On an evaluation set of {F.count(r.overall.n)} cases (SHA-256 {r.data.sha256[:12]}…), the system reached "
        + ", ".join(parts)
        + f" ({ci}% confidence intervals in brackets)."
        + spread
    )


def _score_resolution(r: AuditResult) -> list[tuple[str, str]]:
    """The error bounds of score figures computed from a histogram (audit/engines/spark_scores.py), when they were."""
    res = r.score_resolution
    if res is None:
        return []
    return [
        (
            "Score resolution",
            f"histogram of {F.count(res.bins)} bins (about {F.count(res.distinct_scores)} distinct scores): AUC within "
            f"±{res.auc_max_error:.1e}, Brier score within ±{res.brier_max_error:.1e}, calibration error within "
            f"±{res.calibration_max_error:.1e} of the exact figures, in every group",
        )
    ]


def s5_performance(ctx: RenderContext) -> list[Flowable]:
    r, st = ctx.result, styles()
    out = ctx.section_start("S5")
    pol = r.spec.policy
    out.append(p("Declared before the run", st.h2))
    out.append(
        p(
            f"The policy and settings below are part of the audit specification, which is fixed before any data is read and "
            f"hashed into the result (run started {r.provenance.started_at} UTC)."
            + (" The trail's audit-run event records the same specification." if ctx.trail else ""),
            st.small,
        )
    )
    out.append(
        kv_table(
            [
                ("Policy", f"{pol.name} — {pol.description}" if pol.description else pol.name),
                ("Policy source", pol.source),
                (
                    "Decision mode",
                    f"{pol.decision}: "
                    + (
                        "the whole confidence interval must satisfy a rule to pass"
                        if pol.decision == "interval"
                        else "the point estimate decides"
                    ),
                ),
                ("Significance level", f"α = {pol.alpha:g} (Holm-adjusted)"),
                ("Minimum group size", f"{r.spec.min_group_size} rows (and that many in the metric's denominator)"),
                (
                    "Confidence intervals",
                    f"{round(r.spec.ci_level * 100)}% percentile bootstrap, {F.count(r.spec.bootstrap)} resamples, "
                    f"seed {r.spec.seed}"
                    if r.spec.bootstrap
                    else "none: the bootstrap was switched off, so no check can pass or fail on its interval",
                ),
                ("Engine", r.provenance.engine),
                *_score_resolution(r),
            ],
            key_width=38 * mm,
        )
    )
    rows: list[list[Cell]] = [["Check", "Rule", "Applies to", "Why (declared description)"]]
    for c in pol.checks:
        rows.append([cell(c.id, bold=True), cell(c.rule()), cell(c.levels), cell(c.description or "—")])
    out.append(table(rows, [34 * mm, 52 * mm, 20 * mm, TEXT_WIDTH - 106 * mm]))

    out.append(p("Overall performance", st.h2))
    rows = [["Metric", "Value", f"{round(r.spec.ci_level * 100)}% CI", "Meaning"]]
    meaning = {
        "accuracy": "share of correct decisions",
        "precision": "favourable decisions that were right",
        "tpr": "actual positives that got the favourable decision",
        "f1": "balance of precision and recall",
        "selection_rate": "share receiving the favourable decision",
        "base_rate": "share of actual positives",
        "fpr": "actual negatives wrongly given the favourable decision",
        "fnr": "actual positives wrongly refused",
        "tnr": "actual negatives correctly refused",
        "npv": "refusals that were right",
        "auc": "ranking quality of the scores",
        "brier": "mean squared error of the scores (lower is better)",
        "calibration_error": "expected calibration error (lower is better)",
    }
    flags = {}
    for m in OVERALL:
        e = r.overall.metrics.get(m)
        if e is None:
            rows.append([cell(F.metric(m)), cell(NOT_ASSESSED_TEXT), "", cell(ctx.na(("auc", "calibration"), "no scores"))])
            flags[(1, len(rows) - 1)] = "small"
            continue
        rows.append([cell(F.metric(m)), F.num(e.value), F.ci(e) or "—", cell(meaning.get(m, ""))])
    out.append(table(rows, [38 * mm, 18 * mm, 32 * mm, TEXT_WIDTH - 88 * mm], flags=flags))

    counts = r.overall.counts
    out.append(p("Confusion matrix", st.h3))
    pos = r.positive_label
    rows = [
        ["", f"Decided “{pos}”", f"Decided not “{pos}”", "Total"],
        [f"Actually “{pos}”", f"{F.count(counts.tp)} (TP)", f"{F.count(counts.fn)} (FN)", F.count(counts.tp + counts.fn)],
        [f"Actually not “{pos}”", f"{F.count(counts.fp)} (FP)", f"{F.count(counts.tn)} (TN)", F.count(counts.fp + counts.tn)],
        [
            "Total",
            F.count(counts.tp + counts.fp),
            F.count(counts.fn + counts.tn),
            F.count(counts.tp + counts.fp + counts.fn + counts.tn),
        ],
    ]
    out.append(
        table(
            rows,
            [40 * mm, 35 * mm, 35 * mm, 25 * mm],
            zebra=False,
            align_right_from=1,
            extra=[("FONTNAME", (0, 1), (0, -1), "DejaVuSans-Bold")],
        )
    )
    if r.favourable_outcome is not None:
        fav = r.favourable_outcome
        out.append(
            p(
                f"“{pos}” is the favourable outcome ({fav.favourable}), declared by {fav.declared_by}. A false negative "
                f"(FN) is a person {fav.false_negative}; a false positive (FP) is a person {fav.false_positive}.",
                st.note,
            )
        )

    head = p("Calibration", st.h2)
    has_cal = any(b.mean_score is not None for b in r.overall.calibration)
    if has_cal:
        singles = tuple(lv.level for lv in r.levels if len(lv.level) == 1)
        img = ctx.chart(charts.CalibrationPanelsDisplay.from_result, r, singles)
        out.append(keep(head, img) if img is not None else head)
        out.append(
            p(
                "Points on the diagonal mean that a score of s is followed by the favourable outcome in a share s of cases. "
                "One panel per sensitive attribute; the dark line is everyone.",
                st.note,
            )
        )
    else:
        out += [head, p(f"{NOT_ASSESSED_TEXT}: {ctx.na(('calibration', 'auc'), 'no scores were available')}")]

    out.append(p("Performance by group", st.h2))
    rows = [["Group", "Rows", *(F.SHORT_METRIC.get(m, F.metric(m)) for m in PER_GROUP)]]
    flags = {}
    for g in [g for g in r.groups if len(g.level) == 1]:
        label = g.label + (f"\n{F.SMALL_MARK}" if g.small else "")
        rows.append([cell(label), F.count(g.n)] + [F.est_lines(g.metrics.get(m)) for m in PER_GROUP])
        if g.small:
            flags[(0, len(rows) - 1)] = "small"
    w = (TEXT_WIDTH - 50 * mm - 14 * mm) / len(PER_GROUP)
    out.append(table(rows, [50 * mm, 14 * mm] + [w] * len(PER_GROUP), flags=flags, align_right_from=1))
    out.append(p("Each cell: value, then its confidence interval. Intersectional groups are in S6.", st.note))

    out.append(p("Why these metrics", st.h2))
    out.append(ctx.statement("why_metrics"))
    para, flag = ctx.declared("fairness_criterion_rationale")
    out.append(
        kv_table(
            [("Provider's rationale for the criterion and thresholds", para)],
            key_width=55 * mm,
            flags={0: flag} if flag else None,
        )
    )

    out.append(p("Declared accuracy for the instructions for use", st.h2))
    out.append(p(declared_accuracy_sentence(r), st.body))
    out.append(p("Suggested wording for Art. 13(3)(b)(ii) and Art. 15(3); the provider decides what to declare.", st.note))
    return out
