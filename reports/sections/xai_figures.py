"""S7's figures that the desktop app's Explanations page also shows: importance side by side within the groups of each
sensitive attribute (`GroupImportanceDisplay`) and SHAP dependence plots of the most important features coloured by a
sensitive attribute (`DependenceDisplay`), each with a caption that says what it shows and where it stops."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable

from reports import charts
from reports.charts.importance import SIDE_BY_SIDE_GROUPS
from reports.context import RenderContext
from reports.layout import keep, p, styles

DEPENDENCE_FEATURES = 3  # the most important features of the per-row sample get a dependence plot
GROUP_ATTRIBUTES = 3  # single sensitive attributes whose groups get importance side by side


GROUP_IMPORTANCE_CAPTION = (
    "Mean |SHAP| of the global top features within each group of one sensitive attribute, on one feature order and "
    "one scale; the whiskers are intervals over resamples of the group's explained rows. A feature whose bar is longer "
    "in one group moves that group's decisions more. A group with few rows explained has wide intervals: a difference "
    "inside them is not evidence of a difference. Importance describes what the model relies on; it is no verdict on fairness."
)


def dependence_caption(attribute: str | None, sampling: str) -> str:
    by = f", coloured and shaped by the row's {attribute}" if attribute else ""
    return (
        f"Each dot is one sampled row: its value of the feature (x) against the feature's SHAP value (y){by}. Where the "
        "groups follow different curves, the model uses the feature differently for them; where they share one curve "
        "but sit at different x, the groups differ in the feature's values, not in how the model treats them. "
        f"Rows: {sampling}; the sample over-represents small groups, so its mix is not the population's. A SHAP value "
        "is an association in the model, not a cause."
    )


def group_importance(ctx: RenderContext) -> list[Flowable]:
    """Importance side by side within the groups of each single sensitive attribute (the app's "Split by")."""
    ex = ctx.result.explanations
    if ex is None:
        return []
    attrs = list(dict.fromkeys(k for g in ex.by_group if len(g.attributes) == 1 and g.features for k in g.attributes))
    st = styles()
    out: list[Flowable] = []
    for attribute in attrs[:GROUP_ATTRIBUTES]:
        img = ctx.chart(charts.GroupImportanceDisplay.from_result, ctx.result, attribute)
        if img is None:
            return []
        total = sum(1 for g in ex.by_group if list(g.attributes) == [attribute] and g.features)
        parts: list[Flowable] = [img]
        if total > SIDE_BY_SIDE_GROUPS:
            parts.append(p(f"The {SIDE_BY_SIDE_GROUPS} largest of the {total} groups of {attribute} are drawn.", st.note))
        if not out:  # the heading and the caption stay with the first chart
            parts = [p("Importance within each group", st.h3), *parts, p(GROUP_IMPORTANCE_CAPTION, st.note)]
            out.append(CondPageBreak(60 * mm))
        out.append(keep(*parts))
    return out


def colour_attribute(result: Any) -> str | None:
    """The sensitive attribute dependence plots are coloured by: the first one of the audit's spec the per-row sample
    is split by (the spec's order, not the sample's: a result read back from the trail has its keys sorted), as the
    app's "Colour by" starts."""
    rs = result.explanations.row_sample if result.explanations is not None else None
    attrs = list(dict.fromkeys(k for c in rs.cells for k in c)) if rs is not None else []
    return next((a for a in (*result.spec.sensitive, *attrs) if a in attrs), None)


def dependence(ctx: RenderContext) -> list[Flowable]:
    """Dependence plots of the most important sampled features, coloured by the first sensitive attribute (the app's
    default colouring; the app can colour by any)."""
    ex = ctx.result.explanations
    rs = getattr(ex, "row_sample", None)
    if rs is None or not rs.rows or not rs.features:
        return []
    attribute = colour_attribute(ctx.result)
    st = styles()
    out: list[Flowable] = []
    for f in rs.features[:DEPENDENCE_FEATURES]:
        img = ctx.chart(charts.DependenceDisplay.from_result, ctx.result, f.feature, attribute)
        if img is None:
            return []
        if out:
            out.append(img)
            continue
        out += [
            CondPageBreak(70 * mm),
            keep(
                p("Dependence on the most important features", st.h3), img, p(dependence_caption(attribute, rs.sampling), st.note)
            ),
        ]
    return out
