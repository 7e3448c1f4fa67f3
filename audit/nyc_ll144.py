"""NYC Local Law 144 bias audit (automated employment decision tools): what the user declares and what the audit holds.

Light on purpose (pydantic only): `audit.result` holds a `BiasAudit` and the trail imports the result types. The
computation is in `audit.nyc_tables`; the legal facts (citations, definitions, the 2% rule, the one-year rule) are in
resources/legal/nyc_ll144.toml, read by `legal_data`."""

from __future__ import annotations

import tomllib
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator

from audit.errors import InputError
from audit.refs import Frozen

LAW = "nyc_ll144"


@lru_cache(maxsize=1)
def legal_data() -> dict[str, Any]:
    """resources/legal/nyc_ll144.toml: citations, definitions, categories, the 2% and one-year rules, as-of date."""
    return tomllib.loads((resources.files("resources") / "legal" / "nyc_ll144.toml").read_text(encoding="utf-8"))


def sex_categories() -> tuple[str, ...]:
    return tuple(legal_data()["categories"]["sex"])


def race_categories() -> tuple[str, ...]:
    return tuple(legal_data()["categories"]["race"])


UNKNOWN = "Unknown"


def _iso(value: str, what: str) -> str:
    value = value.strip()
    if value:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{what} '{value}' is not a date written YYYY-MM-DD") from None
    return value


class CategoryMap(Frozen):
    """A column of the data and how its labels map to the EEO-1 categories (or to "Unknown"). Labels that already are
    an EEO-1 category, or "Unknown", in any letter case, need no entry."""

    column: str
    labels: dict[str, str] = Field(default_factory=dict)


class BiasAuditDeclaration(Frozen):
    """What the user declares for an NYC bias audit (`--nyc-categories FILE`, a TOML file of these fields)."""

    sex: CategoryMap
    race: CategoryMap
    # A data label with no mapping: refuse the run (default), or count the person in the unknown category.
    unmapped: Literal["refuse", "unknown"] = "refuse"
    # selection: the AEDT selects or classifies (the decisions); scoring: it scores (share above the whole sample's median).
    rate: Literal["selection", "scoring"] = "selection"
    exclude_under_2_percent: bool = False  # leave categories under 2% of the data out of the impact ratios
    exclusion_justification: str = ""  # printed when a category is excluded (the rule asks for one)
    date_column: str = ""  # the column of the decision dates: the data's date range is read from it
    data_from: str = ""  # or the date range declared (ISO dates)
    data_to: str = ""
    audit_date: str = ""  # default: the day the audit ran
    distribution_date: str = ""  # the date the employer began using the AEDT
    data_kind: Literal["historical", "test"] = "historical"
    data_description: str = ""  # the source and explanation of the data (required for test data)
    tool_name: str = ""  # the AEDT audited (default: the declared system name)
    employer: str = ""
    auditor: str = ""  # the independent auditor

    @field_validator("data_from", "data_to", "audit_date", "distribution_date")
    @classmethod
    def _dates(cls, v: str, info: ValidationInfo) -> str:
        return _iso(v, (info.field_name or "date").replace("_", " "))

    @model_validator(mode="after")
    def _valid(self) -> BiasAuditDeclaration:
        allowed = {"sex": (*sex_categories(), UNKNOWN), "race": (*race_categories(), UNKNOWN)}
        for name, allowed_here in allowed.items():
            bad = sorted({v for v in getattr(self, name).labels.values() if v not in allowed_here})
            if bad:
                raise ValueError(
                    f"{name} labels map to {', '.join(map(repr, bad))}, which are not EEO-1 categories; "
                    f"use one of: {', '.join(allowed_here)}"
                )
        if self.sex.column == self.race.column:
            raise ValueError(f"sex and race name the same column '{self.sex.column}'")
        if bool(self.data_from) != bool(self.data_to):
            raise ValueError("declare both data_from and data_to, or neither")
        if self.data_from and self.data_from > self.data_to:
            raise ValueError(f"data_from {self.data_from} is after data_to {self.data_to}")
        if self.date_column and self.data_from:
            raise ValueError("give a date_column or a declared data_from/data_to, not both")
        if self.data_kind == "test" and not self.data_description.strip():
            raise ValueError(
                "test data needs a data_description: why historical data was not used and how the test "
                "data was generated and obtained (6 RCNY § 5-302)"
            )
        return self

    @classmethod
    def from_toml(cls, text: str, source: str = "The NYC categories file") -> BiasAuditDeclaration:
        try:
            return cls.model_validate(tomllib.loads(text))
        except (tomllib.TOMLDecodeError, ValidationError) as exc:
            why = (
                "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or 'file'}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()
                )
                if isinstance(exc, ValidationError)
                else str(exc)
            )
            raise InputError(f"{source} cannot be used: {why}.", _FILE_HINT) from exc


