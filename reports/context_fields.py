"""The declared-context fields as the report uses them: label, the report section that first prints them, and the
provisions they are evidence for, all derived from the framework catalogue (so an editor can say why each field matters)."""

from __future__ import annotations

from dataclasses import dataclass

from reports.frameworks import Catalogue, load_catalogue

OTHER = ("", "Other declarations")


@dataclass(frozen=True)
class ContextField:
    name: str  # audit.spec.DeclaredContext field
    label: str
    section: str  # report section id ("S1", ...) or "" when no requirement names it
    section_heading: str
    refs: tuple[str, ...]  # "EU AI Act Art. 14(1)", "NIST AI RMF GOVERN 1.1", ...

    @property
    def evidence_for(self) -> str:
        return "Evidence for " + ", ".join(self.refs) if self.refs else "Printed in the report; no mapped provision"


def context_fields(names: tuple[str, ...] | list[str], catalogue: Catalogue | None = None) -> list[ContextField]:
    """One entry per name (DeclaredContext's fields, in their order), sorted by the report section that prints it first."""
    catalogue = catalogue or load_catalogue()
    labels = catalogue.texts["provider_inputs"]
    order = {s.id: i for i, s in enumerate(catalogue.sections)}
    refs: dict[str, list[str]] = {n: [] for n in names}
    sections: dict[str, set[str]] = {n: set() for n in names}
    from reports.coverage import CONDITION_FIELDS

    for fw in catalogue.frameworks:
        for req in fw.requirements:
            conditions = tuple(f"context.{f}" for f in CONDITION_FIELDS.get(req.applies_when, ()))
            for evidence in req.evidence + conditions:
                if not evidence.startswith("context."):
                    continue
                for name in evidence.removeprefix("context.").split("|"):
                    if name in refs and f"{fw.name} {req.ref}" not in refs[name]:
                        refs[name].append(f"{fw.name} {req.ref}")
                        sections[name].update(req.sections)
    out = []
    for name in names:
        first = min(sections[name], key=lambda sid: order.get(sid, len(order)), default="")
        heading = catalogue.section(first).heading if first else OTHER[1]
        out.append(
            ContextField(
                name=name,
                label=labels.get(name, name.replace("_", " ").capitalize()),
                section=first,
                section_heading=heading,
                refs=tuple(refs[name]),
            )
        )
    position = {n: i for i, n in enumerate(names)}
    return sorted(out, key=lambda f: (order.get(f.section, len(order)), position[f.name]))
