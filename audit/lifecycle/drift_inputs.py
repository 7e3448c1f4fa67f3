"""Read and check the two files `attest drift` compares, and the scores and decisions of each.

Every refusal is an `InputError` naming the file and the column, with how to fix it. A column the reference has no
value in cannot be compared (refused); one the current file has no value in is a finding (its missing rate jumped),
not an input error."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from audit.datasets import load_dataset
from audit.errors import InputError
from audit.inputs import label_mask, scores_from
from audit.lifecycle.drift_types import FileInfo
from audit.models.binding import same_label

Kind = Literal["numeric", "categorical"]


@dataclass
class Side:
    """Scores and decisions of one file (either may be absent)."""

    scores: np.ndarray | None = None
    decisions: np.ndarray | None = None  # 0/1, 1 = the positive decision


@dataclass
class DriftInputs:
    reference: pd.DataFrame
    current: pd.DataFrame
    reference_info: FileInfo
    current_info: FileInfo
    features: list[str]
    kinds: dict[str, Kind]
    sensitive: list[str]
    ref_side: Side = field(default_factory=Side)
    cur_side: Side = field(default_factory=Side)
    source: str = ""
    positive: str = ""
    notes: list[str] = field(default_factory=list)


def _shown(values: list[Any], limit: int = 5) -> str:
    return ", ".join(repr(v) for v in values[:limit]) + (" ..." if len(values) > limit else "")


def _numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def column_kind(name: str, ref: pd.Series, cur: pd.Series, ref_file: str, cur_file: str) -> Kind:
    """numeric when both hold numbers, categorical when both hold text (or true/false); refused when they disagree.
    A side with no values at all takes the other side's kind (pandas reads an empty column as numbers)."""
    if ref.notna().sum() == 0:
        raise InputError(
            f"The column '{name}' has no values in the reference file {ref_file}: there is nothing to "
            "compare the current data with.",
            f"Leave it out with --features (naming the other columns), or use a reference file where '{name}' is filled in.",
        )
    if cur.notna().sum() == 0:
        return "numeric" if _numeric(ref) else "categorical"
    a, b = _numeric(ref), _numeric(cur)
    if a == b:
        return "numeric" if a else "categorical"
    text_side, text, file_ = (cur, "current", cur_file) if a else (ref, "reference", ref_file)
    bad = [v for v in pd.unique(text_side.dropna()) if pd.isna(pd.to_numeric(pd.Series([v]), errors="coerce")[0])]
    examples = f" (e.g. {_shown(bad)})" if bad else ""
    raise InputError(
        f"The column '{name}' holds numbers in the {'reference' if a else 'current'} file but text in "
        f"the {text} file {file_}{examples}.",
        "Export both files with the same column types (numbers with decimal points, no units or "
        f"thousands separators), or leave '{name}' out with --features.",
    )