_FILE_HINT = (
    'It is a TOML file like: [sex] column = "gender", labels = {M = "Male", F = "Female"}; [race] column = '
    '"race", labels = {"African-American" = "Black or African American"}; see the README (NYC Local Law 144).'
)


def load_declaration(path: str | Path) -> BiasAuditDeclaration:
    """The declaration in a TOML file; an `InputError` saying what is wrong."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"The NYC categories file {path} cannot be read: {exc}.", "Check the path, or save the file as UTF-8 text."
        ) from exc
    return BiasAuditDeclaration.from_toml(text, source=f"The NYC categories file {path.name}")


_SEX_NAMES = ("sex", "gender")
_RACE_NAMES = ("race", "ethnicity", "race_ethnicity", "race/ethnicity", "race_and_ethnicity")


def infer_declaration(sensitive: tuple[str, ...]) -> BiasAuditDeclaration:
    """The declaration when none is given (the app's preset): the sensitive features named like sex/gender and
    race/ethnicity, with no label mapping, so their labels must already be EEO-1 categories (else the run is refused
    with the labels to map)."""

    def pick(names: tuple[str, ...], what: str) -> str:
        found = [s for s in sensitive if s.strip().lower() in names]
        if len(found) != 1:
            raise InputError(
                f"The NYC Local Law 144 preset needs a {what} column among the sensitive features "
                f"({', '.join(sensitive) or 'none'}){'; several match: ' + ', '.join(found) if found else ''}.",
                "Declare the columns and their labels in a categories file (attest audit --nyc-categories FILE), "
                f"or name the columns {' / '.join(names[:2])}.",
            )
        return found[0]

    return BiasAuditDeclaration(
        sex=CategoryMap(column=pick(_SEX_NAMES, "sex")), race=CategoryMap(column=pick(_RACE_NAMES, "race/ethnicity"))
    )


class CategoryRate(Frozen):
    """One row of a bias-audit table."""

    category: tuple[str, ...]  # (sex,), (race,) or (race, sex)
    applicants: int
    selected: int  # selected / classified favourably, or scored above the median
    rate: float | None  # None: no applicants
    impact_ratio: float | None  # None: excluded, no applicants, or the highest rate is 0
    share: float  # applicants / everyone in the audit data
    excluded: bool = False  # under 2% of the data and left out of the impact ratios


class CategoryTable(Frozen):
    title: str  # "Sex", "Race/Ethnicity", "Intersectional"
    rows: tuple[CategoryRate, ...]
    unknown: int  # people not in the table because their category is unknown
    highest: tuple[str, ...] | None  # the category whose rate the impact ratios divide by


class BiasAudit(Frozen):
    """The NYC Local Law 144 bias audit of a run: the three tables, the dates and the facts the summary must state."""

    law: str = LAW
    rate: Literal["selection", "scoring"]
    median_score: float | None = None  # scoring: the whole sample's median
    people: int
    tables: tuple[CategoryTable, ...]
    audit_date: str
    data_from: str = ""
    data_to: str = ""
    dates_source: str = ""  # where the date range comes from ("" when neither a column nor a range is declared)
    distribution_date: str = ""
    reaudit_by: str  # the audit date plus 12 months: the AEDT cannot be used after it without a new audit
    exclusion_justification: str = ""
    declaration: BiasAuditDeclaration
    citation: str
    legal_as_of: str
    notes: tuple[str, ...] = ()

    def table(self, title: str) -> CategoryTable:
        return next(t for t in self.tables if t.title == title)

    @property
    def excluded(self) -> list[CategoryRate]:
        return [r for t in self.tables for r in t.rows if r.excluded]
