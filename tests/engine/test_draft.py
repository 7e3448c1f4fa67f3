"""The audit draft: one typed set-up, the same spec from the CLI and the app, restored exactly from disk and from a
recorded run, and a damaged draft never keeps a workspace from opening."""

from __future__ import annotations

import json

import pytest

from audit.draft import AuditDraft, draft_path, load_draft, save_draft
from audit.errors import InputError
from audit.policy import PRESETS, Check, Policy


def _draft(**kw) -> AuditDraft:
    base = dict(
        data_path="/d/eval.csv",
        model_path="/d/m.skops",
        target="approved",
        positive_label="1",
        sensitive=("race", "sex"),
        references={"race": "White"},
        policy="standard",
        bootstrap=500,
        seed=7,
    )
    return AuditDraft(**{**base, **kw})


def test_cli_and_draft_build_the_same_spec():
    import argparse

    from cli.audit_cmd import add_parser, build_spec

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    args = parser.parse_args(
        [
            "audit",
            "--data",
            "/d/eval.csv",
            "--model",
            "/d/m.skops",
            "--target",
            "approved",
            "--positive-label",
            "1",
            "--sensitive",
            "race,sex",
            "--reference",
            "race=White",
            "--policy",
            "standard",
            "--bootstrap",
            "500",
            "--seed",
            "7",
            "--json",
            "x.json",
        ]
    )
    assert build_spec(args) == _draft().to_spec()


def test_missing_choices_are_named_in_page_order():
    d = AuditDraft()
    assert d.missing() == [
        "an evaluation dataset",
        "a model file (or choose a predictions column)",
        "the target column",
        "at least one sensitive feature",
    ]
    with pytest.raises(InputError, match="choose an evaluation dataset"):
        d.to_spec()


def test_spec_round_trip_keeps_every_choice_and_the_exact_policy():
    custom = Policy(
        name="custom", checks=(Check(id="dp", metric="selection_rate", compare="difference", min=-0.07, max=0.07),), source="gui"
    )
    for d in (
        _draft(),
        _draft(policy_value=custom, intersection_reference="largest", na_values=("NA",)),
        _draft(source="predictions", model_path="", predictions_column="pred", scores_column="score"),
    ):
        spec = d.to_spec()
        again = AuditDraft.from_spec(spec)
        assert again.to_spec() == spec
    assert AuditDraft.from_spec(_draft().to_spec()).policy == "standard"
    assert AuditDraft.from_spec(_draft(policy_value=custom).to_spec()).policy_value == custom


def test_unused_references_are_kept_in_the_draft_but_not_run():
    d = _draft(sensitive=("sex",), references={"race": "White"})
    # the CLI passes it on, and the run refuses it (tests/engine/test_references.py)
    assert d.to_spec().references == {"race": "White"}
    assert d.without_unused_references().to_spec().references == {}
    assert d.references == {"race": "White"}


def test_changes_since_names_each_change():
    before = _draft()
    after = before.with_(bootstrap=800, references={}, context=before.context.model_copy(update={"provider": "Acme"}))
    lines = after.changes_since(before)
    assert "bootstrap: 500 → 800" in lines
    assert "reference for race: White → (automatic: largest group)" in lines
    assert "context.provider: (none) → Acme" in lines
    assert len(lines) == 3
    assert before.changes_since(before) == []


def test_save_and_load_exactly(tmp_path):
    ws = tmp_path / "p.attest"
    d = _draft(context=_draft().context.model_copy(update={"intended_purpose": "Pre-approve — «loans»"}))
    save_draft(draft_path(ws), d)
    assert draft_path(ws).name == "p.attest.draft.json"
    loaded, why = load_draft(draft_path(ws))
    assert loaded == d and why == ""
    assert [p.name for p in tmp_path.iterdir()] == ["p.attest.draft.json"]  # no temporary file left


@pytest.mark.parametrize(
    "text, expected",
    [
        ("{not json", "cannot be read"),
        (json.dumps({"format": "other"}), "not an Attest draft"),
        (json.dumps({"format": "attest-audit-draft/1", "draft": {"bootstrap": "many"}}), "not valid"),
        (json.dumps({"format": "attest-audit-draft/1", "draft": {"evil": 1}}), "not valid"),
    ],
)
def test_damaged_draft_is_reported_not_raised(tmp_path, text, expected):
    p = tmp_path / "x.attest.draft.json"
    p.write_text(text)
    d, why = load_draft(p)
    assert d is None and expected in why
    assert load_draft(tmp_path / "none.json") == (None, "")


def test_presets_are_recognised_from_a_recorded_spec():
    for name, _policy in PRESETS.items():
        assert AuditDraft.from_spec(_draft(policy=name).to_spec()).policy == name
