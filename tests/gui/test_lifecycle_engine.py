"""The Drift and Monitoring pages' Engine choice (issue 17 item 5, issue 15 item 5): the choice reaches the library call
`attest drift/monitor --engine` makes, the page says which engine produced the result and, for a DuckDB result on
fine histograms, the Wasserstein / KS bounds beside the distances; the DuckDB watcher's "N of M rows processed"
shows on the page and in the status bar, and Cancel reaches the running call through its cancel token."""

from __future__ import annotations

import threading

import pytest
from scipy import stats

from audit.cancel import CancelToken
from audit.errors import Cancelled
from audit.lifecycle import ooc_drift, ooc_run, ooc_scan
from audit.trail import Workspace
from tests.lifecycle.monitor_helpers import simulate
from tests.lifecycle.test_drift_cli import frame
from tests.lifecycle.test_drift_duckdb import _frame

TIMEOUT = 60_000
ROWS = "DuckDB: 1,000 of 5,000 rows processed (20% of this pass)"  # what the query watcher reports mid-query


def _spy(monkeypatch, module, name):
    """Record each call's arguments, then make the real call."""
    calls: list[tuple[tuple, dict]] = []
    real = getattr(module, name)

    def spy(*args, **kwargs):
        calls.append((args, kwargs))
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return calls


def _blocking(calls: list, stopped: threading.Event):
    """A stand-in for a long DuckDB call: reports rows processed, then waits for its cancel token, as the watcher does."""

    def run(*args, progress, cancel, **kwargs):
        calls.append(cancel)
        for _ in range(600):
            if cancel.is_set:
                stopped.set()
                raise Cancelled("cancelled by the user")
            progress(kwargs.get("stage", "drift"), 2, 4, ROWS)  # the watcher reports at every poll
            threading.Event().wait(0.05)
        raise AssertionError("the cancel token never reached the call")

    return run


def _drift_view(qtbot, tmp_path, engine, fmt="csv", ref=None, cur=None):
    from gui.views.drift import DriftView

    paths = []
    for name, df in (
        ("ref", ref if ref is not None else frame(2000, 1)),
        ("cur", cur if cur is not None else frame(2000, 3, 0.6)),
    ):
        p = tmp_path / f"{name}.{fmt}"
        df.to_parquet(p) if fmt == "parquet" else df.to_csv(p, index=False)
        paths.append(p)
    view = DriftView()
    qtbot.addWidget(view)
    view.reference.set_path(str(paths[0]))
    view.current.set_path(str(paths[1]))
    view.engine.setCurrentIndex(view.engine.findData(engine))
    return view, paths


def test_drift_duckdb_choice_reaches_the_library_call_and_the_page_names_the_engine(qtbot, tmp_path, monkeypatch):
    calls = _spy(monkeypatch, ooc_drift, "drift_duckdb")
    view, (ref, cur) = _drift_view(qtbot, tmp_path, "duckdb")
    view.sensitive.setText("race")
    view.scores.setText("score")
    with qtbot.waitSignal(view.runner.finished, timeout=TIMEOUT):
        view.run_button.click()
    ((args, kwargs),) = calls
    assert args[:2] == (str(ref), str(cur)) and kwargs["sensitive"] == ["race"] and kwargs["scores"] == "score"
    assert isinstance(kwargs["cancel"], CancelToken) and callable(kwargs["progress"])
    assert view.result.engine == "duckdb"
    assert "Engine: DuckDB (out of core)" in view.summary.toPlainText()
    features, _ = view.models["drift_features"]
    assert "Binned: W, KS" not in [c.title for c in features.columns]  # few distinct values: exact, no bounds shown
    # In memory: the DuckDB call is not made, and the page says so
    view.engine.setCurrentIndex(view.engine.findData("memory"))
    with qtbot.waitSignal(view.runner.finished, timeout=TIMEOUT):
        view.run_button.click()
    assert len(calls) == 1 and view.result.engine == "memory"
    assert "Engine: in memory" in view.summary.toPlainText()


