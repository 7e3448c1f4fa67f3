"""S11, post-market monitoring: what to track in production with this audit's baselines and suggested alerts,
the baseline by group, the provider's plan and the serious-incident duty (Art. 72, 73)."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from reports import format as F
from reports.context import RenderContext
from reports.layout import TEXT_WIDTH, Cell, cell, kv_table, p, styles, table


def s11_monitoring(ctx: RenderContext) -> list[Flowable]:
    r, st = ctx.result, styles()
    out = ctx.section_start("S11")
    mon = ctx.catalogue.texts["monitoring"]
    checks = ", ".join(c.id for c in r.spec.policy.checks)
    m = r.overall.metrics
    acc = m.get("accuracy")
    acc_alert = (
        f"below {F.num(acc.ci_low)}, the lower end of this audit's interval"
        if acc and acc.ci_low is not None
        else "a drop the provider declares"
    )
    rows: list[list[Cell]] = [
        ["Area", "What to track in production", "Baseline from this audit", "Suggested alert"],
        [
            cell("Performance", bold=True),
            cell(mon["performance"]),
            cell(f"accuracy {F.est(acc)}\nTPR {F.est(m.get('tpr'))}\nFPR {F.est(m.get('fpr'))}"),
            cell(f"accuracy {acc_alert}"),
        ],
        [
            cell("Fairness", bold=True),
            cell(mon["fairness"].format(checks=checks, min_size=r.spec.min_group_size)),
            cell(r.summary.sentence()),
            cell("any check failing, or a new group lacking evidence"),
        ],
        [
            cell("Drift", bold=True),
            cell(mon["drift"]),
            cell("group shares and base rates in the table below"),
            cell(
                f"a group's share moves by more than {mon['drift_share_pp']:g} percentage points, or its base rate by more than "
                f"{mon['drift_rate_pp']:g} percentage points"
            ),
        ],
        [cell("Re-audit", bold=True), cell(mon["reaudit"]), cell(f"this audit: {r.provenance.finished_at[:10]}"), cell("—")],
        [cell("Logs", bold=True), cell(mon["logs"]), cell("—"), cell("—")],
    ]
    out.append(table(rows, [20 * mm, 62 * mm, 48 * mm, TEXT_WIDTH - 130 * mm], zebra=False))
    out.append(
        p(
            "The thresholds are suggestions derived from this audit; the provider's post-market monitoring plan (Art. 72) "
            "decides them.",
            st.note,
        )
    )
    out.append(p("Baseline by group", st.h2))
    rows = [["Attribute", "Group", "Share", "Base rate", "Sel. rate", "TPR", "FPR"]]
    for g in [g for g in r.groups if len(g.level) == 1]:
        rows.append(
            [
                cell(F.level(g.level)),
                cell(F.group(g.attributes, values_only=True) + (f"  {F.SMALL_MARK}" if g.small else "")),
                F.pct(g.share),
                *(F.num(g.metrics[k].value) for k in ("base_rate", "selection_rate", "tpr", "fpr")),
            ]
        )
    out.append(table(rows, [30 * mm, 50 * mm, 18 * mm, 19 * mm, 19 * mm, 19 * mm, TEXT_WIDTH - 155 * mm], align_right_from=2))
    pairs: list[tuple[str, object]] = []
    row_flags: dict[int, str] = {}
    for label, f in (
        ("Adopted monitoring plan (Art. 72)", "monitoring_plan"),
        ("Decision logging (Art. 12, 19, 26(6))", "production_logging"),
        ("Feedback and appeal channels (MEASURE 3.3)", "feedback_channels"),
        ("Serious-incident reporting (Art. 73)", "incident_reporting"),
        ("QMS procedures (Art. 17(1)(g)-(i))", "qms_procedures"),
        ("Engagement with affected people (GOVERN 5, MAP 5.2)", "stakeholder_engagement"),
        ("Continual improvement, communication of incidents (MANAGE 4.2-4.3)", "improvement_plan"),
    ):
        para, flag = ctx.declared(f)
        pairs.append((label, para))
        if flag:
            row_flags[len(pairs) - 1] = flag
    out.append(p("Provider's plan", st.h2))
    out.append(kv_table(pairs, key_width=60 * mm, flags=row_flags))
    out += incidents(ctx)
    return out


def incidents(ctx: RenderContext) -> list[Flowable]:
    """Serious incidents (Art. 73) and the quality management system: owed whether or not monitoring is recorded."""
    st, legal = styles(), ctx.catalogue.legal
    return [
        p("Serious incidents (Art. 73)", st.h3),
        p(" ".join(legal["incidents"]["text"].split()), st.small),
        p(" ".join(legal["qms"]["text"].split()) + f" ({legal['qms']['source']})", st.small),
    ]
