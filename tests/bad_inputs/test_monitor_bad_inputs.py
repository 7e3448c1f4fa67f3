"""`attest monitor` refuses hostile input with exit 2, a message and a hint, and records nothing; logs that are
odd but valid (an empty window, no outcomes at all) are monitored and say what could not be decided."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from audit.trail import Workspace
from cli.main import main
from tests.lifecycle.monitor_helpers import simulate


@pytest.fixture(scope="module")
def d(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("monitor_bad")
    simulate(1000, 1, days=30).drop(columns="time").to_csv(d / "ref.csv", index=False)
    log = simulate(1200, 2, days=60)
    log.to_csv(d / "log.csv", index=False)
    log.drop(columns="time").to_csv(d / "no_time.csv", index=False)
    log.assign(time=[f"garbage-{i}" for i in range(len(log))]).to_csv(d / "garbage_time.csv", index=False)
    log.assign(time=log.time.where(log.index % 7 > 0)).to_csv(d / "blank_time.csv", index=False)
    log.assign(time=np.arange(len(log))).to_csv(d / "numeric_time.csv", index=False)
    log.assign(time=log.time.where(log.index % 2 == 0, log.time + "Z")).to_csv(d / "mixed_tz.csv", index=False)
    log.assign(pred=log.pred.where(log.index % 5 > 0)).to_csv(d / "blank_pred.csv", index=False)
    log.assign(score=log.score * 100).to_csv(d / "percent_scores.csv", index=False)
    log.assign(y=np.nan).to_csv(d / "no_outcomes.csv", index=False)
    log.assign(y=log.y + 1 + (log.index % 3)).to_csv(d / "three_outcomes.csv", index=False)
    # two busy months with an empty month between them
    gap = simulate(1200, 3, days=30)
    late = simulate(600, 4, start="2024-03-01", days=30)
    import pandas as pd

    pd.concat([gap, late]).to_csv(d / "gap.csv", index=False)
    log.head(0).to_csv(d / "header_only.csv", index=False)
    (d / "plan_typo.toml").write_text("[monitor]\nmin_windw = 50\n")
    (d / "plan_check.toml").write_text("[monitor]\nchecks = ['selection_rate', 'drift']\n")
    (d / "plan_drift.toml").write_text("[drift]\npsi = -1\n")
    return d


BASE = [
    "--time-column",
    "time",
    "--window",
    "1mo",
    "--predictions",
    "pred",
    "--scores",
    "score",
    "--target",
    "y",
    "--sensitive",
    "group",
    "--reference",
    "{d}/ref.csv",
]

BAD = [
    ("missing_time_column", ["--data", "{d}/no_time.csv"], ["time column(s) 'time' are not in no_time.csv"]),
    (
        "time_column_of_garbage",
        ["--data", "{d}/garbage_time.csv"],
        ["1,200 value(s) of the time column 'time'", "'garbage-0'", "ISO 8601"],
    ),
    ("blank_times", ["--data", "{d}/blank_time.csv"], ["time column 'time' is empty in 172 row(s)", "row 1"]),
    ("numeric_times", ["--data", "{d}/numeric_time.csv"], ["holds numbers", "ISO 8601"]),
    ("mixed_timezones", ["--data", "{d}/mixed_tz.csv"], ["mixes times with a UTC offset"]),
    ("blank_decisions", ["--data", "{d}/blank_pred.csv"], ["'pred' has 240 missing value(s)"]),
    ("scores_not_probabilities", ["--data", "{d}/percent_scores.csv"], ["percent_scores.csv", "outside [0, 1]"]),
    ("outcomes_not_binary", ["--data", "{d}/three_outcomes.csv"], ["outcome column 'y'", "not binary"]),
    ("header_only_log", ["--data", "{d}/header_only.csv"], ["header_only.csv", "no data rows"]),
    ("missing_log", ["--data", "{d}/nope.csv"], ["not found", "nope.csv"]),
    ("bad_window", ["--data", "{d}/log.csv", "--window", "weekly"], ["--window 'weekly' is not a window size", "7d"]),
    ("plan_typo", ["--data", "{d}/log.csv", "--plan", "{d}/plan_typo.toml"], ["[monitor] table", "min_windw", "Its keys are"]),
    (
        "plan_unknown_check",
        ["--data", "{d}/log.csv", "--plan", "{d}/plan_check.toml"],
        ["[monitor] table", "selection_rate_change"],
    ),
    ("plan_bad_drift", ["--data", "{d}/log.csv", "--plan", "{d}/plan_drift.toml"], ["[drift] table", "psi"]),
    (
        "reference_neither_run_nor_file",
        ["--data", "{d}/log.csv", "--reference", "{d}/gone.csv"],
        ["neither a recorded run nor a file"],
    ),
    ("unknown_run", ["--data", "{d}/log.csv", "--reference", "run-000000000000"], ["run-000000000000"]),
    ("json_over_the_log", ["--data", "{d}/log.csv", "--json", "{d}/log.csv"], ["the log (--data)"]),
]


def _argv(d: Path, extra: list[str]) -> list[str]:
    args = list(BASE)
    for flag in ("--reference", "--window"):
        if flag in extra:
            i = args.index(flag)
            del args[i : i + 2]
    return [a.replace("{d}", str(d)) for a in ["monitor", *args, *extra]]


@pytest.mark.parametrize("extra, expected", [pytest.param(a, e, id=i) for i, a, e in BAD])
def test_bad_monitor_input_gives_clear_error(extra, expected, d, tmp_path, capsys):
    ws = tmp_path / "w.attest"
    out = tmp_path / "m.json"
    argv = [*_argv(d, extra), "--workspace", str(ws)]
    if "--json" not in argv:
        argv += ["--json", str(out)]
    before = (d / "log.csv").read_bytes()
    rc = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err, err
    assert rc == 2, f"exit {rc}\n{err}"
    assert err.startswith("error: ") and "How to fix: " in err, err
    for s in expected:
        assert s in err, f"{s!r} missing from:\n{err}"
    assert not out.exists()
    assert (d / "log.csv").read_bytes() == before
    if ws.exists():
        with Workspace.open(ws, create=False) as w:
            assert w.events(kind="monitoring_run") == []


def test_an_empty_window_is_insufficient_evidence_not_a_crash(d, tmp_path):
    out = tmp_path / "m.json"
    rc = main(_argv(d, ["--data", str(d / "gap.csv"), "--json", str(out), "--workspace", str(tmp_path / "w.attest")]))
    assert rc in (0, 1)
    r = json.loads(out.read_text())
    assert [w["n"] for w in r["windows"]] == [1200, 0, 600]
    empty = r["windows"][1]
    assert empty["status"] == "insufficient_evidence"
    assert all(c["status"] == "insufficient_evidence" and "no rows" in c["message"] for c in empty["checks"])


def test_all_outcomes_missing_gives_estimates_only(d, tmp_path, capsys):
    out = tmp_path / "m.json"
    rc = main(_argv(d, ["--data", str(d / "no_outcomes.csv"), "--json", str(out), "--workspace", str(tmp_path / "w.attest")]))
    assert rc in (0, 1)
    printed = capsys.readouterr().out
    assert "ESTIMATED" in printed and "No outcome in 'y' has arrived yet" in printed
    r = json.loads(out.read_text())
    for w in r["windows"]:
        assert w["n_with_outcome"] == 0 and w["performance"] is None
        acc = next(c for c in w["checks"] if c["check"] == "accuracy_drop")
        assert acc["estimated"] is True and acc["status"] != "alert"


def test_all_outcomes_missing_and_no_scores_is_insufficient_evidence(d, tmp_path):
    out = tmp_path / "m.json"
    argv = [
        a for a in _argv(d, ["--data", str(d / "no_outcomes.csv"), "--json", str(out), "--workspace", str(tmp_path / "w.attest")])
    ]
    i = argv.index("--scores")
    del argv[i : i + 2]
    main(argv)
    r = json.loads(out.read_text())
    for w in r["windows"]:
        acc = next(c for c in w["checks"] if c["check"] == "accuracy_drop")
        assert acc["status"] == "insufficient_evidence" and "no outcomes" in acc["message"]
        assert w["estimated"] is None
