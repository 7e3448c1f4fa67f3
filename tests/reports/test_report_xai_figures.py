"""S7's figures shared with the app: dependence plots of the most important features coloured by a sensitive
attribute, and importance within each group of every single attribute; each with its caption, in the demo report."""

from __future__ import annotations

from typing import Any

import pytest
from reportlab.platypus import Spacer

from tests.reports.report_helpers import Exported


class _Charts:
    """The part of a RenderContext the figures use: the result, and `chart`, which records the displays it is given."""

    def __init__(self, result: Any) -> None:
        self.result = result
        self.displays: list[Any] = []

    def chart(self, make: Any, *args: Any, **kwargs: Any) -> Spacer:
        self.displays.append(make(*args, **kwargs))
        return Spacer(1, 1)


@pytest.fixture(scope="module")
def linear(tmp_path_factory):
    from tests.reports.charts_helpers import linear_result

    return linear_result(str(tmp_path_factory.mktemp("linear"))).result


def test_dependence_plots_are_the_top_features_coloured_by_the_first_attribute(linear) -> None:
    from reports import charts
    from reports.sections import xai_figures

    ctx = _Charts(linear)
    flow = xai_figures.dependence(ctx)  # type: ignore[arg-type]  # the stand-in has what the figures use
    rs = linear.explanations.row_sample
    top = [f.feature for f in rs.features[: xai_figures.DEPENDENCE_FEATURES]]
    assert len(top) == 3
    assert ctx.displays == [charts.DependenceDisplay.from_result(linear, f, "region") for f in top]  # the spec's first
    assert flow  # heading, figures and caption


def test_colour_attribute_follows_the_spec_not_the_samples_key_order(linear) -> None:
    """A result read back from the trail has its cells' keys sorted (gender before region): the colouring still
    follows the audit's own order of sensitive attributes, in the report and in the app's picker."""
    from reports.sections.xai_figures import colour_attribute

    rs = linear.explanations.row_sample
    resorted = rs.model_copy(update={"cells": tuple(dict(sorted(c.items())) for c in rs.cells)})
    r = linear.model_copy(update={"explanations": linear.explanations.model_copy(update={"row_sample": resorted})})
    assert list(resorted.cells[0]) == ["gender", "region"]
    assert colour_attribute(r) == colour_attribute(linear) == linear.spec.sensitive[0] == "region"


def test_importance_within_groups_for_each_single_attribute(linear) -> None:
    from reports import charts
    from reports.sections import xai_figures

    ctx = _Charts(linear)
    xai_figures.group_importance(ctx)  # type: ignore[arg-type]
    assert [d.attribute for d in ctx.displays] == ["region", "gender"]
    assert ctx.displays[0] == charts.GroupImportanceDisplay.from_result(linear, "region")
    # each panel holds that group's own mean |SHAP| per feature, not the global one
    north = next(g for g in linear.explanations.by_group if g.attributes == {"region": "North"})
    panel = next(p for p in ctx.displays[0].panels if p.title.startswith("North"))
    own = {f.feature: f.value for f in north.features}
    assert panel.values == pytest.approx(tuple(own[f] for f in panel.features))


def test_no_figures_without_explanations_or_a_row_sample(linear) -> None:
    from reports.sections import xai_figures

    no_sample = linear.model_copy(
        update={"explanations": linear.explanations.model_copy(update={"row_sample": None, "by_group": []})}
    )
    for r in (no_sample, linear.model_copy(update={"explanations": None})):
        ctx = _Charts(r)
        assert xai_figures.dependence(ctx) == [] and xai_figures.group_importance(ctx) == []  # type: ignore[arg-type]
        assert ctx.displays == []


def test_captions_say_what_the_chart_shows_and_its_limits() -> None:
    from reports.sections.xai_figures import GROUP_IMPORTANCE_CAPTION, dependence_caption

    dep = dependence_caption("race", "207 rows stratified over 17 groups")
    assert "coloured and shaped by the row's race" in dep and "207 rows stratified over 17 groups" in dep
    assert "not a cause" in dep and "not the population's" in dep
    assert "within each group" in GROUP_IMPORTANCE_CAPTION and "wide intervals" in GROUP_IMPORTANCE_CAPTION
    assert "it is no verdict on fairness" in GROUP_IMPORTANCE_CAPTION


def test_demo_report_carries_the_dependence_and_within_group_figures(demo_report: Exported) -> None:
    from pypdf import PdfReader

    pages = PdfReader(str(demo_report.pdf)).pages
    text = [" ".join((p.extract_text() or "").split()) for p in pages]
    for heading, caption in (
        ("Dependence on the most important features", "coloured and shaped by the row's race"),
        ("Importance within each group", "Importance describes what the model relies on; it is no verdict on fairness"),
    ):
        at = [i for i, t in enumerate(text) if heading in t]
        assert len(at) == 1, heading
        assert any(caption in text[j] for j in (at[0], at[0] + 1)), caption
        assert len(pages[at[0]].images) >= 1, f"no figure on the page of {heading!r}"
    # three dependence plots and one within-group chart per attribute (race, sex, marital status): S7's images grow
    s7 = next(i for i, t in enumerate(text) if "Dependence on the most important features" in t)
    s8 = next(i for i, t in enumerate(text) if i > s7 and "Local examples: borderline and adverse decisions" in t)
    assert sum(len(pages[i].images) for i in range(s7, s8 + 1)) >= 3 + 1 + 3
