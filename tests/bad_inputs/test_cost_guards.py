"""Cost guards (issue 11 item 2): runs that would take minutes or exhaust memory are refused before any work, with
the figure and the fix; out-of-range options and nested Parquet columns give clear refusals, never tracebacks."""

from __future__ import annotations

import json
from itertools import combinations
from math import prod
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from audit.guards import MAX_GROUPS, estimate_groups
from cli.main import main
from tests.bad_inputs.conftest import good_frame


def _wide(path: Path, n: int = 2000, columns: int = 8) -> Path:
    rng = np.random.default_rng(1)
    d = {f"s{i}": rng.choice(["a", "b", "c"], n) for i in range(columns)}
    d["y"] = rng.integers(0, 2, n)
    d["p"] = rng.integers(0, 2, n)
    pd.DataFrame(d).to_csv(path, index=False)
    return path


def _audit(capsys, data: Path, sensitive: str, out: Path, *extra: str, target: str = "approved", pred: str = "pred"):
    rc = main(
        [
            "audit",
            "--data",
            str(data),
            "--target",
            target,
            "--sensitive",
            sensitive,
            "--predictions",
            pred,
            "--positive-label",
            "1",
            "--json",
            str(out),
            "--quiet",
            *extra,
        ]
    )
    cap = capsys.readouterr()
    return rc, cap.err


def _refused(rc: int, err: str, out: Path, *expected: str) -> None:
    assert "Traceback" not in err and "internal error" not in err, err
    assert rc == 2, f"exit {rc}\n{err}"
    assert err.startswith("error: ") and "How to fix: " in err, err
    for s in expected:
        assert s in err, f"{s!r} missing from:\n{err}"
    assert not out.exists(), "a refused run must write nothing"


def test_six_columns_of_three_values_refused_with_figure_and_fix(tmp_path, capsys):
    out = tmp_path / "r.json"
    rc, err = _audit(capsys, _wide(tmp_path / "w.csv"), "s0,s1,s2,s3,s4,s5", out, target="y", pred="p")
    # 4**6 - 1 combinations of values over the 63 groupings; the measured run made 4,038 of them
    _refused(
        rc,
        err,
        out,
        "up to 4,095 groups and intersections",
        "63 groupings of 6 sensitive columns",
        f"limit of {MAX_GROUPS:,}",
        "--max-order 2 (153 groups)",
        "fewer sensitive columns",
    )


def test_twenty_columns_refused_fast(tmp_path, capsys):
    out = tmp_path / "r.json"
    import time

    t0 = time.perf_counter()
    rc, err = _audit(
        capsys, _wide(tmp_path / "w.csv", columns=20), ",".join(f"s{i}" for i in range(20)), out, target="y", pred="p"
    )
    assert time.perf_counter() - t0 < 20
    _refused(rc, err, out, "1,048,575 groupings of 20 sensitive columns", "--max-order 2 (1,770 groups)")


def test_max_order_one_on_many_columns_runs(tmp_path, capsys):
    out = tmp_path / "r.json"
    rc, err = _audit(
        capsys,
        _wide(tmp_path / "w.csv", columns=20),
        ",".join(f"s{i}" for i in range(20)),
        out,
        "--max-order",
        "1",
        "--bootstrap",
        "50",
        target="y",
        pred="p",
    )
    assert rc in (0, 1), err
    groups = json.loads(out.read_text(encoding="utf-8"))["groups"]
    assert len(groups) == 60


def test_identifier_column_refused(tmp_path, capsys):
    df = good_frame(n=1000).assign(customer=np.arange(1000))
    data = tmp_path / "ids.csv"
    df.to_csv(data, index=False)
    out = tmp_path / "r.json"
    rc, err = _audit(capsys, data, "sex,customer", out)
    _refused(rc, err, out, "Sensitive column 'customer' has 1,000 distinct values in 1,000 rows", "looks like an identifier")


@pytest.mark.parametrize(
    "extra, expected",
    [
        (["--seed", "-1"], ["--seed -1 is out of range", "0 to 4,294,967,295"]),
        (["--seed", str(2**40)], ["is out of range"]),
        (["--bootstrap", "100000000"], ["--bootstrap 100,000,000 is above the limit of 100,000"]),
        (["--explain-budget", "-3"], ["--explain-budget -3 is not a time budget"]),
        (["--max-order", "0"], ["--max-order 0 would audit no groups"]),
    ],
)
def test_option_out_of_range(extra, expected, tmp_path, capsys):
    data = tmp_path / "good.csv"
    good_frame().to_csv(data, index=False)
    out = tmp_path / "r.json"
    rc, err = _audit(capsys, data, "sex,race", out, *extra)
    _refused(rc, err, out, *expected)


