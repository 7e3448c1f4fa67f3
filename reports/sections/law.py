"""The law as the report states it (S1): application dates as amended and as enacted, what applies on the report's
date, the as-of date of the legal data (resources/legal/eu_ai_act.toml) and what could not be confirmed."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from reports.context import RenderContext
from reports.layout import TEXT_WIDTH, Cell, cell, esc, p, styles, table


def in_force_on(day: str, legal: dict[str, Any]) -> list[tuple[dict[str, Any], bool]]:
    """Each application date of the legal data, and whether it applies on `day` (ISO date), as amended."""
    return [(d, d["applies"] <= day) for d in legal["dates"]]


def law_dates(ctx: RenderContext) -> list[Flowable]:
    """The application dates as amended, the original ones, what applies on this report's date, the as-of date of the
    legal data and what could not be confirmed."""
    st, legal = styles(), ctx.catalogue.legal
    day = ctx.generated_at[:10]
    out = [p("Application dates (Art. 113, as amended)", st.h2)]
    out.append(
        p(
            f"{esc(legal['act'])} ({esc(legal['act_source'])}), as amended by the {esc(legal['amending_act'])}: "
            f"{esc(legal['amending_history'])}. Legal data as of <b>{esc(legal['as_of'])}</b> "
            "(resources/legal/eu_ai_act.toml).",
            st.small,
            markup=True,
        )
    )
    rows: list[list[Cell]] = [
        ["Obligations", "Apply from (as amended)", "Originally (Art. 113)", f"On {day}, this report's date"]
    ]
    flags = {}
    for d, applies in in_force_on(day, legal):
        changed = d["original"] != d["applies"]
        rows.append(
            [
                cell(d["what"]),
                cell(f"{d['applies']}\n{d['basis']}", bold=changed),
                cell(f"{d['original']}\n{d.get('original_basis', d['basis'])}" + ("\n(superseded)" if changed else "")),
                cell("✓ applies" if applies else f"not yet: from {d['applies']}", bold=not applies),
            ]
        )
        if not applies:
            flags[(3, len(rows) - 1)] = "insufficient"
    out.append(table(rows, [62 * mm, 36 * mm, 32 * mm, TEXT_WIDTH - 130 * mm], flags=flags))
    pending = [d for d, applies in in_force_on(day, legal) if not applies]
    if pending:
        out.append(
            p(
                f"On {day} these obligations do not apply yet: "
                + "; ".join(f"{esc(d['what'])} from {d['applies']}" for d in pending)
                + ". The evidence in this report can be kept for the conformity file meanwhile.",
                markup=True,
            )
        )
    out.append(
        p(
            "Not confirmed from the consolidated act: "
            + " ".join(legal["unconfirmed"])
            + " Check the current text (EUR-Lex) before relying on a date.",
            st.note,
        )
    )
    return out
