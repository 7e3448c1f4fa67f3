"""The fuzz body behind test_fuzz_loaders.py: valid seed files, byte mutations, and one loader call per case.

Run by the test in a child process (`python -m tests.bad_inputs.fuzz_cases GROUP EXAMPLES FOLDER`), so that a native
library that aborts or hangs on a damaged file fails the test with a report instead of killing pytest. The child prints
one JSON line of figures (examples run, outcomes, slowest case) and exits 0; a broken rule exits 1 with the case.

A case passes when the public loader (`audit.datasets.load_dataset`, `audit.models.load_model`) returns, or raises an
`audit.errors.AttestError` with a non-empty message free of tracebacks, within `CASE_SECONDS`.
"""

from __future__ import annotations

import faulthandler
import io
import json
import os
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

CASE_SECONDS = 10.0
# The watchdog ends a process hung in native code. In the fuzz subprocess (run as __main__) that process is a throw-away;
# when the suite calls load_case itself it is pytest, which the watchdog would end without a summary or a word (exit 1),
# as it did when a LightGBM case took over 15 s on a loaded machine under coverage: a slow load is not a hang.
WATCHDOG_S = CASE_SECONDS + 5 if __name__ == "__main__" else 300.0
TABLES = ("csv", "parquet", "xlsx")
MODELS = ("skops", "onnx", "lightgbm", "xgboost_json", "xgboost_ubj")
EXTENSION = {
    "csv": ".csv",
    "parquet": ".parquet",
    "xlsx": ".xlsx",
    "skops": ".skops",
    "onnx": ".onnx",
    "lightgbm": ".txt",
    "xgboost_json": ".json",
    "xgboost_ubj": ".ubj",
}
GROUPS = {"tables": TABLES, "skops": ("skops",), "native": MODELS[1:]}
ZIPS = ("xlsx", "skops")  # formats that are zip archives: mutating a member's text reaches the parser behind the CRC check


def seed_frame(n: int = 60) -> pd.DataFrame:
    """Small but varied: numbers, text groups with "NA"/blank/variant values, a 0/1 target."""
    rng = np.random.default_rng(11)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 80, n),
            "income": np.round(rng.gamma(4.0, 12_000.0, n), 2),
            "sex": rng.choice(["Female", "Male", "Female ", "NA"], n),
            "race": rng.choice(["Asian", "Black", "White", ""], n),
            "approved": rng.integers(0, 2, n),
        }
    )


