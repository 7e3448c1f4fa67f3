"""The report's sections, in the order of `resources/frameworks/sections.toml`, in two parts: part 1, the short report
for the approver (summary, sign-off, scope, findings, FRIA, coverage); part 2, the annex with the full evidence. Each
builder takes the `RenderContext` and returns flowables."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reportlab.platypus import Flowable, PageBreak

from reports.sections import (
    appendix,
    conclusion,
    data,
    document_control,
    fairness,
    findings,
    fria,
    front,
    oversight,
    performance,
    provenance,
    risk_register,
    scope,
    security,
    system,
    xai,
)
from reports.sections.monitoring import s11_monitoring

if TYPE_CHECKING:
    from reports.context import RenderContext

# The one registry of section renderers (section id -> builder); the order is the catalogue's. A new section is its
# entry in sections.toml and one line here.
BUILDERS = {
    "S0": document_control.s0_document_control,
    "S1": scope.s1_scope,
    "F": findings.f_findings,
    "FRIA": fria.fria_section,
    "A": appendix.a_coverage,
    "S2": system.s2_system,
    "S3": provenance.s3_provenance,
    "S4": data.s4_data,
    "S5": performance.s5_performance,
    "S6": fairness.s6_fairness,
    "S7": xai.s7_explainability,
    "S8": oversight.s8_oversight,
    "S9": risk_register.s9_risks,
    "S10": security.s10_security,
    "S11": s11_monitoring,  # the trail's monitoring evidence, else the plan's suggestions
    "S12": conclusion.s12_conclusion,
}


def build_story(ctx: RenderContext) -> list[Flowable]:
    story: list[Flowable] = []
    story += front.cover(ctx)
    part = 1
    for sec in ctx.catalogue.sections:
        story.append(PageBreak())
        if sec.part != part:
            part = sec.part
            story += front.part_banner(ctx, part)
        story += BUILDERS[sec.id](ctx)
    story += appendix.manifest_listing(ctx)
    return story
