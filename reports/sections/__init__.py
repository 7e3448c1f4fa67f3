"""The report's sections, in order. Each builder takes the `RenderContext` and returns flowables."""
from __future__ import annotations

from reportlab.platypus import PageBreak

from reports.sections import appendix, data, fairness, front, governance, performance, provenance, xai


def build_story(ctx) -> list:
    story: list = []
    story += front.cover(ctx)
    for build in (front.s0_document_control, front.s1_scope, front.s2_system, provenance.s3_provenance, data.s4_data,
                  performance.s5_performance, fairness.s6_fairness, xai.s7_explainability, governance.s8_oversight,
                  governance.s9_risks, governance.s10_security, governance.s11_monitoring, governance.s12_conclusion,
                  appendix.a_coverage):
        story.append(PageBreak())
        story += build(ctx)
    return story