def test_bootstrap_budget_over_many_groups(tmp_path, capsys):
    out = tmp_path / "r.json"
    rc, err = _audit(capsys, _wide(tmp_path / "w.csv"), "s0,s1,s2,s3,s4", out, "--bootstrap", "100000", target="y", pred="p")
    # 4**5 - 1 = 1,023 groups + everyone = 1,024; 10,000,000 // 1,024 = 9,765
    _refused(rc, err, out, "for each of up to 1,024 groups", "102,400,000 simulated draws", "--bootstrap 9,765 or fewer")


def test_json_folder_refused(tmp_path, capsys):
    data = tmp_path / "good.csv"
    good_frame().to_csv(data, index=False)
    folder = tmp_path / "outdir"
    folder.mkdir()
    rc, err = _audit(capsys, data, "sex,race", folder)
    assert rc == 2 and "is a folder, not a file" in err and list(folder.iterdir()) == []


def _nested(tmp_path: Path) -> Path:
    df = good_frame()
    path = tmp_path / "nested.parquet"
    df.assign(tags=[[1, 2]] * len(df), info=[{"a": 1, "b": "x"}] * len(df)).to_parquet(path, index=False)
    return path


def test_unused_nested_parquet_columns_are_left_out(tmp_path, capsys):
    out = tmp_path / "r.json"
    rc, err = _audit(capsys, _nested(tmp_path), "sex,race", out, "--bootstrap", "50")
    assert rc in (0, 1), err
    result = json.loads(out.read_text(encoding="utf-8"))
    assert any("tags, info hold lists or records" in w for w in result["warnings"])
    assert {g["attributes"]["race"] for g in result["groups"] if list(g["attributes"]) == ["race"]} == {"Asian", "Black", "White"}


@pytest.mark.parametrize(
    "sensitive, target, expected",
    [
        ("sex,tags", "approved", "The sensitive column 'tags' holds lists or records"),
        ("sex,race", "info", "The target column 'info' holds lists or records"),
    ],
)
def test_used_nested_column_refused(sensitive, target, expected, tmp_path, capsys):
    out = tmp_path / "r.json"
    rc, err = _audit(capsys, _nested(tmp_path), sensitive, out, target=target)
    _refused(rc, err, out, expected)


def _brute(counts: dict[str, int], top: int, rows: int) -> int:
    cols = list(counts)
    return sum(min(prod(counts[c] for c in combo), rows) for k in range(1, top + 1) for combo in combinations(cols, k))


@pytest.mark.parametrize(
    "counts, top, rows",
    [
        ({"a": 3, "b": 3, "c": 3, "d": 3, "e": 3, "f": 3}, 6, 2000),
        ({"a": 2, "b": 7, "c": 40, "d": 5, "e": 11}, 5, 300),
        ({"a": 2, "b": 7, "c": 40, "d": 5, "e": 11}, 2, 10**6),
        ({f"x{i}": i % 4 + 2 for i in range(12)}, 12, 5000),
    ],
)
def test_estimate_matches_enumeration(counts, top, rows):
    assert estimate_groups(counts, list(counts), top, rows=rows) == _brute(counts, top, rows)
    assert estimate_groups(counts, list(counts), top) == _brute(counts, top, 10**30)


def test_estimate_bounds_the_groups_an_audit_makes(tmp_path, capsys):
    from audit.stats.cells import build_index

    df = pd.read_csv(_wide(tmp_path / "w.csv", n=400, columns=4))
    sens = ("s0", "s1", "s2", "s3")
    made = sum(len(lv.groups) for lv in build_index(df, sens).levels)
    est = estimate_groups(df, sens, None)
    assert made <= est == 4**4 - 1


def test_wide_cell_space_does_not_overflow():
    """10 columns of 100 values: 100**10 cells overflow int64; every row's groups must still be its own values."""
    from audit.stats.cells import build_index

    rng = np.random.default_rng(0)
    df = pd.DataFrame({f"c{i}": rng.integers(0, 100, 3000).astype(str) for i in range(10)})
    index = build_index(df, tuple(df.columns), max_order=1)
    for lv in index.levels:
        f = lv.features[0]
        labels = np.array([g[f] for g in lv.groups])[lv.group_of_cell[index.cell_of_row]]
        assert (labels == df[f].to_numpy()).all()