def build_seeds(folder: Path, formats: tuple[str, ...] = (*TABLES, *MODELS)) -> dict[str, bytes]:
    """One valid file of each format, written into `folder` and returned as bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    df = seed_frame()
    df.to_csv(folder / "seed.csv", index=False)
    df.to_parquet(folder / "seed.parquet", index=False)
    df.to_excel(folder / "seed.xlsx", index=False, engine="openpyxl")
    if set(formats) & set(MODELS):
        _model_seeds(folder, df)
    return {fmt: (folder / f"seed{EXTENSION[fmt]}").read_bytes() for fmt in formats}


def _model_seeds(folder: Path, df: pd.DataFrame) -> None:
    import lightgbm as lgb
    import skops.io as sio
    import xgboost as xgb
    from skl2onnx import to_onnx
    from sklearn.linear_model import LogisticRegression

    X, y = df[["age", "income"]].astype(float), df["approved"]
    sio.dump(LogisticRegression(max_iter=300).fit(X, y), folder / "seed.skops")
    Xf = X.to_numpy(dtype=np.float32)
    onx = to_onnx(LogisticRegression(max_iter=300).fit(Xf, y), Xf[:1], options={"zipmap": False}, target_opset=17)
    meta = onx.metadata_props.add()  # so the model loads fully: its one tensor input names the columns
    meta.key, meta.value = "feature_names", json.dumps(list(X.columns))
    (folder / "seed.onnx").write_bytes(onx.SerializeToString())
    lgb.train({"objective": "binary", "verbose": -1, "num_leaves": 4, "min_data_in_leaf": 5}, lgb.Dataset(X, y), 3).save_model(
        str(folder / "seed.txt")
    )
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 2}, xgb.DMatrix(X, y), 3)
    booster.save_model(str(folder / "seed.json"))
    booster.save_model(str(folder / "seed.ubj"))


# ---------------------------------------------------------------- mutations


@dataclass(frozen=True)
class Edit:
    """One byte edit. `at` is a position in 1/65536ths of the file, so one edit means the same on any seed."""

    op: str  # flip | insert | delete | overwrite | truncate
    at: int
    data: bytes = b""
    length: int = 1


def apply_edits(raw: bytes, edits: list[Edit]) -> bytes:
    out = bytearray(raw)
    for e in edits:
        pos = min(len(out), e.at * len(out) // 65536)
        if e.op == "truncate":
            del out[pos:]
        elif e.op == "flip" and pos < len(out):
            out[pos] ^= (e.data[0] if e.data else 0xFF) or 0x01
        elif e.op == "insert":
            out[pos:pos] = e.data
        elif e.op == "delete":
            del out[pos : pos + e.length]
        elif e.op == "overwrite":
            out[pos : pos + len(e.data)] = e.data
    return bytes(out)


def mutate_member(raw: bytes, member: int, edits: list[Edit]) -> bytes:
    """A zip rebuilt with one member's bytes edited (CRCs recomputed, so the damage reaches the format's own parser)."""
    src = zipfile.ZipFile(io.BytesIO(raw))
    infos = src.infolist()
    target = infos[member % len(infos)].filename
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in infos:
            data = src.read(info.filename)
            dst.writestr(info.filename, apply_edits(data, edits) if info.filename == target else data)
    return buf.getvalue()


# ---------------------------------------------------------------- one case


class RuleBroken(AssertionError):
    pass


def load_case(fmt: str, path: Path, sensitive: tuple[str, ...] = ()) -> str:
    """Run the public loader on `path`; 'ok' or 'error: <class>'. Raises RuleBroken for anything but an AttestError
    with a clean message, and for a case slower than CASE_SECONDS."""
    from audit.datasets import load_dataset
    from audit.errors import AttestError
    from audit.models import load_model

    faulthandler.dump_traceback_later(WATCHDOG_S, exit=True)  # a hang in native code still ends, with a dump
    t0 = time.perf_counter()
    try:
        if fmt in TABLES:
            load_dataset(path, sensitive=sensitive)
        else:
            load_model(path, positive_label=1)
        outcome = "ok"
    except AttestError as exc:
        message = exc.message.strip()
        if not message or "Traceback" in str(exc) or "[bt]" in str(exc):
            raise RuleBroken(f"{fmt} {path.name}: {type(exc).__name__} with an unusable message: {str(exc)!r}") from exc
        outcome = f"error: {type(exc).__name__}"
    except Exception as exc:
        raise RuleBroken(f"{fmt} {path.name}: {type(exc).__name__} escaped the loader: {exc}") from exc
    finally:
        faulthandler.cancel_dump_traceback_later()
    took = time.perf_counter() - t0
    if took > CASE_SECONDS:
        raise RuleBroken(f"{fmt} {path.name}: took {took:.1f} s (limit {CASE_SECONDS:.0f} s)")
    return outcome


# ---------------------------------------------------------------- the hypothesis body (child side)


def run(group: str, examples: int, folder: Path) -> dict:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    formats = GROUPS[group]
    seeds = build_seeds(folder / "seeds", formats)
    stats: dict = {"examples": 0, "by_format": {}, "outcomes": {}, "slowest_s": 0.0}
    counter = iter(range(10**9))

    edit = st.builds(
        Edit,
        op=st.sampled_from(("flip", "insert", "delete", "overwrite", "truncate")),
        at=st.integers(0, 65535),
        data=st.binary(min_size=1, max_size=8),
        length=st.integers(1, 64),
    )
    no_edits: list[Edit] = []
    # (kind, random bytes, zip member, edits)
    case: st.SearchStrategy[tuple[str, bytes, int, list[Edit]]] = st.one_of(
        st.tuples(st.just("bytes"), st.binary(min_size=0, max_size=512), st.just(0), st.just(no_edits)),
        st.tuples(st.just("mutate"), st.just(b""), st.just(0), st.lists(edit, min_size=1, max_size=4)),
        st.tuples(st.just("member"), st.just(b""), st.integers(0, 50), st.lists(edit, min_size=1, max_size=3)),
    )

    # Reproducible in CI; ATTEST_FUZZ_RANDOM=1 explores new cases (a longer campaign by hand).
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=not os.environ.get("ATTEST_FUZZ_RANDOM"),
        database=None,
        print_blob=False,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=list(HealthCheck),
    )
    @given(fmt=st.sampled_from(formats), case=case, faithful=st.booleans())
    def body(fmt: str, case: tuple, faithful: bool) -> None:
        kind, random_bytes, member, edits = case
        if kind == "bytes":
            raw = random_bytes
        elif kind == "member" and fmt in ZIPS:
            raw = mutate_member(seeds[fmt], member, edits)
        else:
            raw = apply_edits(seeds[fmt], edits)
        path = folder / f"case{next(counter)}{EXTENSION[fmt]}"
        path.write_bytes(raw)
        t0 = time.perf_counter()
        try:
            outcome = load_case(fmt, path, ("sex", "race") if faithful else ())
        except RuleBroken as exc:
            keep = folder / f"failing{EXTENSION[fmt]}"
            keep.write_bytes(raw)
            raise RuleBroken(f"{exc}\n  case kept as {keep}; made by {kind} {edits or len(raw)}") from exc
        finally:
            path.unlink(missing_ok=True)
        stats["examples"] += 1
        stats["by_format"][fmt] = stats["by_format"].get(fmt, 0) + 1
        key = f"{fmt} {outcome}"
        stats["outcomes"][key] = stats["outcomes"].get(key, 0) + 1
        stats["slowest_s"] = max(stats["slowest_s"], round(time.perf_counter() - t0, 3))

    body()
    return stats


if __name__ == "__main__":
    t_start = time.perf_counter()
    figures = run(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]))
    figures["seconds"] = round(time.perf_counter() - t_start, 1)
    print(json.dumps(figures), flush=True)
