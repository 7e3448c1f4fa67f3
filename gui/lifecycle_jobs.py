"""The Drift and Monitoring pages' jobs, run off the GUI thread (gui/worker.py): the same library calls as `attest drift`
and `attest monitor` (cli/drift_cmd.py, cli/monitor_cmd.py) for the engine the page chose. The DuckDB engine gets the
job's progress and cancel token: its query watcher reports "N of M rows processed" from inside a running query and
interrupts the query when Cancel is pressed (audit/engines/duckdb_watch.py)."""

from __future__ import annotations

from typing import Any


def drift_job(request: dict[str, Any], *, progress: Any, cancel: Any) -> Any:
    """Read both files and measure drift with the request's engine ("auto", "memory" or "duckdb")."""
    from audit.lifecycle.ooc_run import choose_engine
    from audit.lifecycle.plan import load_plan

    req = dict(request)
    plan = load_plan(req.pop("plan", None) or None)
    engine = choose_engine(req.pop("engine", None) or "auto", [req["reference"], req["current"]])
    if engine == "duckdb":
        from audit.lifecycle.ooc_drift import drift_duckdb

        return drift_duckdb(
            req["reference"], req["current"], plan, features=req.get("features"), sensitive=req.get("sensitive"),
            scores=req.get("scores"), predictions=req.get("predictions"), positive_label=req.get("positive_label"),
            model=req.get("model"), progress=progress, cancel=cancel,
        )  # fmt: skip
    from audit.lifecycle.drift import measure_drift
    from audit.lifecycle.drift_inputs import load_inputs

    progress("drift", 0, 2, "Reading the two files")
    inputs = load_inputs(**req)
    cancel.raise_if_set()
    progress("drift", 1, 2, "Measuring drift")
    return measure_drift(inputs, plan)


def monitor_job(workspace: str | None, request: dict[str, Any], *, progress: Any, cancel: Any) -> Any:
    """Monitor the log with the request's engine and record the run; returns (MonitorResult, Event)."""
    from audit.hashing import sha256_file
    from audit.lifecycle.monitor_history import check_earlier_estimates
    from audit.lifecycle.monitor_inputs import reference_max_order, resolve_reference
    from audit.lifecycle.ooc_run import choose_engine
    from audit.lifecycle.plan import load_monitor_plan
    from audit.lifecycle.record import record_monitoring
    from audit.lifecycle.windows import parse_window
    from audit.trail import Workspace

    progress("monitor", 0, 3, "Reading the log and the reference")
    spec = parse_window(request["window"])
    plan = request.get("plan_obj") or load_monitor_plan(request["plan"])
    from_file = request["plan"] and plan.source == request["plan"]  # the file's hash goes in the trail only if it ran
    model = request.get("model") or None
    engine = choose_engine(request.get("engine") or "auto", [request["data"]])
    with Workspace.open(workspace) as ws:
        reference, run, sensitive, target = resolve_reference(ws, request["reference"], request["sensitive"], request["target"])
        max_order = reference_max_order(ws, request["reference"], None)
        if engine == "duckdb":
            from audit.lifecycle.ooc_run import monitor_duckdb

            result = monitor_duckdb(
                request["data"], reference, request["time_column"], spec, plan, model=model,
                predictions=request["predictions"], scores=request["scores"], target=target, sensitive=sensitive, run=run,
                max_order=max_order, progress=progress, cancel=cancel,
            )  # fmt: skip
        else:
            from audit.lifecycle.monitor import monitor
            from audit.lifecycle.monitor_inputs import load_inputs

            inputs = load_inputs(
                request["data"], reference, request["time_column"], model=model, predictions=request["predictions"],
                scores=request["scores"], target=target, sensitive=sensitive, run=run, max_order=max_order,
            )  # fmt: skip
            cancel.raise_if_set()
            progress("monitor", 1, 3, "Checking each window")
            result = monitor(inputs, plan, spec)
        result = check_earlier_estimates(ws, result)
        cancel.raise_if_set()
        event = record_monitoring(ws, result, sha256_file(request["plan"]) if from_file else None)
    progress("monitor", 3, 3, "Monitoring run recorded")
    return result, event
