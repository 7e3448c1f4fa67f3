"""The EU AI Act and NIST AI RMF mappings, the report's sections and its fixed texts, loaded from `resources/frameworks/`.

The data are the single source of the coverage matrix, of every section's "Evidence for" line and of the requirement ids in
the evidence manifest; nothing here is typed into the report code."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

FRAMEWORK_FILES = ("eu_ai_act.toml", "nist_ai_rmf.toml")


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    must_contain: str
    part: int = 2  # 1: the short report for the approver; 2: the annex with the full evidence
    label: str = ""  # how the heading names the section when not by its id ("Appendix A")

    @property
    def heading(self) -> str:
        return f"{self.label or self.id}  {self.title}"


@dataclass(frozen=True)
class Requirement:
    id: str  # "AIA:Art10(2)(f)", "NIST:MEASURE-2.11"
    ref: str  # how the report cites it: "Art. 10(2)(f)"
    title: str
    framework: str  # "EU AI Act" | "NIST AI RMF"
    sections: tuple[str, ...]
    evidence: tuple[str, ...]
    applies_when: str = ""  # "" always; "fria": only when Art. 27 requires an assessment (reports.coverage.fria_applies)


@dataclass(frozen=True)
class Framework:
    name: str
    citation: str
    short: str
    requirements: tuple[Requirement, ...]


@dataclass(frozen=True)
class Catalogue:
    sections: tuple[Section, ...]
    frameworks: tuple[Framework, ...]
    texts: dict[str, Any]
    legal: dict[str, Any]  # resources/legal/eu_ai_act.toml: dates as amended and original, statements, as-of date

    @property
    def requirements(self) -> tuple[Requirement, ...]:
        return tuple(r for f in self.frameworks for r in f.requirements)

    def section(self, sid: str) -> Section:
        for s in self.sections:
            if s.id == sid:
                return s
        raise KeyError(sid)

    def for_section(self, sid: str) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if sid in r.sections)

    def statement(self, key: str) -> str:
        return " ".join(self.texts["statements"][key].split())


def _read(name: str, folder: str = "frameworks") -> dict[str, Any]:
    return tomllib.loads((resources.files("resources") / folder / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    sections = tuple(Section(**s) for s in _read("sections.toml")["sections"])
    known = {s.id for s in sections}
    frameworks = []
    seen: set[str] = set()
    for fname in FRAMEWORK_FILES:
        data = _read(fname)
        reqs = []
        for r in data["requirements"]:
            if r["id"] in seen:
                raise ValueError(f"{fname}: requirement {r['id']} is listed twice")
            seen.add(r["id"])
            unknown = set(r["sections"]) - known
            if unknown:
                raise ValueError(f"{fname}: {r['id']} names unknown section(s) {sorted(unknown)}")
            reqs.append(
                Requirement(
                    id=r["id"],
                    ref=r["ref"],
                    title=r["title"],
                    framework=data["framework"],
                    sections=tuple(r["sections"]),
                    evidence=tuple(r["evidence"]),
                    applies_when=r.get("applies_when", ""),
                )
            )
        frameworks.append(
            Framework(name=data["framework"], citation=data["citation"], short=data["short"], requirements=tuple(reqs))
        )
    return Catalogue(
        sections=sections, frameworks=tuple(frameworks), texts=_read("report_texts.toml"), legal=_read("eu_ai_act.toml", "legal")
    )
