"""The NYC Local Law 144 public summary: one page holding every table an employer must publish (7 races x 2 sexes
included), the dates, the data's source and the unknowns, with numbers equal to an independent count of the data."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pikepdf
import pytest
from pypdf import PdfReader

from audit.nyc_ll144 import BiasAuditDeclaration, legal_data, race_categories, sex_categories
from audit.policy import resolve_policy
from audit.result import AuditResult
from audit.run import run_audit
from audit.spec import AuditSpec
from reports.nyc_summary import render_nyc_summary
from tests.reports.report_helpers import tool

RACE_LABELS = {
    "Hisp": "Hispanic or Latino",
    "Wht": "White",
    "Blk": "Black or African American",
    "NHPI": "Native Hawaiian or Pacific Islander",
    "Asn": "Asian",
    "AIAN": "Native American or Alaska Native",
    "Multi": "Two or More Races",
}
SHARES = [0.2, 0.3, 0.2, 0.012, 0.2, 0.018, 0.07]  # two races under 2% of the data


def _data(path, n: int = 4000, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "race": rng.choice(list(RACE_LABELS), n, p=SHARES),
            "gender": rng.choice(["m", "f", "not given"], n, p=[0.5, 0.46, 0.04]),
        }
    )
    df.loc[df.index[:37], "race"] = None  # race not recorded
    df["s"] = np.clip(rng.random(n) - 0.15 * (df.race == "Blk"), 0, 1)
    df["p"] = (rng.random(n) < np.where(df.race == "Asn", 0.35, 0.5)).astype(int)
    df["y"] = rng.integers(0, 2, n)
    df["applied"] = (pd.Timestamp("2025-02-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")).strftime("%Y-%m-%d")
    df.to_csv(path, index=False)
    return df


def _result(tmp_path: Path, **decl):
    df = _data(tmp_path / "aedt.csv")
    declaration = BiasAuditDeclaration.model_validate(
        {
            "sex": {"column": "gender", "labels": {"m": "Male", "f": "Female", "not given": "Unknown"}},
            "race": {"column": "race", "labels": RACE_LABELS},
            "date_column": "applied",
            "distribution_date": "2024-09-15",
            "exclude_under_2_percent": True,
            "tool_name": "HireScreen 4.2",
            "employer": "Example Staffing LLC",
            "auditor": "Independent Audits Inc.",
            **decl,
        }
    )
    spec = AuditSpec(
        data_path=str(tmp_path / "aedt.csv"),
        target="y",
        sensitive=("race", "gender"),
        predictions_column="p",
        scores_column="s",
        positive_label="1",
        policy=resolve_policy("nyc_ll144"),
        bootstrap=0,
        seed=1,
        bias_audit=declaration,
    )
    return run_audit(spec), df


def _flat(pdf: bytes) -> tuple[int, str]:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return len(pages), " ".join(" ".join(pg.extract_text() or "" for pg in pages).split())


@pytest.fixture(scope="module")
def summary(tmp_path_factory: pytest.TempPathFactory) -> tuple[AuditResult, pd.DataFrame, bytes, Path]:
    tmp = tmp_path_factory.mktemp("nyc")
    result, df = _result(tmp)
    pdf = render_nyc_summary(result, generated_at="2026-12-03T10:00:00Z")
    (tmp / "summary.pdf").write_bytes(pdf)
    return result, df, pdf, tmp


def _expected_rows(df: pd.DataFrame, rate: str) -> dict[tuple[str, ...], tuple[int, int]]:
    """(applicants, selected or scored above the median) per category, counted here with pandas."""
    d = df.assign(r=df.race.map(RACE_LABELS), x=df.gender.map({"m": "Male", "f": "Female"}))
    hit = d.p == 1 if rate == "selection" else d.s > d.s.median()
    out = {}
    for r in race_categories():
        out[(r,)] = (int((d.r == r).sum()), int(((d.r == r) & hit).sum()))
        for s in sex_categories():
            m = (d.r == r) & (d.x == s)
            out[(r, s)] = (int(m.sum()), int((m & hit).sum()))
    for s in sex_categories():
        out[(s,)] = (int((d.x == s).sum()), int(((d.x == s) & hit).sum()))
    return out


def test_one_page_with_every_table_row_as_counted(summary: tuple[AuditResult, pd.DataFrame, bytes, Path]) -> None:
    _result, df, pdf, _ = summary
    pages, text = _flat(pdf)
    assert pages == 1
    counts = _expected_rows(df, "selection")
    n, excluded = len(df), 0
    for title, keys in (
        ("Sex", [(s,) for s in sex_categories()]),
        ("Race/Ethnicity", [(r,) for r in race_categories()]),
        ("Intersectional", [(r, s) for r in race_categories() for s in sex_categories()]),
    ):
        included = {k: counts[k][1] / counts[k][0] for k in keys if counts[k][0] >= 0.02 * n}
        excluded += len(keys) - len(included)
        top = max(included.values())
        for k in keys:
            applicants, selected = counts[k]
            ratio = "excluded (< 2%)" if k not in included else f"{included[k] / top:.3f}"
            line = f"{' '.join(k)} {applicants:,} {selected:,} {selected / applicants * 100:.1f}% {ratio}"
            assert line in text, (title, line)
    assert "Intersectional categories" in text and text.count("excluded (< 2%)") == excluded >= 5


def test_states_the_dates_data_source_unknowns_and_law(summary: tuple[AuditResult, pd.DataFrame, bytes, Path]) -> None:
    result, df, pdf, _ = summary
    _, text = _flat(pdf)
    dates = pd.to_datetime(df.applied)
    assert f"Date of this bias audit {result.provenance.started_at[:10]}" in text
    assert "Distribution date of the AEDT 2024-09-15" in text
    audit_day = pd.Timestamp(result.provenance.started_at[:10])
    assert f"Re-audit needed by {(audit_day + pd.DateOffset(years=1)).date().isoformat()}" in text
    assert f"{dates.min().date().isoformat()} to {dates.max().date().isoformat()} (date column 'applied')" in text
    assert f"Historical data: aedt.csv, {len(df):,} people assessed by the AEDT" in text
    unknown_sex = int((df.gender == "not given").sum())
    unknown_race = int(df.race.isna().sum())
    both = int(((df.gender == "not given") | df.race.isna()).sum())
    assert f"sex {unknown_sex:,}; race/ethnicity {unknown_race:,}; intersectional {both:,}" in text
    law = legal_data()
    assert "6 RCNY § 5-300 et seq." in text and f"Legal data as of {law['as_of']}" in text
    assert " ".join(law["exclusion"]["default_justification"].split()) in text
    assert "HireScreen 4.2" in text and "Example Staffing LLC" in text and "Independent Audits Inc." in text


def test_scoring_rate_version(tmp_path: Path) -> None:
    result, df = _result(tmp_path, rate="scoring", exclude_under_2_percent=False)
    pages, text = _flat(render_nyc_summary(result))
    counts = _expected_rows(df, "scoring")
    assert pages == 1 and "Number scored above the median" in text and "Scoring rate" in text
    asian = counts[("Asian",)]
    assert f"Asian {asian[0]:,} {asian[1]:,} {asian[1] / asian[0] * 100:.1f}%" in text
    assert f"({df.s.median():.4g})" in text and "excluded" not in text


def test_long_declared_texts_still_fit_or_continue(tmp_path: Path) -> None:
    result, _ = _result(
        tmp_path,
        data_description="Applications received through the careers site. " * 12,
        tool_name="A tool with a long name " * 6,
    )
    pages, text = _flat(render_nyc_summary(result))
    assert pages == 1 and "careers site" in text
    result, _ = _result(tmp_path, data_description="Applications received through the careers site. " * 200)
    pages, text = _flat(render_nyc_summary(result))  # too long for one page even at 70%: continues, nothing cut
    assert pages == 2 and text.count("careers site") == 200


def test_archival_metadata_and_embedded_fonts(summary: tuple[AuditResult, pd.DataFrame, bytes, Path]) -> None:
    _, _, pdf, tmp = summary
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        meta = doc.open_metadata()
        assert meta.get("pdfaid:part") == "3" and "bias audit" in meta.get("dc:title").lower()
        assert str(doc.Root.Lang) == "en" and len(doc.Root.OutputIntents) == 1
    fonts = subprocess.run([tool("pdffonts"), str(tmp / "summary.pdf")], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes " in r for r in rows)  # every font embedded
