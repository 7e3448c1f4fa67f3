"""Shared copies of a result (`--share`): what may leave the organisation, without what identifies people or places.

A shared copy leaves out absolute paths (file names stay), the operating-system account and host names, and the rows
of individual people (local explanations, and any other per-row explanation field listed in `PER_ROW_FIELDS`). The
audit figures, verdicts and hashes are unchanged, and the copy names the SHA-256 of the full result, which the trail
holds: the trail always keeps everything.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from typing import Any

from audit.result import AuditResult

WITHHELD = "withheld"
# Explanation fields holding one entry per person (row). Another per-row field added to `Explanations` goes here.
PER_ROW_FIELDS = ("local", "row_sample")
# Absolute paths left after the known ones were replaced (no spaces: those are only caught when known).
_POSIX_PATH = re.compile(r"(?<![\w.~…/-])/(?:[^/\s]+/)+([^/\s]+)")
_WINDOWS_PATH = re.compile(r"\b[A-Za-z]:\\(?:[^\\\s]+\\)*([^\\\s]+)")
_FOLDER_MARK = re.compile(r"…[/\\]")
SHARED_NOTE = (
    "Shared copy: absolute paths, operating-system account and host names and individual rows (local "
    "explanations) are left out. The full result, SHA-256 {sha}, is kept in the audit trail."
)


def file_name(path: str) -> str:
    """The last part of a path written on any system (`C:\\data\\x.csv` and `/data/x.csv` both give `x.csv`)."""
    win = PureWindowsPath(path)
    return win.name if "\\" in path or win.drive else PurePosixPath(path).name


def is_shared(result: AuditResult) -> bool:
    return any(w.startswith("Shared copy:") for w in result.warnings)


def shared_copy(result: AuditResult, full_sha256: str | None = None) -> AuditResult:
    """The result as it may be handed out (see the module docstring). `full_sha256`: the full result's hash
    (default: computed)."""
    if is_shared(result):
        return result
    sha = full_sha256 or result.sha256()
    d = result.model_dump(mode="json", by_alias=True)
    replace = replacements(result)
    d["data"]["path"] = file_name(d["data"]["path"])
    d["spec"]["data_path"] = file_name(d["spec"]["data_path"])
    if d.get("model"):
        d["model"]["path"] = file_name(d["model"]["path"])
    if d["spec"].get("model_path"):
        d["spec"]["model_path"] = file_name(d["spec"]["model_path"])
    policy = d["spec"].get("policy") or {}
    if policy.get("source") not in (None, "preset"):
        policy["source"] = file_name(policy["source"])
    d["provenance"]["user"] = WITHHELD
    d["provenance"]["host"] = WITHHELD
    if d.get("explanations"):
        for name in PER_ROW_FIELDS:
            if d["explanations"].get(name):
                d["explanations"][name] = [] if isinstance(d["explanations"][name], list) else None
    d = _scrub(d, replace)
    d["warnings"] = [*d.get("warnings", []), SHARED_NOTE.format(sha=sha)]
    return AuditResult.model_validate(d)


def replacements(result: AuditResult) -> list[tuple[str, str]]:
    """(text, replacement) for every absolute path, account and host name that could appear in free text."""
    pairs: dict[str, str] = {}
    paths = [
        result.data.path,
        result.spec.data_path,
        result.spec.model_path,
        result.model.path if result.model else None,
        result.spec.policy.source if result.spec.policy.source != "preset" else None,
    ]
    for p in filter(None, paths):
        for form in {p, str(Path(p).absolute()), str(Path(p).resolve())}:
            pairs[form] = file_name(p)
            parent = str(PurePath(form).parent)
            if len(parent) > 1:
                pairs[parent] = "…"
    pv = result.provenance
    pairs[f"{pv.user}@{pv.host}"] = WITHHELD
    home = str(Path.home())
    if len(home) > 1:
        pairs[home] = "~"
    return sorted(pairs.items(), key=lambda kv: -len(kv[0]))  # longest first: a path before its folder


def scrub_text(text: str, pairs: list[tuple[str, str]]) -> str:
    """`text` with the known paths and accounts in `pairs` replaced (longest first), any other absolute path
    shortened to its file name, and folders that were replaced by `…` dropped (`…/x.csv` -> `x.csv`)."""
    for old, new in pairs:
        if old in text:
            text = text.replace(old, new)
    text = _POSIX_PATH.sub(r"\1", text)
    text = _WINDOWS_PATH.sub(r"\1", text)
    return _FOLDER_MARK.sub("", text)


def _scrub(value: Any, replace: list[tuple[str, str]]) -> Any:
    if isinstance(value, str):
        return scrub_text(value, replace)
    if isinstance(value, dict):
        return {k: _scrub(v, replace) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, replace) for v in value]
    return value
