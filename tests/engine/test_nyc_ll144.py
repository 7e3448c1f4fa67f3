"""NYC Local Law 144 bias audit: selection and scoring rates and impact ratios by sex, race/ethnicity and intersection,
checked against a hand-worked example and an independent pandas computation; the 2% exclusion, unknowns, label
mapping, dates and the CLI preset."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from audit.errors import InputError
from audit.nyc_ll144 import BiasAuditDeclaration, CategoryMap, infer_declaration, legal_data, race_categories
from audit.nyc_tables import bias_audit
from audit.policy import resolve_policy
from cli.main import main

MAP = {
    "sex": {"column": "gender", "labels": {"M": "Male", "F": "Female", "X": "Unknown"}},
    "race": {"column": "race", "labels": {"Hisp": "Hispanic or Latino", "Blk": "Black or African American"}},
}

# The hand-worked example, 60 people: (race, gender, applicants, selected). "White" and "Asian" are EEO-1 labels already;
# X is a declared unknown sex; None is a missing race.
CELLS = [
    ("White", "M", 10, 6),
    ("White", "F", 10, 5),
    ("Blk", "M", 8, 3),
    ("Blk", "F", 12, 6),
    ("Asian", "M", 1, 1),
    ("White", "X", 4, 2),
    (None, "M", 5, 1),
    ("Hisp", "F", 10, 4),
]


def frame(cells=CELLS) -> tuple[pd.DataFrame, np.ndarray]:
    rows, sel = [], []
    for race, sex, n, s in cells:
        rows += [{"race": race, "gender": sex}] * n
        sel += [1] * s + [0] * (n - s)
    return pd.DataFrame(rows), np.array(sel)


def decl(**kw) -> BiasAuditDeclaration:
    return BiasAuditDeclaration.model_validate({**MAP, **kw})


def row(audit, title, *category):
    return next(r for r in audit.table(title).rows if r.category == category)


def test_hand_worked_example_with_the_2_percent_exclusion():
    df, sel = frame()
    a = bias_audit(df, decl(exclude_under_2_percent=True), selected=sel, scores=None, run_date="2026-03-01T10:00:00Z")
    # Sex: Male 10+8+1+5 = 24 applicants, 6+3+1+1 = 11 selected; Female 10+12+10 = 32, 5+6+4 = 15; X: 4 unknown.
    male, female = row(a, "Sex", "Male"), row(a, "Sex", "Female")
    assert (male.applicants, male.selected, female.applicants, female.selected) == (24, 11, 32, 15)
    assert male.rate == pytest.approx(11 / 24) and female.impact_ratio == 1.0
    assert male.impact_ratio == pytest.approx(float(Fraction(11, 24) / Fraction(15, 32)))  # 352/360 = 0.9778
    assert a.table("Sex").unknown == 4 and a.table("Sex").highest == ("Female",)
    # Race: White 24 (13), Black 20 (9), Hispanic 10 (4), Asian 1 (1) = 1/60 < 2% of the data: excluded from the
    # ratios, so the highest is White (13/24), not Asian (1/1). 5 people have no race.
    asian = row(a, "Race/Ethnicity", "Asian")
    assert asian.excluded and asian.impact_ratio is None and (asian.applicants, asian.rate) == (1, 1.0)
    assert a.table("Race/Ethnicity").highest == ("White",)
    assert row(a, "Race/Ethnicity", "Hispanic or Latino").impact_ratio == pytest.approx(0.4 / (13 / 24))  # 0.7385
    assert row(a, "Race/Ethnicity", "Black or African American").impact_ratio == pytest.approx(0.45 / (13 / 24))
    empty = row(a, "Race/Ethnicity", "Two or More Races")
    assert (empty.applicants, empty.rate, empty.impact_ratio, empty.excluded) == (0, None, None, False)
    assert a.table("Race/Ethnicity").unknown == 5
    # Intersection: 4 unknown sex + 5 unknown race = 9 unknown; White Male 6/10 is the highest once Asian Male is out.
    t = a.table("Intersectional")
    assert len(t.rows) == 14 and t.unknown == 9 and t.highest == ("White", "Male")
    assert row(a, "Intersectional", "Black or African American", "Male").impact_ratio == pytest.approx(0.375 / 0.6)
    assert row(a, "Intersectional", "Black or African American", "Female").impact_ratio == pytest.approx(0.5 / 0.6)
    assert row(a, "Intersectional", "Hispanic or Latino", "Female").impact_ratio == pytest.approx(0.4 / 0.6)
    assert row(a, "Intersectional", "Asian", "Male").excluded
    assert a.exclusion_justification == legal_data()["exclusion"]["default_justification"]
    assert (a.audit_date, a.reaudit_by) == ("2026-03-01", "2027-03-01")


def test_without_the_exclusion_the_small_category_sets_the_highest_rate():
    df, sel = frame()
    a = bias_audit(df, decl(), selected=sel, scores=None, run_date="2026-03-01")
    assert not a.excluded and a.exclusion_justification == ""
    assert a.table("Race/Ethnicity").highest == ("Asian",)
    assert row(a, "Race/Ethnicity", "White").impact_ratio == pytest.approx(13 / 24)


def test_exactly_2_percent_is_not_excluded():
    cells = [("White", "M", 49, 20), ("Asian", "F", 1, 1)]  # 1 of 50 = 2%: not under 2%
    df, sel = frame(cells)
    a = bias_audit(df, decl(exclude_under_2_percent=True), selected=sel, scores=None, run_date="2026-03-01")
    assert not row(a, "Race/Ethnicity", "Asian").excluded and a.table("Race/Ethnicity").highest == ("Asian",)


def test_matches_an_independent_pandas_computation_on_random_data():
    rng = np.random.default_rng(3)
    n = 5000
    labels = ["Hisp", "Blk", *race_categories()[1:2], "Asian", "Two or More Races", "Native Hawaiian or Pacific Islander"]
    df = pd.DataFrame(
        {
            "race": rng.choice(labels, n, p=[0.2, 0.2, 0.3, 0.2, 0.09, 0.01]),
            "gender": rng.choice(["M", "F", "X"], n, p=[0.5, 0.45, 0.05]),
        }
    )
    sel = (rng.random(n) < np.where(df.race == "Blk", 0.3, 0.45)).astype(int)
    a = bias_audit(df, decl(exclude_under_2_percent=True), selected=sel, scores=None, run_date="2026-03-01")
    eeo = {"Hisp": "Hispanic or Latino", "Blk": "Black or African American"}
    d = df.assign(r=df.race.map(lambda v: eeo.get(v, v)), s=df.gender.map({"M": "Male", "F": "Female"}), sel=sel)
    for title, keys in (("Sex", ["s"]), ("Race/Ethnicity", ["r"]), ("Intersectional", ["r", "s"])):
        known = d.dropna(subset=keys)
        g = known.groupby(keys)["sel"].agg(["size", "mean"])
        g["share"] = g["size"] / n
        top = g[g.share >= 0.02]["mean"].max()
        for k, (size, mean, share) in g.iterrows():
            k = k if isinstance(k, tuple) else (k,)
            got = row(a, title, *k)
            assert (got.applicants, got.rate) == (size, pytest.approx(mean))
            assert got.excluded == (share < 0.02)
            assert got.impact_ratio == (None if share < 0.02 else pytest.approx(mean / top))
        assert a.table(title).unknown == n - len(known)


def test_scoring_rate_is_the_share_above_the_median_of_the_whole_sample():
    # 9 people; the median of all 9 scores (unknown race included) is the 5th, 0.45: without the unknowns it would
    # be (0.4 + 0.45) / 2 and Asian's 0.45 would count as above it.
    df = pd.DataFrame(
        {
            "race": ["White", "White", "White", "Asian", "Asian", "Asian", None, None, None],
            "gender": ["M", "F", "M", "F", "M", "F", "M", "F", "M"],
        }
    )
    scores = np.array([0.9, 0.5, 0.1, 0.4, 0.45, 0.8, 0.2, 0.3, 0.6])
    a = bias_audit(df, decl(rate="scoring"), selected=np.zeros(9), scores=scores, run_date="2026-03-01")
    assert a.median_score == pytest.approx(0.45)
    white, asian = row(a, "Race/Ethnicity", "White"), row(a, "Race/Ethnicity", "Asian")
    assert (white.selected, asian.selected) == (2, 1)  # 0.9, 0.5 above; 0.8 above, 0.45 is not above the median
    assert white.impact_ratio == 1.0 and asian.impact_ratio == pytest.approx(0.5)
    with pytest.raises(InputError, match="no scores"):
        bias_audit(df, decl(rate="scoring"), selected=np.zeros(9), scores=None, run_date="2026-03-01")


def test_unmapped_labels_are_refused_or_counted_unknown_as_declared():
    df, sel = frame([("White", "M", 5, 2), ("Latino", "F", 3, 1), ("Latino", "M", 2, 1)])
    with pytest.raises(InputError) as exc:
        bias_audit(df, decl(), selected=sel, scores=None, run_date="2026-03-01")
    assert "'Latino' (5 rows)" in exc.value.message and "race.labels" in exc.value.hint
    a = bias_audit(df, decl(unmapped="unknown"), selected=sel, scores=None, run_date="2026-03-01")
    assert a.table("Race/Ethnicity").unknown == 5 and row(a, "Race/Ethnicity", "White").applicants == 5


def test_a_mapping_to_a_label_that_is_not_eeo1_is_refused():
    with pytest.raises(InputError, match="not EEO-1 categories"):
        BiasAuditDeclaration.from_toml('[sex]\ncolumn = "g"\nlabels = {M = "Man"}\n[race]\ncolumn = "r"\n')


def test_dates_from_a_column_or_declared_and_the_re_audit_date():
    df, sel = frame([("White", "M", 3, 1), ("Asian", "F", 2, 1)])
    df["applied"] = ["2025-03-05", "2025-01-10", "not a date", "2025-11-30", "2025-06-01"]
    a = bias_audit(
        df,
        decl(date_column="applied", distribution_date="2024-06-01"),
        selected=sel,
        scores=None,
        run_date="2028-02-29T09:00:00Z",
    )
    assert (a.data_from, a.data_to, a.distribution_date) == ("2025-01-10", "2025-11-30", "2024-06-01")
    assert (a.audit_date, a.reaudit_by) == ("2028-02-29", "2029-02-28")
    assert any("1 row(s)" in n and "no readable date" in n for n in a.notes)
    b = bias_audit(
        df,
        decl(data_from="2024-01-01", data_to="2024-12-31", audit_date="2025-02-01"),
        selected=sel,
        scores=None,
        run_date="2026-01-01",
    )
    assert (b.data_from, b.data_to, b.dates_source, b.reaudit_by) == ("2024-01-01", "2024-12-31", "declared", "2026-02-01")
    assert any("distribution date" in n for n in b.notes)
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        BiasAuditDeclaration.from_toml('distribution_date = "1/6/2024"\n[sex]\ncolumn = "g"\n[race]\ncolumn = "r"\n')


def test_the_legal_data_has_its_source_and_as_of_date():
    law = legal_data()
    assert law["citation"] == "6 RCNY § 5-300 et seq." and law["as_of"]
    assert law["exclusion"]["threshold"] == 0.02 and law["exclusion"]["source"]
    assert law["one_year"]["months"] == 12 and "20-871" in law["one_year"]["source"]
    assert len(law["categories"]["race"]) == 7 and law["categories"]["sex"] == ["Male", "Female"]


def test_the_preset_infers_columns_named_sex_and_race():
    assert resolve_policy("nyc_ll144").bias_audit == "nyc_ll144"
    assert resolve_policy("nyc_ll144,standard").bias_audit == "nyc_ll144"
    d = infer_declaration(("Race", "Sex", "age"))
    assert (d.sex.column, d.race.column) == ("Sex", "Race")
    with pytest.raises(InputError, match="sex column"):
        infer_declaration(("race", "age"))


def _csv(tmp_path, sex_labels=("Male", "Female")) -> str:
    rng = np.random.default_rng(0)
    n = 1200
    race = rng.choice(race_categories(), n)
    sex = rng.choice(sex_labels, n)
    sel = (rng.random(n) < np.where(race == "Asian", 0.3, 0.5)).astype(int)
    path = tmp_path / "aedt.csv"
    pd.DataFrame({"race": race, "sex": sex, "selected": sel, "hired": rng.integers(0, 2, n)}).to_csv(path, index=False)
    return str(path)


def _cli(tmp_path, data, *extra):
    out = tmp_path / "r.json"
    code = main(
        [
            "audit",
            "--data",
            data,
            "--target",
            "hired",
            "--sensitive",
            "race,sex",
            "--predictions",
            "selected",
            "--positive-label",
            "1",
            "--policy",
            "nyc_ll144",
            "--json",
            str(out),
            "--quiet",
            "--force",
            "--bootstrap",
            "0",
            "--no-explain",
            *extra,
        ]
    )
    return code, out


def test_cli_preset_writes_the_tables_into_the_result(tmp_path, capsys):
    data = _csv(tmp_path)
    code, out = _cli(tmp_path, data)
    assert code in (0, 1)
    a = json.loads(out.read_text())["bias_audit"]
    df = pd.read_csv(data)
    asian = next(r for r in a["tables"][1]["rows"] if r["category"] == ["Asian"])
    assert asian["applicants"] == (df.race == "Asian").sum()
    assert asian["selected"] == df.selected[df.race == "Asian"].sum()
    assert "NYC Local Law 144 bias audit" in capsys.readouterr().out


def test_cli_refuses_labels_it_cannot_map_and_reads_a_categories_file(tmp_path, capsys):
    data = _csv(tmp_path, sex_labels=("man", "woman"))
    code, _ = _cli(tmp_path, data)
    err = capsys.readouterr().err
    assert code == 2 and "'man'" in err and "'woman'" in err and "How to fix" in err
    cats = tmp_path / "cats.toml"
    cats.write_text('[sex]\ncolumn = "sex"\nlabels = {man = "Male", woman = "Female"}\n[race]\ncolumn = "race"\n')
    code, out = _cli(tmp_path, data, "--nyc-categories", str(cats))
    assert code in (0, 1)
    a = json.loads(out.read_text())["bias_audit"]
    assert a["tables"][0]["unknown"] == 0 and sum(r["applicants"] for r in a["tables"][0]["rows"]) == 1200


def test_a_column_outside_the_sensitive_features_is_refused(tmp_path, capsys):
    data = _csv(tmp_path)
    cats = tmp_path / "cats.toml"
    cats.write_text('[sex]\ncolumn = "sex"\n[race]\ncolumn = "race"\n')
    out = tmp_path / "r.json"
    code = main(
        [
            "audit",
            "--data",
            data,
            "--target",
            "hired",
            "--sensitive",
            "race",
            "--predictions",
            "selected",
            "--positive-label",
            "1",
            "--nyc-categories",
            str(cats),
            "--json",
            str(out),
            "--quiet",
            "--bootstrap",
            "0",
        ]
    )
    assert code == 2 and "not among the sensitive features" in capsys.readouterr().err and not out.exists()


def test_summary_needs_the_bias_audit(tmp_path, capsys):
    data = _csv(tmp_path)
    out = tmp_path / "r.json"
    code = main(
        [
            "audit",
            "--data",
            data,
            "--target",
            "hired",
            "--sensitive",
            "race,sex",
            "--predictions",
            "selected",
            "--positive-label",
            "1",
            "--nyc-summary",
            str(tmp_path / "s.pdf"),
            "--json",
            str(out),
            "--quiet",
        ]
    )
    assert code == 2 and "nyc_ll144" in capsys.readouterr().err and not out.exists()


def test_category_map_keeps_declared_labels_exact():
    assert CategoryMap(column="c", labels={" M": "Male"}).labels == {" M": "Male"}


# The DCWP's example bias audit of selection rates (final rule of April 2023, 6 RCNY § 5-301), as recalled: applicants,
# selected, selection rate (whole %) and impact ratio (2 decimals) as the example prints them. Recalled, not copied
# (no network here), but internally consistent: every printed ratio is the printed counts' rate over the highest one.
DCWP_SEX = {"Male": (1390, 667, 48, 1.00), "Female": (1181, 555, 47, 0.98)}
DCWP_RACE = {
    "Hispanic or Latino": (408, 204, 50, 0.97),
    "White": (797, 412, 52, 1.00),
    "Black or African American": (390, 170, 44, 0.84),
    "Native Hawaiian or Pacific Islander": (119, 52, 44, 0.85),
    "Asian": (616, 302, 49, 0.95),
    "Native American or Alaska Native": (41, 18, 44, 0.85),
    "Two or More Races": (213, 96, 45, 0.87),
}


def dcwp_frame() -> tuple[pd.DataFrame, np.ndarray]:
    """People whose race and sex tables are the DCWP's: 1,254 selected and 1,330 not selected with a known race, plus
    19 not selected with no race; among the selected 667 men, 555 women, 32 of unknown sex (2,603 people)."""
    race, sel = [], []
    for r, (n, s, _, _) in DCWP_RACE.items():
        race += [r] * n
        sel += [1] * s + [0] * (n - s)
    race += [None] * 19
    sel += [0] * 19
    order = np.argsort(-np.array(sel), kind="stable")  # the selected first, then the others
    race, sel = [race[i] for i in order], np.array(sel)[order]
    sex = ["Male"] * 667 + ["Female"] * 555 + [None] * 32 + ["Male"] * 723 + ["Female"] * 626
    return pd.DataFrame({"race": race, "gender": sex}), sel


def test_reproduces_the_dcwp_example_tables():
    df, sel = dcwp_frame()
    a = bias_audit(df, decl(), selected=sel, scores=None, run_date="2026-03-01")
    for title, expected in (("Sex", DCWP_SEX), ("Race/Ethnicity", DCWP_RACE)):
        for category, (n, s, pct, ratio) in expected.items():
            r = row(a, title, category)
            assert (r.applicants, r.selected) == (n, s)
            assert round(r.rate * 100) == pct and round(r.impact_ratio, 2) == ratio, category
    assert (a.table("Sex").unknown, a.table("Race/Ethnicity").unknown) == (32, 19)
    # Native American or Alaska Native is 41 of 2,603 (1.6%): the DCWP example keeps it; an auditor may exclude it.
    b = bias_audit(df, decl(exclude_under_2_percent=True), selected=sel, scores=None, run_date="2026-03-01")
    assert [r.category for r in b.excluded if len(r.category) == 1] == [("Native American or Alaska Native",)]


def test_the_declaration_travels_through_the_draft_and_the_result_json(tmp_path):
    from audit.draft import AuditDraft
    from audit.result import AuditResult
    from audit.run import run_audit

    data = _csv(tmp_path)
    d = decl(audit_date="2026-01-15")
    d = d.model_copy(update={"sex": CategoryMap(column="sex"), "race": CategoryMap(column="race")})
    draft = AuditDraft(
        data_path=data,
        target="hired",
        sensitive=("race", "sex"),
        positive_label="1",
        source="predictions",
        predictions_column="selected",
        policy="nyc_ll144",
        bootstrap=0,
        bias_audit=d,
    )
    spec = draft.to_spec()
    assert spec.bias_audit == d and AuditDraft.from_spec(spec).bias_audit == d
    result = run_audit(spec)
    again = AuditResult.from_json(result.to_json())
    assert again.bias_audit == result.bias_audit and again.bias_audit.reaudit_by == "2027-01-15"
