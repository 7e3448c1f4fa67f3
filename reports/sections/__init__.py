"""The report's sections, in the order of `resources/frameworks/sections.toml`, in two parts: part 1, the short report
for the approver (summary, sign-off, scope, findings, FRIA, coverage); part 2, the annex with the full evidence. Each
builder takes the `RenderContext` and returns flowables."""

from __future__ import annotations

from reportlab.platypus import PageBreak

from reports.sections import appendix, data, fairness, findings, fria, front, governance, performance, provenance, xai
from reports.sections.monitoring import s11_monitoring

BUILDERS = {
    "S0": front.s0_document_control,
    "S1": front.s1_scope,
    "F": findings.f_findings,
    "FRIA": fria.fria_section,
    "A": appendix.a_coverage,
    "S2": front.s2_system,
    "S3": provenance.s3_provenance,
    "S4": data.s4_data,
    "S5": performance.s5_performance,
    "S6": fairness.s6_fairness,
    "S7": xai.s7_explainability,
    "S8": governance.s8_oversight,
    "S9": governance.s9_risks,
    "S10": governance.s10_security,
    "S11": s11_monitoring,  # the trail's monitoring evidence, else governance's suggestions
    "S12": governance.s12_conclusion,
}


def build_story(ctx) -> list:
    story: list = []
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
