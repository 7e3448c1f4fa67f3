"""Fuzzing the loaders (issue 11): random bytes and mutated valid files of every input format must load, or fail with an
`audit.errors.AttestError` carrying a clean message, within 10 s per case; never a traceback, an abort or a hang.

Hypothesis runs in child processes (tests/bad_inputs/fuzz_cases.py), derandomized, so CI is reproducible and a native
abort fails this test instead of killing pytest. The native model cases go through the real `load_model`, whose probe
child opens the file first. Found cases are kept below as fixed regressions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cli.main import main
from tests.bad_inputs.fuzz_cases import Edit, apply_edits, build_seeds, load_case, mutate_member

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {"tables": 250, "skops": 80, "native": 25}  # about 45 s wall on 2 cores, most of it the native probe children


def test_fuzzed_files_load_or_fail_cleanly(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    env.pop("ATTEST_FUZZ_RANDOM", None)

    def one(group: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "tests.bad_inputs.fuzz_cases", group, str(EXAMPLES[group]), str(tmp_path / group)],
            capture_output=True,
            text=True,
            env=env,
            timeout=240,
            cwd=ROOT,
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = dict(zip(EXAMPLES, pool.map(one, EXAMPLES), strict=True))
    for group, proc in runs.items():
        assert proc.returncode == 0, f"{group}: exit {proc.returncode}\n{proc.stderr[-4000:]}"
        figures = json.loads(proc.stdout.strip().splitlines()[-1])
        assert figures["examples"] == EXAMPLES[group], figures
        assert figures["slowest_s"] < 10, figures
        # The fuzz must reach both sides: files that still load and files refused.
        outcomes = " ".join(figures["outcomes"])
        assert "error:" in outcomes, figures


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    return build_seeds(tmp_path_factory.mktemp("seeds"))


# Cases the fuzz found, fixed in the loaders.
FOUND = [
    # A bare carriage return inserted in the header row: csv.Error escaped _check_raw_header.
    ("csv", lambda s: apply_edits(s, [Edit("insert", 2, b"\xce^\xafN\rV\xb3")]), "has a header row that cannot be read as CSV"),
    # Damaged sheet XML inside a valid zip: openpyxl's ParseError escaped read_excel.
    (
        "xlsx",
        lambda s: mutate_member(
            s,
            3,
            [
                Edit("insert", 14308, b'\xdc\xec\n"\xd3'),
                Edit("overwrite", 3934, b"\xda\x85\xdc~\x02\x93U/"),
                Edit("overwrite", 8167, b"i"),
            ],
        ),
        "the workbook is damaged",
    ),
    # Non-UTF-8 bytes in a LightGBM model, echoed by the library: the probe's reading of the child's output failed.
    ("lightgbm", lambda s: apply_edits(s, [Edit("overwrite", 392, b"\x94\xd9\xfd")]), "is not a readable LightGBM model"),
]


@pytest.mark.parametrize("fmt, make, message", FOUND, ids=[f[0] for f in FOUND])
def test_cases_the_fuzz_found(fmt, make, message, seeds, tmp_path):
    from tests.bad_inputs.fuzz_cases import EXTENSION

    path = tmp_path / f"found{EXTENSION[fmt]}"
    path.write_bytes(make(seeds[fmt]))
    from audit.errors import AttestError

    with pytest.raises(AttestError) as err:
        if fmt in ("csv", "xlsx"):
            from audit.datasets import load_dataset

            load_dataset(path)
        else:
            from audit.models import load_model

            load_model(path, positive_label=1)
    assert message in err.value.message, err.value.message
    assert load_case(fmt, path).startswith("error:")


def test_cli_audit_on_fuzzed_files_exits_2_without_traceback(seeds, tmp_path, capsys):
    data = tmp_path / "good.csv"
    data.write_bytes(seeds["csv"])
    bad = {
        "cut.parquet": seeds["parquet"][: len(seeds["parquet"]) // 2],
        "flipped.xlsx": apply_edits(seeds["xlsx"], [Edit("truncate", 40000)]),
        "cut.txt": seeds["lightgbm"][: len(seeds["lightgbm"]) // 3],
        "noise.json": apply_edits(seeds["xgboost_json"], [Edit("truncate", 30000)]),
    }
    for name, raw in bad.items():
        (tmp_path / name).write_bytes(raw)
        out = tmp_path / f"{name}.result.json"
        is_data = name.endswith((".parquet", ".xlsx"))
        argv = [
            "audit",
            "--data",
            str(tmp_path / name) if is_data else str(data),
            "--target",
            "approved",
            "--sensitive",
            "race",
            "--positive-label",
            "1",
            "--json",
            str(out),
            "--quiet",
            "--no-explain",
        ]
        argv += ["--predictions", "approved"] if is_data else ["--model", str(tmp_path / name)]
        rc = main(argv)
        err = capsys.readouterr().err
        assert rc == 2, f"{name}: exit {rc}\n{err}"
        assert err.startswith("error: ") and name in err and "Traceback" not in err and "[bt]" not in err, err
        assert not out.exists()
