"""Validate the columns an audit uses and turn target, decisions and scores into clean arrays."""

from __future__ import annotations

import difflib
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from audit.errors import InputError
from audit.models.binding import same_label
from audit.policy import OutcomeWording
from audit.result import FavourableOutcome


def require_column(df: pd.DataFrame, name: str, role: str) -> None:
    if name in df.columns:
        return
    cols = [str(c) for c in df.columns]
    key = name.strip().lower()
    close = [c for c in cols if len(c) >= 3 and len(key) >= 3 and (c.lower() in key or key in c.lower())]
    close += [c for c in difflib.get_close_matches(name, cols, n=3) if c not in close]
    close = close[:3]
    hint = f"Did you mean {', '.join(repr(c) for c in close)}? " if close else ""
    shown = ", ".join(cols[:30]) + (" ..." if len(cols) > 30 else "")
    raise InputError(f"The {role} column '{name}' is not in the dataset.", f"{hint}The dataset's columns are: {shown}.")


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v  # np.int64(0) -> 0, so messages show values as the user wrote them


def _shown(values: list[Any], limit: int = 8) -> str:
    return ", ".join(repr(_plain(v)) for v in values[:limit]) + (f" ... ({len(values)} in all)" if len(values) > limit else "")


def resolve_positive(target: pd.Series, name: str, positive_label: str | None) -> Any:
    """The target value that is the favourable outcome. It must be declared: whether 1 is a loan approved or a
    defendant flagged as high risk cannot be read from the data, and a silent default inverts every finding."""
    values = list(pd.unique(target.dropna()))
    if len(values) < 2:
        raise InputError(
            f"The target column '{name}' has a single class ({_shown(values) or 'no values'}): no errors can be measured.",
            "Use an evaluation set that contains both outcomes.",
        )
    if len(values) > 2:
        raise InputError(
            f"The target column '{name}' has {len(values)} classes ({_shown(values)}); "
            "Attest audits binary outcomes only (for now).",
            "Give a binary target (e.g. approved / not approved), "
            "or derive one column that says whether the outcome was favourable.",
        )
    if positive_label is None:
        shown = _shown(sorted(values, key=str))
        raise InputError(
            f"Which value of '{name}' is the favourable outcome? Its values are {shown}, and the data cannot say "
            "which one is good for the person (a loan approved, or a defendant flagged as high risk?).",
            f'Declare it with --positive-label VALUE, one of {shown} (or positive_label = "VALUE" in the policy file).',
        )
    for v in values:
        if same_label(v, positive_label):
            return v
    raise InputError(
        f"The positive label {positive_label!r} does not occur in '{name}', whose values are {_shown(values)}.",
        "Pass --positive-label with one of those values.",
    )


def declared_label(spec_label: str | None, policy_label: str | None, policy_source: str) -> tuple[str | None, str]:
    """The favourable label and who declared it: the audit's own set-up, else the policy file; both must agree."""
    if spec_label is not None and policy_label is not None and not same_label(spec_label, policy_label):
        raise InputError(
            f"--positive-label {spec_label!r} contradicts the policy's positive_label {policy_label!r}.",
            "Declare the favourable outcome once, or make the two agree.",
        )
    if spec_label is not None:
        return spec_label, "the audit set-up (--positive-label)"
    if policy_label is not None:
        return policy_label, f"policy file {policy_source}"
    return None, ""


def outcome_statement(target: str, label: Any, declared_by: str, *wordings: OutcomeWording) -> FavourableOutcome:
    """The favourable outcome in words, each field from the first wording that gives it, else a default."""

    def first(field: str) -> str:
        return next((getattr(w, field) for w in wordings if getattr(w, field)), "")

    fav = first("favourable") or f"the favourable outcome ({target} = {_plain(label)!r})"
    return FavourableOutcome(
        label=str(_plain(label)),
        declared_by=declared_by,
        favourable=fav,
        false_negative=first("false_negative") or f"not given {fav} although they qualified for it",
        false_positive=first("false_positive") or f"given {fav} although they did not qualify for it",
    )


def label_mask(col: pd.Series, label: Any) -> npt.NDArray[np.int8]:
    """1 where the value is `label` (1, 1.0, '1' and True all match 1); one comparison per distinct value, not per row."""
    hits = [v for v in pd.unique(col.dropna()) if same_label(v, label)]
    return np.asarray(col.isin(hits), dtype=np.int8)


def binary_target(target: pd.Series, positive: Any) -> np.ndarray:
    return label_mask(target, positive)


def decisions_from_column(col: pd.Series, name: str, positive: Any, target_values: list[Any]) -> tuple[np.ndarray, str | None]:
    """Binary decisions from a predictions column, and a warning when its labels had to be interpreted."""
    nulls = int(col.isna().sum())
    if nulls:
        raise InputError(
            f"The predictions column '{name}' has {nulls} missing value(s).",
            "Every evaluated row needs the model's decision; remove those rows or fill in the decisions.",
        )
    values = list(pd.unique(col))
    if len(values) > 2:
        raise InputError(
            f"The predictions column '{name}' is not binary: it has {len(values)} distinct values ({_shown(values)}).",
            "Give the model's decisions (two values); pass continuous scores with --scores instead.",
        )
    if any(same_label(v, positive) for v in values) and all(any(same_label(v, t) for t in target_values) for v in values):
        return label_mask(col, positive), None
    if all(any(same_label(v, b) for b in (0, 1)) for v in values):
        return label_mask(col, 1), (
            f"Predictions in '{name}' are 0/1 while the target uses {_shown(target_values)}: "
            f"1 was read as the positive label {positive!r}."
        )
    raise InputError(
        f"The predictions column '{name}' uses values {_shown(values)}, "
        f"which do not match the target's values {_shown(target_values)}.",
        "Code the decisions with the target's labels, or as 0/1 with 1 meaning the favourable outcome.",
    )


def scores_from(values: np.ndarray, source: str) -> np.ndarray:
    try:
        s = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raw = pd.Series(np.asarray(values, dtype=object).reshape(-1))
        bad = raw[pd.to_numeric(raw, errors="coerce").isna() & raw.notna()]
        examples = list(pd.unique(bad))
        comma = any(isinstance(v, str) and v.replace(",", "", 1).strip().isdigit() and "," in v for v in examples)
        raise InputError(
            f"The scores in {source} are not all numbers: {len(bad)} value(s) such as {_shown(examples[:3])}.",
            "Scores must be probabilities between 0 and 1"
            + ("; the file uses decimal commas: export it with decimal points." if comma else "; fix or remove those rows."),
        ) from exc
    bad = int(np.isnan(s).sum())
    if bad:
        raise InputError(
            f"The scores in {source} contain {bad} missing or NaN value(s).",
            "Every row needs a score between 0 and 1; fix or remove those rows.",
        )
    lo, hi = float(s.min()), float(s.max())
    if lo < 0 or hi > 1:
        raise InputError(
            f"The scores in {source} run from {lo:g} to {hi:g}, outside [0, 1].",
            "Give probabilities of the positive outcome (apply a sigmoid to raw margins first).",
        )
    return s
