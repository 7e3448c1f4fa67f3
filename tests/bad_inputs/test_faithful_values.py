"""Faithful values (issue 11 item 4): a group written "NA" stays a group unless the user says it means missing
(--na-values); UTF-16/UTF-32 CSV with a BOM load; spacing/case variants of one group name are flagged."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from audit.datasets import load_dataset
from audit.run import run_audit
from audit.spec import AuditSpec
from cli.main import main
from tests.bad_inputs.conftest import good_frame


def _na_frame() -> pd.DataFrame:
    df = good_frame()
    return df.assign(race=np.where(np.arange(len(df)) % 5 == 0, "NA", df.race))  # 48 rows of group "NA"


def _spec(path: Path, **kw) -> AuditSpec:
    return AuditSpec(
        data_path=str(path),
        target="approved",
        sensitive=("sex", "race"),
        predictions_column="pred",
        positive_label="1",
        bootstrap=20,
        **kw,
    )


def _race_groups(result) -> dict[str, int]:
    return {g.attributes["race"]: g.n for g in result.groups if tuple(g.attributes) == ("race",)}


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_group_na_stays_a_group_by_default(fmt, tmp_path):
    df = _na_frame()
    path = tmp_path / f"na.{fmt}"
    {
        "csv": lambda: df.to_csv(path, index=False),
        "xlsx": lambda: df.to_excel(path, index=False),
        "parquet": lambda: df.to_parquet(path, index=False),
    }[fmt]()
    result = run_audit(_spec(path))
    groups = _race_groups(result)
    assert groups["NA"] == 48 and "(missing)" not in groups
    assert result.spec.na_values == ()
    assert any("'NA' (48 row(s))" in w and "--na-values NA" in w for w in result.warnings)
    # the other columns keep pandas' reading: "n/a" in a feature is still missing
    assert load_dataset(path, sensitive=("race",))[0]["race"].isna().sum() == 0


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_na_values_make_the_group_missing(fmt, tmp_path):
    df = _na_frame()
    path = tmp_path / f"na.{fmt}"
    df.to_csv(path, index=False) if fmt == "csv" else df.to_parquet(path, index=False)
    result = run_audit(_spec(path, na_values=("NA",)))
    groups = _race_groups(result)
    assert groups["(missing)"] == 48 and "NA" not in groups
    assert sum(groups.values()) == len(df)
    assert json.loads(result.to_json())["spec"]["na_values"] == ["NA"]


def test_na_values_through_the_cli(tmp_path, capsys):
    path = tmp_path / "na.csv"
    _na_frame().to_csv(path, index=False)
    out = tmp_path / "r.json"
    rc = main(
        [
            "audit",
            "--data",
            str(path),
            "--target",
            "approved",
            "--sensitive",
            "sex,race",
            "--predictions",
            "pred",
            "--positive-label",
            "1",
            "--na-values",
            "NA, null",
            "--bootstrap",
            "20",
            "--json",
            str(out),
            "--quiet",
        ]
    )
    assert rc in (0, 1), capsys.readouterr().err
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["spec"]["na_values"] == ["NA", "null"]
    race = {g["attributes"]["race"]: g["n"] for g in result["groups"] if list(g["attributes"]) == ["race"]}
    assert race["(missing)"] == 48


def test_empty_string_group_missing_only_when_asked(tmp_path):
    df = good_frame()
    path = tmp_path / "e.parquet"
    df.assign(race=np.where(np.arange(len(df)) % 30 == 4, "", df.race)).to_parquet(path, index=False)
    from audit.errors import InputError

    with pytest.raises(InputError, match="--na-values"):
        run_audit(_spec(path))
    assert _race_groups(run_audit(_spec(path, na_values=("",))))["(missing)"] == 8


def test_old_spec_without_na_values_loads():
    spec = _spec(Path("x.csv"))
    raw = json.loads(spec.model_dump_json())
    raw.pop("na_values")
    assert AuditSpec.model_validate(raw).na_values == ()


@pytest.mark.parametrize("encoding, sep", [("utf-16", "\t"), ("utf-16-be", "\t"), ("utf-32", ","), ("utf-32-be", ";")])
def test_utf16_utf32_with_bom_load(encoding, sep, tmp_path):
    df = good_frame().assign(region=np.where(np.arange(240) % 2 == 0, "Île-de-France", "Zürich"))
    path = tmp_path / "u.csv"
    text = df.to_csv(index=False, sep=sep)
    bom = {"utf-16-be": "\ufeff", "utf-32-be": "\ufeff"}.get(encoding, "")
    path.write_bytes((bom + text).encode(encoding))  # utf-16 / utf-32 write their own BOM (little-endian here)
    loaded, ref = load_dataset(path)
    assert ref.delimiter == sep and ref.encoding in ("utf-16", "utf-32")
    assert list(loaded.columns) == list(df.columns)
    assert loaded["region"].tolist() == df["region"].tolist()
    assert loaded["income"].tolist() == df["income"].tolist()
    assert (loaded["approved"].to_numpy() == df["approved"].to_numpy()).all()


def test_utf16_excel_unicode_text_audits(tmp_path, capsys):
    path = tmp_path / "unicode.txt"
    good_frame().to_csv(path, index=False, sep="\t", encoding="utf-16")
    out = tmp_path / "r.json"
    rc = main(
        [
            "audit",
            "--data",
            str(path),
            "--target",
            "approved",
            "--sensitive",
            "sex,race",
            "--predictions",
            "pred",
            "--positive-label",
            "1",
            "--bootstrap",
            "20",
            "--json",
            str(out),
            "--quiet",
        ]
    )
    err = capsys.readouterr().err
    assert rc in (0, 1) and "binary data" not in err, err
    assert json.loads(out.read_text(encoding="utf-8"))["data"]["rows"] == 240


def test_random_bytes_are_still_binary(tmp_path):
    from audit.errors import DatasetError

    path = tmp_path / "junk.csv"
    path.write_bytes(b"\xff\xfe" + np.random.default_rng(2).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    with pytest.raises(DatasetError, match="binary data"):
        load_dataset(path)


def test_spacing_and_case_variants_are_flagged(tmp_path):
    df = good_frame()
    i = np.arange(len(df))
    sex = np.where(
        (df.sex == "Female") & (i % 7 == 0), "Female ", np.where((df.sex == "Female") & (i % 11 == 0), "female", df.sex)
    )
    path = tmp_path / "v.csv"
    df.assign(sex=sex).to_csv(path, index=False)
    result = run_audit(_spec(path))
    notes = [w for w in result.warnings if "differ only in spaces or capitals" in w]
    assert len(notes) == 1 and "'sex'" in notes[0]
    for v in ("'Female'", "'Female '", "'female'"):
        assert v in notes[0]
    assert {"Female", "Female ", "female"} <= {g.attributes["sex"] for g in result.groups if tuple(g.attributes) == ("sex",)}


def test_clean_values_give_no_variant_warning(tmp_path):
    path = tmp_path / "g.csv"
    good_frame().to_csv(path, index=False)
    assert not [w for w in run_audit(_spec(path)).warnings if "spaces or capitals" in w or "--na-values" in w]
