"""The NYC Local Law 144 bias-audit tables (6 RCNY § 5-301): selection or scoring rates and impact ratios by sex, by
race/ethnicity and by their intersection, in the EEO-1 categories the user's labels map to."""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from audit.errors import InputError
from audit.nyc_ll144 import (
    UNKNOWN,
    BiasAudit,
    BiasAuditDeclaration,
    CategoryMap,
    CategoryRate,
    CategoryTable,
    legal_data,
    race_categories,
    sex_categories,
)


def map_categories(
    col: pd.Series, mapping: CategoryMap, allowed: tuple[str, ...], unmapped: str, what: str, key: str
) -> npt.NDArray[np.object_]:
    """Each row's EEO-1 category (or "Unknown"). A missing value is unknown; a label that is an EEO-1 category or
    "Unknown" (any case, spaces trimmed) maps to itself; any other label needs the user's mapping, else the run is
    refused (or, with unmapped = "unknown", counted as unknown)."""
    canon = {c.lower(): c for c in (*allowed, UNKNOWN)}
    declared = {str(k): v for k, v in mapping.labels.items()}
    declared_trim = {k.strip(): v for k, v in declared.items()}
    codes, values = pd.factorize(col, use_na_sentinel=True)
    codes = np.asarray(codes, dtype=np.int64)
    out_of_value: list[str] = []
    missing: dict[str, int] = {}
    counts = np.bincount(codes[codes >= 0], minlength=len(values))
    for i, v in enumerate(values):
        text = str(v)
        hit = declared.get(text) or declared_trim.get(text.strip()) or canon.get(text.strip().lower())
        if hit is None:
            missing[text] = int(counts[i])
            hit = UNKNOWN
        out_of_value.append(hit)
    if missing and unmapped == "refuse":
        shown = ", ".join(f"'{k}' ({n:,} rows)" for k, n in sorted(missing.items(), key=lambda kv: -kv[1])[:10])
        raise InputError(
            f"The {what} column '{mapping.column}' has label(s) with no EEO-1 category: {shown}"
            + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
            + ".",
            f"Map each one in the categories file ([{key}.labels], e.g. "
            f'"{next(iter(missing))}" = "{allowed[0]}" or "Unknown"), or set unmapped = "unknown" to count them '
            f"as unknown. EEO-1 categories: {', '.join(allowed)}.",
        )
    lookup = np.array([*out_of_value, UNKNOWN], dtype=object)  # the last entry: missing values (code -1)
    return lookup[np.where(codes >= 0, codes, len(values))]


def _rows(
    keys: list[tuple[str, ...]],
    member: list[npt.NDArray[np.bool_]],
    hit: npt.NDArray[np.bool_],
    n_total: int,
    exclude_small: bool,
    threshold: float,
) -> tuple[tuple[CategoryRate, ...], tuple[str, ...] | None]:
    """Counts, rates and impact ratios of one table. The ratios divide by the highest rate among the categories that
    have applicants and are not excluded (under `threshold` of the data, when the auditor excludes those)."""
    counts = [(int(m.sum()), int((m & hit).sum())) for m in member]
    excluded = [exclude_small and 0 < n < threshold * n_total for n, _ in counts]
    rates = [s / n if n else None for n, s in counts]
    eligible = [i for i, (n, _) in enumerate(counts) if n and not excluded[i]]
    # eligible categories have applicants, so their rate is s / n (never None)
    best = max(eligible, key=lambda i: counts[i][1] / counts[i][0], default=None)
    top = counts[best][1] / counts[best][0] if best is not None else None
    rows = tuple(
        CategoryRate(
            category=k,
            applicants=n,
            selected=s,
            rate=rates[i],
            impact_ratio=s / n / top if i in eligible and top else None,
            share=n / n_total if n_total else 0.0,
            excluded=excluded[i],
        )
        for i, (k, (n, s)) in enumerate(zip(keys, counts, strict=True))
    )
    return rows, (keys[best] if best is not None and top else None)


def _add_year(d: date) -> date:
    try:
        return d.replace(year=d.year + 1)
    except ValueError:  # 29 February: the year after has none
        return d.replace(year=d.year + 1, day=28)


