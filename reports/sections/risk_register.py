"""S9, the risk register: each finding as a risk rated likelihood × severity, and the go / no-go recommendation
with the recorded decision."""

from __future__ import annotations

from collections import Counter

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from reports import format as F
from reports.context import PROVIDER_TEXT, RenderContext
from reports.layout import TEXT_WIDTH, Cell, cell, esc, kv_table, p, styles, table
from reports.risks import UNRATED, recommendation
from reports.sections.mitigation import s9_measures


def s9_risks(ctx: RenderContext) -> list[Flowable]:
    r, st = ctx.result, styles()
    out = ctx.section_start("S9")
    risks = ctx.risks
    bands = Counter(x.band for x in risks)
    out.append(
        p(
            f"{len(risks)} risk entr{'y' if len(risks) == 1 else 'ies'} from this audit: every failed or insufficient-evidence "
            f"verdict becomes one. High: {bands['high']}, medium: {bands['medium']}, low: {bands['low']}; not rated "
            f"(group or comparator below the minimum size of {r.spec.min_group_size} rows): {bands[UNRATED]}."
        )
    )
    out.append(p(ctx.catalogue.statement("risk_method"), st.note))
    _controls, cflag = ctx.declared("risk_controls")
    if risks:
        rows: list[list[Cell]] = [
            [
                "ID",
                "Risk (check, group vs comparator)",
                "Status",
                "Statistic [CI]",
                "L",
                "S",
                "Rating",
                "Controls · owner · residual",
            ]
        ]
        flags = {}
        ctl_text = PROVIDER_TEXT if cflag else "see the declared controls below"
        unrated = [x for x in risks if x.band == UNRATED]
        divider = 0
        for x in risks:
            if x is (unrated[0] if unrated else None):
                rows.append(
                    [
                        p(
                            f"Not rated: {len(unrated)} entr{'y' if len(unrated) == 1 else 'ies'} whose group or comparator "
                            f"has fewer than {r.spec.min_group_size} rows. A point estimate from so few rows is no basis "
                            "for a rating: insufficient evidence; collect more data for these groups.",
                            st.cell_bold,
                        ),
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                    ]
                )
                divider = len(rows) - 1
                flags[(0, divider)] = "small"
            if x.band == UNRATED:
                rows.append(
                    [
                        x.id,
                        cell(
                            f"{x.check} · {F.level(x.level)}: {x.group_values} vs {x.comparator_values} · "
                            f"n {F.count(x.n_group)} / {F.count(x.n_comparator)}"
                        ),
                        cell(F.STATUS_TEXT[x.status]),
                        cell(x.statistic.replace(" [", "\n[")),
                        "–",
                        "–",
                        cell("not rated"),
                        cell(ctl_text),
                    ]
                )
                flags[(2, len(rows) - 1)] = "insufficient"
                flags[(6, len(rows) - 1)] = "small"
                if cflag:
                    flags[(7, len(rows) - 1)] = "provider"
                continue
            share = f" · {F.pct(x.share)} of rows" if x.share is not None else ""
            rows.append(
                [
                    x.id,
                    cell(f"{x.check} · {F.level(x.level)}: {x.group_values} vs {x.comparator_values}{share}"),
                    cell(F.STATUS_TEXT[x.status], bold=x.status == "fail"),
                    cell(x.statistic.replace(" [", "\n[")),
                    str(x.likelihood),
                    str(x.severity),
                    cell(f"{x.rating} {x.band}", bold=x.band == "high"),
                    cell(ctl_text),
                ]
            )
            ri = len(rows) - 1
            flags[(2, ri)] = "fail" if x.status == "fail" else "insufficient"
            if x.band == "high":
                flags[(6, ri)] = "fail"
            elif x.band == "medium":
                flags[(6, ri)] = "insufficient"
            if cflag:
                flags[(7, ri)] = "provider"
        span = [("SPAN", (0, divider), (-1, divider)), ("BACKGROUND", (0, divider), (-1, divider), "#eeeeee")] if unrated else []
        out.append(
            table(
                rows,
                [11 * mm, 72 * mm, 20 * mm, 22 * mm, 6 * mm, 6 * mm, 14 * mm, TEXT_WIDTH - 151 * mm],
                flags=flags,
                font_size=6.5,
                extra=span,
            )
        )
        out.append(p("L likelihood, S severity (1 low – 3 high); rating = L × S.", st.note))
    else:
        out.append(
            p(
                "No check failed or lacked evidence, so this audit adds no risk entries. Risks outside its scope "
                "(S12) still need the provider's risk management system (Art. 9)."
            )
        )
    out += s9_measures(ctx)
    pairs: list[tuple[str, object]] = []
    row_flags: dict[int, str] = {}
    for label, f in (
        ("Controls for the risks (Art. 9(4))", "risk_controls"),
        ("Risk owner", "risk_owner"),
        ("Residual risk and its acceptance (Art. 9(5))", "residual_risk_acceptance"),
        ("Organisational risk tolerance (MAP 1.5)", "risk_tolerance"),
        ("Costs of wrong decisions (MAP 3.2)", "error_costs"),
        ("Reasonably foreseeable misuse (Art. 9(2)(b))", "foreseeable_misuse"),
        ("Risk treatment resources, alternatives, new risks (MANAGE 2)", "risk_response"),
        ("AI risk policies and culture (GOVERN 4)", "governance_policies"),
    ):
        para, flag = ctx.declared(f)
        pairs.append((label, para))
        if flag:
            row_flags[len(pairs) - 1] = flag
    out.append(kv_table(pairs, key_width=60 * mm, flags=row_flags))
    out.append(p("Go / no-go recommendation", st.h2))
    out.append(p(f"<b>{esc(recommendation(r))}</b>", markup=True))
    t = ctx.trail
    if t and t.signoffs:
        last = t.signoffs[-1]
        out.append(
            p(
                f"Recorded decision: {last.decision.replace('_', ' ')} by {last.reviewer} ({last.role}) on {last.time[:10]}"
                + (f", conditions: {last.conditions}" if last.conditions else "")
                + "."
            )
        )
    else:
        out.append(p("Recorded decision: " + PROVIDER_TEXT + " (the approver's sign-off in the workspace; see S0)."))
    return out
