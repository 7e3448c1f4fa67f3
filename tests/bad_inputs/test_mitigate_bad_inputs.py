"""`attest mitigate` / `attest adopt` on bad input: exit 2, a message naming what was wrong, a "How to fix", no traceback."""

from __future__ import annotations

import shutil

import pytest

from cli.main import main
from tests.mitigation.helpers import frame, record_run


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mit_bad")
    df = frame(400, seed=3)
    ws, with_scores, _ = record_run(tmp, df, name="scored")
    _, no_scores, _ = record_run(tmp, df, name="unscored", scores=False)
    # Their own content: a file with the same bytes elsewhere in the trail would be found and used instead.
    _, changed, changed_file = record_run(tmp, frame(400, seed=31), name="changed")
    changed_file.write_text(changed_file.read_text(encoding="utf-8").replace("Female", "Woman", 1), encoding="utf-8")
    _, moved, moved_file = record_run(tmp, frame(400, seed=32), name="moved")
    shutil.move(moved_file, tmp / "elsewhere.csv")
    tiny = df.assign(race=["Z" if i == 0 else ("A" if i % 2 else "B") for i in range(len(df))])
    tiny.to_csv(tmp / "tiny.csv", index=False)
    rc = main(
        [
            "audit",
            "--data",
            str(tmp / "tiny.csv"),
            "--target",
            "approved",
            "--sensitive",
            "sex,race",
            "--predictions",
            "pred",
            "--scores",
            "score",
            "--positive-label",
            "1",
            "--bootstrap",
            "0",
            "--workspace",
            str(ws),
            "--json",
            str(tmp / "tiny.audit.json"),
            "--quiet",
        ]
    )
    assert rc in (0, 1)
    from audit.trail import Workspace

    with Workspace.open(ws, readonly=True) as w:
        tiny_run = w.audit_runs()[-1].run_id
    (tmp / "train_no_target.csv").write_text("x,sex\n1,Male\n2,Female\n", encoding="utf-8")
    return {
        "tmp": tmp,
        "ws": ws,
        "scored": with_scores,
        "unscored": no_scores,
        "changed": changed,
        "moved": moved,
        "tiny": tiny_run,
    }


def _mit(r, run: str, *extra: str, constraint: str = "demographic_parity") -> list[str]:
    return [
        "mitigate",
        r.get(run, run),
        "--workspace",
        str(r["ws"]),
        "--constraint",
        constraint,
        "--json",
        str(r["tmp"] / "out.json"),
        "--force",
        *extra,
    ]


CASES = [
    ("unknown_run", lambda r: _mit(r, "run-000000000000"), ["no audit run 'run-000000000000'", "attest trail log"]),
    ("run_without_scores", lambda r: _mit(r, "unscored"), ["without scores", "--scores"]),
    ("data_file_changed", lambda r: _mit(r, "changed"), ["has changed since", "Restore the audited file"]),
    ("data_file_moved", lambda r: _mit(r, "moved"), ["no longer at", "moved.csv"]),
    (
        "constraint_unknown",
        lambda r: _mit(r, "scored", constraint="fairness"),
        ["'fairness' is not a constraint", "demographic_parity, equal_opportunity, equalized_odds"],
    ),
    ("objective_unknown", lambda r: _mit(r, "scored", "--objective", "f1"), ["'f1' is not an objective", "balanced_accuracy"]),
    ("test_size_out_of_range", lambda r: _mit(r, "scored", "--test-size", "1.5"), ["--test-size 1.5", "between 0 and 1"]),
    ("accuracy_floor_out_of_range", lambda r: _mit(r, "scored", "--accuracy-floor", "70"), ["--accuracy-floor 70"]),
    (
        "workspace_missing",
        lambda r: [
            "mitigate",
            "run-000000000000",
            "--workspace",
            str(r["tmp"] / "none.attest"),
            "--constraint",
            "demographic_parity",
            "--json",
            str(r["tmp"] / "o.json"),
        ],
        ["none.attest"],
    ),
    (
        "json_is_the_workspace",
        lambda r: [
            "mitigate",
            r["scored"],
            "--workspace",
            str(r["ws"]),
            "--constraint",
            "demographic_parity",
            "--json",
            str(r["ws"]),
            "--force",
        ],
        ["ws.attest"],
    ),
    (
        "reweigh_data_lacks_target",
        lambda r: _mit(
            r, "scored", "--reweigh-csv", str(r["tmp"] / "w.csv"), "--reweigh-data", str(r["tmp"] / "train_no_target.csv")
        ),
        ["approved"],
    ),
    ("reweigh_data_without_csv", lambda r: _mit(r, "scored", "--reweigh-data", str(r["tmp"] / "scored.csv")), ["--reweigh-csv"]),
    ("chart_not_png_or_svg", lambda r: _mit(r, "scored", "--chart", str(r["tmp"] / "t.pdf")), [".png nor .svg"]),
    (
        "group_too_small_for_thresholds",
        lambda r: _mit(r, "tiny"),
        ["too small to get their own thresholds", "race=Z", "--by COL"],
    ),
    ("by_not_a_sensitive_feature", lambda r: _mit(r, "tiny", "--by", "region"), ["--by region", "sex, race"]),
    ("comment_without_adopt", lambda r: _mit(r, "scored", "--comment", "ok"), ["--comment goes with --adopt"]),
    ("adopt_without_identity", lambda r: _mit(r, "scored", "--adopt"), ["no display name and role"]),
    (
        "adopt_unknown_proposal",
        lambda r: ["adopt", "mit-000000000000", "--workspace", str(r["ws"])],
        ["no mitigation proposal 'mit-000000000000'"],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_mitigation_input(runs, case, capsys):
    _, argv, needles = case
    before = set(runs["tmp"].iterdir())
    rc = main(argv(runs))
    err = capsys.readouterr().err
    assert rc == 2, err
    assert "Traceback" not in err and "How to fix" in err
    for needle in needles:
        assert needle in err, (needle, err)
    assert not {p for p in set(runs["tmp"].iterdir()) - before if p.suffix in (".json", ".csv")}  # nothing written