def _require(df: pd.DataFrame, cols: list[str], role: str, file_: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        have = ", ".join(map(str, list(df.columns)[:30]))
        raise InputError(
            f"The {role} column(s) {', '.join(map(repr, missing))} are not in {file_}.",
            f"Name columns both files have; {file_} has: {have}.",
        )


def _decisions(ref: pd.Series, cur: pd.Series, name: str, positive_label: str | None) -> tuple[np.ndarray, np.ndarray, str]:
    for s, which in ((ref, "reference"), (cur, "current")):
        if s.isna().any():
            raise InputError(
                f"The decisions column '{name}' has {int(s.isna().sum())} missing value(s) in the {which} file.",
                "Every row needs the model's decision; remove those rows or fill them in.",
            )
    values = list(pd.unique(pd.concat([ref, cur], ignore_index=True)))
    if len(values) > 2:
        raise InputError(
            f"The decisions column '{name}' is not binary: the two files hold {len(values)} distinct values ({_shown(values)}).",
            "Give the model's decisions (two values); pass continuous scores with --scores instead.",
        )
    if positive_label is None:
        if not all(any(same_label(v, b) for b in (0, 1)) for v in values):
            raise InputError(
                f"Which value of '{name}' is the positive decision? Its values are {_shown(values)}.",
                "Declare it with --positive-label VALUE.",
            )
        positive_label = "1"
    elif not any(same_label(v, positive_label) for v in values):
        raise InputError(
            f"The positive label {positive_label!r} does not occur in '{name}' (values {_shown(values)}).",
            "Pass --positive-label with one of those values.",
        )
    return label_mask(ref, positive_label), label_mask(cur, positive_label), str(positive_label)


def _from_model(
    inputs: DriftInputs, model_path: str, positive_label: str | None, trust_pickle: bool, trusted_types: tuple[str, ...]
) -> None:
    from audit.models import load_model

    model = load_model(
        model_path,
        positive_label=positive_label if positive_label is not None else 1,
        trust_pickle=trust_pickle,
        trusted_types=trusted_types,
    )
    for df, info in ((inputs.reference, inputs.reference_info), (inputs.current, inputs.current_info)):
        _require(df, list(model.features), "model feature", info.name)
    for df, side, info in (
        (inputs.reference, inputs.ref_side, inputs.reference_info),
        (inputs.current, inputs.cur_side, inputs.current_info),
    ):
        X = df[list(model.features)]
        side.decisions = np.asarray(model.decide(X), dtype=np.int8)
        if model.score is not None:
            side.scores = scores_from(model.score(X), f"the model's output on {info.name}")
    inputs.source = f"model {Path(model_path).name}"
    inputs.positive = model.ref.positive_class


def model_or_columns(model: str | None, scores: str | None, predictions: str | None) -> None:
    """Scores and decisions from a model or from columns, never both (both engines)."""
    if model and (scores or predictions):
        raise InputError(
            "--model gives the scores and decisions itself; --scores and --predictions name columns instead.",
            "Give either --model, or --scores and/or --predictions.",
        )


def load_inputs(
    reference: str | Path,
    current: str | Path,
    *,
    features: list[str] | None = None,
    sensitive: list[str] | None = None,
    model: str | None = None,
    scores: str | None = None,
    predictions: str | None = None,
    positive_label: str | None = None,
    trust_pickle: bool = False,
    trusted_types: tuple[str, ...] = (),
) -> DriftInputs:
    sensitive = list(sensitive or [])
    model_or_columns(model, scores, predictions)
    ref_df, ref = load_dataset(reference, sensitive=sensitive)
    cur_df, cur = load_dataset(current, sensitive=sensitive)
    infos = [FileInfo(name=Path(r.path).name, sha256=r.sha256, rows=r.rows, format=r.format) for r in (ref, cur)]
    roles = [
        (sensitive, "sensitive"),
        ([scores] if scores else [], "scores"),
        ([predictions] if predictions else [], "decisions"),
    ]
    for cols, role in roles:
        for df, info in ((ref_df, infos[0]), (cur_df, infos[1])):
            _require(df, cols, role, info.name)
    notes = []
    if ref.sha256 == cur.sha256:
        notes.append("The reference and current files are the same file: no drift can show.")
    reserved = {*sensitive, *(c for c in (scores, predictions) if c)}
    if features:
        for df, info in ((ref_df, infos[0]), (cur_df, infos[1])):
            _require(df, features, "feature", info.name)
    else:
        features = [str(c) for c in ref_df.columns if c not in reserved]
        gone = [c for c in features if c not in cur_df.columns]
        if gone:
            shared = [c for c in features if c in cur_df.columns]
            raise InputError(
                f"The current file {infos[1].name} lacks column(s) the reference has: {', '.join(map(repr, gone))}.",
                "Compare the columns both files share with --features "
                f"{','.join(shared[:20]) or 'COL,...'}, or fix the export of the current data.",
            )
        extra = [str(c) for c in cur_df.columns if c not in ref_df.columns and c not in reserved]
        if extra:
            notes.append(f"Column(s) only in the current file, not compared: {', '.join(extra[:20])}.")
    if not features and not (model or scores or predictions):
        raise InputError(
            "There is nothing to compare: no feature columns, and no scores or decisions.",
            "Name the columns with --features, or give --model / --scores / --predictions.",
        )
    kinds = {f: column_kind(f, ref_df[f], cur_df[f], infos[0].name, infos[1].name) for f in features}
    out = DriftInputs(ref_df, cur_df, infos[0], infos[1], list(features), kinds, sensitive, notes=notes)
    if model:
        _from_model(out, model, positive_label, trust_pickle, trusted_types)
    if scores:
        out.ref_side.scores = scores_from(ref_df[scores].to_numpy(), f"column '{scores}' of {infos[0].name}")
        out.cur_side.scores = scores_from(cur_df[scores].to_numpy(), f"column '{scores}' of {infos[1].name}")
        out.source = f"column '{scores}'"
    if predictions:
        out.ref_side.decisions, out.cur_side.decisions, out.positive = _decisions(
            ref_df[predictions], cur_df[predictions], predictions, positive_label
        )
        out.source = (out.source + " and " if out.source else "") + f"column '{predictions}'"
    return out