def _date_range(df: pd.DataFrame, decl: BiasAuditDeclaration, notes: list[str]) -> tuple[str, str, str]:
    if decl.data_from:
        return decl.data_from, decl.data_to, "declared"
    if not decl.date_column:
        notes.append(
            "The data's date range is not declared: give date_column, or data_from and data_to, in the "
            "categories file (the summary must say which data the audit used)."
        )
        return "", "", ""
    if decl.date_column not in df.columns:
        raise InputError(
            f"The date column '{decl.date_column}' named in the categories file is not in the data.",
            f"Columns: {', '.join(map(str, df.columns[:30]))}.",
        )
    col = df[decl.date_column]
    when = (
        pd.to_datetime(col, errors="coerce", utc=False, format="mixed") if not pd.api.types.is_datetime64_any_dtype(col) else col
    )
    bad = int((when.isna() & col.notna()).sum())
    if when.notna().sum() == 0:
        raise InputError(
            f"The date column '{decl.date_column}' holds no readable date.",
            "Write dates as YYYY-MM-DD, or declare data_from and data_to instead.",
        )
    if bad:
        notes.append(
            f"{bad:,} row(s) of the date column '{decl.date_column}' hold no readable date; the date range is that of the others."
        )
    return when.min().date().isoformat(), when.max().date().isoformat(), f"date column '{decl.date_column}'"


def bias_audit(
    df: pd.DataFrame, decl: BiasAuditDeclaration, *, selected: np.ndarray, scores: np.ndarray | None, run_date: str
) -> BiasAudit:
    """The bias audit of `df`'s rows: `selected` is each row's favourable decision (0/1), `scores` the AEDT's scores
    (needed for the scoring rate), `run_date` the day the audit ran (the audit date unless one is declared)."""
    legal = legal_data()
    for m, what in ((decl.sex, "sex"), (decl.race, "race/ethnicity")):
        if m.column not in df.columns:
            raise InputError(
                f"The {what} column '{m.column}' named for the NYC bias audit is not in the data.",
                f"Columns: {', '.join(map(str, df.columns[:30]))}.",
            )
    sexes, races = sex_categories(), race_categories()
    sex = map_categories(df[decl.sex.column], decl.sex, sexes, decl.unmapped, "sex", "sex")
    race = map_categories(df[decl.race.column], decl.race, races, decl.unmapped, "race/ethnicity", "race")
    notes: list[str] = []
    median = None
    if decl.rate == "scoring":
        if scores is None:
            raise InputError(
                'The NYC bias audit is declared with rate = "scoring", but the run has no scores.',
                "Give the scores column (--scores) or a model that gives probabilities, or use rate = "
                '"selection" for an AEDT that selects or classifies.',
            )
        median = float(np.median(scores))  # of the whole sample, unknown categories included (6 RCNY § 5-300)
        hit = np.asarray(scores) > median
    else:
        hit = np.asarray(selected).astype(bool)
    n = len(df)
    threshold = float(legal["exclusion"]["threshold"])
    small = decl.exclude_under_2_percent
    tables = []
    specs: list[tuple[str, list[tuple[str, ...]], list[npt.NDArray[np.bool_]], npt.NDArray[np.bool_]]] = [
        ("Sex", [(s,) for s in sexes], [sex == s for s in sexes], sex == UNKNOWN),
        ("Race/Ethnicity", [(r,) for r in races], [race == r for r in races], race == UNKNOWN),
        (
            "Intersectional",
            [(r, s) for r in races for s in sexes],
            [(race == r) & (sex == s) for r in races for s in sexes],
            (race == UNKNOWN) | (sex == UNKNOWN),
        ),
    ]
    for title, keys, member, unknown in specs:
        rows, best = _rows(keys, member, hit, n, small, threshold)
        tables.append(CategoryTable(title=title, rows=rows, unknown=int(unknown.sum()), highest=best))
    audit_day = date.fromisoformat(decl.audit_date or run_date[:10])
    data_from, data_to, dates_source = _date_range(df, decl, notes)
    if not decl.distribution_date:
        notes.append(
            "The distribution date of the AEDT is not declared: the published summary must state it "
            f"({legal['publication']['source']})."
        )
    excluded_any = any(r.excluded for t in tables for r in t.rows)
    return BiasAudit(
        rate=decl.rate,
        median_score=median,
        people=n,
        tables=tuple(tables),
        audit_date=audit_day.isoformat(),
        data_from=data_from,
        data_to=data_to,
        dates_source=dates_source,
        distribution_date=decl.distribution_date,
        reaudit_by=_add_year(audit_day).isoformat(),
        exclusion_justification=(decl.exclusion_justification or legal["exclusion"]["default_justification"])
        if excluded_any
        else "",
        declaration=decl,
        citation=legal["citation"],
        legal_as_of=legal["as_of"],
        notes=tuple(notes),
    )
