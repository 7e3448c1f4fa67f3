"""S7 explainability."""
from __future__ import annotations

from reports.context import NOT_ASSESSED_TEXT, RenderContext
from reports.coverage import PRESENT, explanation_state
from reports.layout import p, styles


def s7_explainability(ctx: RenderContext) -> list:
    r, st = ctx.result, styles()
    out = ctx.section_start("S7")
    state, detail = explanation_state(r)
    if state != PRESENT:
        out.append(p(f"{NOT_ASSESSED_TEXT}: {detail}"))
    out.append(p("Limits of explanations", st.h2))
    out.append(ctx.statement("explanation_limits"))
    return out