def test_a_binned_duckdb_result_shows_the_wasserstein_and_ks_bounds(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(ooc_scan, "EXACT_LIMIT", 500)  # x (2 decimals, ~800 distinct values) becomes a fine histogram
    ref, cur = _frame(20000, 1), _frame(15000, 2, shift=0.3)
    view, _ = _drift_view(qtbot, tmp_path, "duckdb", fmt="parquet", ref=ref, cur=cur)
    view.features.setText("x,age")
    with qtbot.waitSignal(view.runner.finished, timeout=TIMEOUT):
        view.run_button.click()
    model, _ = view.models["drift_features"]
    titles = [c.title for c in model.columns]
    at = titles.index("Binned: W, KS")
    assert titles[at - 1] == "W / sd"  # beside the distance it bounds
    rows = {model.index(r, 0).data(): model.index(r, at).data() for r in range(model.rowCount())}
    assert rows["age"] == "exact"
    fx = next(f for f in view.result.features if f.name == "x")
    ks, kb = fx.ks_statistic, fx.ks_bound
    assert rows["x"] == f"W {fx.wasserstein:.4g} ± {fx.wasserstein_bound:.2g} · KS {ks:.3f} to {ks + kb:.3f}"
    # the interval shown holds scipy's distances on the raw rows
    r, c = ref["x"].dropna().to_numpy(), cur["x"].dropna().to_numpy()
    w_text, ks_text = rows["x"].split(" · ")
    w, wb = (float(v) for v in w_text[2:].split(" ± "))
    lo, hi = (float(v) for v in ks_text[3:].split(" to "))
    assert abs(stats.wasserstein_distance(r, c) - w) <= wb * 1.06 + abs(w) * 1e-3  # as rounded for display
    assert lo - 1e-3 <= stats.ks_2samp(r, c).statistic <= hi + 1e-3
    text = view.summary.toPlainText()
    assert "Compared on fine histograms" in text and "x: Wasserstein within ±" in text


def test_drift_shows_rows_processed_and_cancel_reaches_the_duckdb_call(qtbot, tmp_path, monkeypatch):
    tokens: list = []
    stopped = threading.Event()
    monkeypatch.setattr(ooc_drift, "drift_duckdb", _blocking(tokens, stopped))
    view, _ = _drift_view(qtbot, tmp_path, "duckdb")
    view.run_button.click()
    qtbot.waitUntil(lambda: "rows processed" in view.summary.toPlainText(), timeout=TIMEOUT)
    assert "1,000 of 5,000 rows processed" in view.summary.toPlainText()
    assert view.cancel_button.isEnabled() and not view.run_button.isEnabled()
    with qtbot.waitSignal(view.runner.cancelled, timeout=TIMEOUT):
        view.cancel_button.click()
    assert stopped.is_set() and tokens[0].is_set  # the page's Cancel set the token the library call was given
    assert "Cancelled" in view.summary.toPlainText() and view.run_button.isEnabled() and not view.cancel_button.isEnabled()
    assert view.result is None


def test_duckdb_with_a_model_passes_the_model_to_the_library_call(qtbot, tmp_path, monkeypatch):
    """DuckDB scores the files with the model itself (audit/lifecycle/ooc_model.py): the page hands the model on."""
    calls: list = []

    def fake(*args, **kwargs):
        calls.append(kwargs)
        raise Cancelled("stopped here: only the arguments are checked")

    monkeypatch.setattr(ooc_drift, "drift_duckdb", fake)
    view, _ = _drift_view(qtbot, tmp_path, "duckdb")
    (tmp_path / "model.skops").write_bytes(b"not read: the call is replaced")
    view.model.set_path(str(tmp_path / "model.skops"))
    with qtbot.waitSignal(view.runner.cancelled, timeout=TIMEOUT):
        view.run_button.click()
    assert calls and calls[0]["model"] == str(tmp_path / "model.skops")
    assert view.run_button.isEnabled()


def _monitor_files(tmp_path):
    ref, log = tmp_path / "ref.parquet", tmp_path / "log.parquet"
    simulate(3000, 1, days=30).drop(columns="time").to_parquet(ref)
    simulate(3000, 3, days=90, drift_from="2024-02-15").to_parquet(log)
    return log, ref


def _fill_monitor(view, tmp_path, engine):
    log, ref = _monitor_files(tmp_path)
    view.workspace = str(tmp_path / "w.attest")
    view.data.set_path(str(log))
    for name, value in (("reference", str(ref)), ("time_column", "time"), ("window", "1mo"), ("predictions", "pred"),
                        ("scores", "score"), ("target", "y"), ("sensitive", "group")):  # fmt: skip
        view.edits[name].setText(value)
    view.engine.setCurrentIndex(view.engine.findData(engine))
    return log, ref


def _monitor_view(qtbot, tmp_path, engine):
    from gui.views.monitor import MonitorView

    view = MonitorView()
    qtbot.addWidget(view)
    log, ref = _fill_monitor(view, tmp_path, engine)
    return view, log, ref


def test_monitor_duckdb_choice_reaches_the_library_call_and_is_recorded(qtbot, tmp_path, monkeypatch):
    calls = _spy(monkeypatch, ooc_run, "monitor_duckdb")
    view, log, ref = _monitor_view(qtbot, tmp_path, "duckdb")
    with qtbot.waitSignal(view.runner.finished, timeout=TIMEOUT):
        view.run_button.click()
    ((args, kwargs),) = calls
    assert args[:3] == (str(log), str(ref), "time") and kwargs["predictions"] == "pred" and kwargs["sensitive"] == ["group"]
    assert isinstance(kwargs["cancel"], CancelToken)
    assert "Engine: DuckDB (out of core)" in view.summary.toPlainText()
    windows, _ = view.models["monitor_windows"]
    assert [w.status for w in windows.records] == ["pass", "alert", "alert"]  # the same windows as in memory
    with Workspace.open(view.workspace, readonly=True) as ws:
        assert len(ws.events(kind="monitoring_run")) == 1
    # In memory (and Automatic on a small file): no DuckDB call
    for engine in ("memory", "auto"):
        view.engine.setCurrentIndex(view.engine.findData(engine))
        with qtbot.waitSignal(view.runner.finished, timeout=TIMEOUT):
            view.run_button.click()
        assert len(calls) == 1 and view.result.engine == "memory"
        assert "Engine: in memory" in view.summary.toPlainText()


def test_monitor_rows_processed_in_the_status_bar_and_its_cancel_stops_the_call(qtbot, window, tmp_path, monkeypatch):
    tokens: list = []
    stopped = threading.Event()
    blocking = _blocking(tokens, stopped)
    monkeypatch.setattr(ooc_run, "monitor_duckdb", lambda *a, **kw: blocking(*a, stage="monitor", **kw))
    m = window.monitor  # the window's own page, so its status bar shows the job
    _fill_monitor(m, tmp_path, "duckdb")
    window.show_page("monitor")
    m.run_button.click()
    qtbot.waitUntil(lambda: "rows processed" in window.status_panel.label.text(), timeout=TIMEOUT)
    assert "1,000 of 5,000 rows processed" in m.summary.toPlainText()
    assert window.cancel_button.isVisible() and window.act_cancel.isEnabled()
    with qtbot.waitSignal(m.runner.cancelled, timeout=TIMEOUT):
        window.cancel_button.click()
    assert stopped.is_set() and tokens[0].is_set
    assert window.status_panel.label.text() == "Cancelled." and "nothing was recorded" in m.summary.toPlainText()
    assert m.run_button.isEnabled()
    with Workspace.open(m.workspace, readonly=True) as ws:
        assert not ws.events(kind="monitoring_run")


@pytest.mark.parametrize("saved", [None, "spark", "numpy"])
def test_forms_saved_without_the_choice_load_as_automatic(qtbot, saved):
    from gui.views.drift import DriftView
    from gui.views.monitor import MonitorView

    drift, monitor = DriftView(), MonitorView()
    qtbot.addWidget(drift)
    qtbot.addWidget(monitor)
    for view in (drift, monitor):
        view.engine.setCurrentIndex(view.engine.findData("duckdb"))
    old_drift = {"reference": "ref.csv", "current": "cur.csv", "features": ["x"], "sensitive": None, "scores": None,
                 "predictions": None, "plan": None, "model": None}  # fmt: skip
    old_monitor = {"data": "log.csv", "reference": "run-1", "time_column": "t", "window": "1mo"}
    extra = {} if saved is None else {"engine": saved}
    drift.fill({**old_drift, **extra})
    monitor.fill({**old_monitor, **extra})
    assert drift.request()["engine"] == "auto" and monitor.request()["engine"] == "auto"
    assert drift.engine.currentText().startswith("Automatic")
    # ... and a form with the choice brings it back
    drift.fill({**old_drift, "engine": "duckdb"})
    monitor.fill({**old_monitor, "engine": "memory"})
    assert drift.request()["engine"] == "duckdb" and monitor.request()["engine"] == "memory"
