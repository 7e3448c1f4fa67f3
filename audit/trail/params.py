"""Training parameters as people type them: KEY=VALUE pairs, a JSON object, or a JSON file.

One set of rules for `attest register training --param KEY=VALUE --params FILE.json` and the app's "Record a
training run" dialog, so both record the same `params` for the same input. A VALUE is read as JSON when it can be
(6 -> 6, 0.1 -> 0.1, true -> true, "a" -> "a", [1, 2] -> [1, 2]), else kept as the text typed (lbfgs -> "lbfgs").
A later KEY replaces an earlier one (`--params base.json --param max_depth=8` overrides the file).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from audit.trail.errors import WorkspaceError

PAIR_HINT = "Write each parameter as KEY=VALUE, e.g. max_depth=6."
OBJECT_HINT = 'Write the parameters as one JSON object, e.g. {"max_depth": 6}.'


class ParameterError(WorkspaceError):
    """A training parameter cannot be read: not KEY=VALUE, an empty key, or JSON that is not an object."""


def param_value(raw: str) -> Any:
    """The VALUE of KEY=VALUE: JSON when it parses, else the text itself (so `solver=lbfgs` needs no quotes)."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def split_pair(item: str, hint: str = PAIR_HINT) -> tuple[str, str]:
    """'max_depth=6' -> ('max_depth', '6'). Only the first '=' splits, so a value may hold '='."""
    key, sep, raw = item.partition("=")
    if not sep:
        raise ParameterError(f"'{item}' is not KEY=VALUE: it has no '='.", hint)
    if not key.strip():
        raise ParameterError(f"'{item}' has no KEY before the '='.", hint)
    return key.strip(), raw


def params_from_pairs(pairs: Iterable[tuple[str, str]], hint: str = PAIR_HINT) -> dict[str, Any]:
    """(KEY, VALUE text) pairs, e.g. the rows of a table, to the recorded parameters."""
    params: dict[str, Any] = {}
    for key, raw in pairs:
        if not key.strip():
            raise ParameterError(f"The value '{raw}' has no KEY.", hint)
        params[key.strip()] = param_value(raw)
    return params


def params_from_items(items: Iterable[str], hint: str = PAIR_HINT) -> dict[str, Any]:
    """KEY=VALUE strings (the CLI's repeated --param) to the recorded parameters."""
    return params_from_pairs((split_pair(item, hint) for item in items), hint)


def params_from_object_text(text: str, source: str = "The parameters") -> dict[str, Any]:
    """A JSON object given as text."""
    try:
        loaded = json.loads(text)
    except ValueError as exc:
        raise ParameterError(f"{source} are not valid JSON: {exc}.", OBJECT_HINT) from exc
    if not isinstance(loaded, dict):
        raise ParameterError(f"{source} are not a JSON object (found {type(loaded).__name__}).", OBJECT_HINT)
    return loaded


def params_from_text(text: str) -> dict[str, Any]:
    """Typed text: a JSON object, or KEY=VALUE one per line (or separated by ';'); blank text is no parameters."""
    stripped = text.strip()
    if not stripped:
        return {}
    if stripped.startswith("{"):
        return params_from_object_text(stripped)
    items = [p.strip() for line in stripped.splitlines() for p in line.split(";")]
    return params_from_items((i for i in items if i), "Write one parameter per line, like max_depth=6.")


def params_from_file(path: str | Path) -> dict[str, Any]:
    """A JSON file holding one object (the CLI's --params FILE.json)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(
            f"Cannot read parameters from {path}: {exc}.", 'Give a UTF-8 JSON file holding one object, e.g. {"max_depth": 6}.'
        ) from exc
    return params_from_object_text(text, f"The parameters in {path}")
