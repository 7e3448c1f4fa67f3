"""`explain`: choose the explainer, explain as many rows as the time budget allows, aggregate for the audit.

Failures never raise: a model that cannot be explained gives `status="failed"` with the reason, so the rest of the audit
stands. Only `Cancelled` propagates.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from audit.cancel import CancelToken, Progress, no_progress
from audit.errors import Cancelled, ExplanationError
from audit.explain import aggregate, agnostic, budget, caveats, local, mapping, runner, sampling
from audit.explain.backend import Backend
from audit.explain.choose import Choice, choose
from audit.explain.choose import agnostic as agnostic_choice
from audit.explain.result import Explanations, failed, not_assessed
from audit.explain.settings import ExplainSettings
from audit.models.base import LoadedModel
from audit.stats.arrays import FloatArray, Labels, Positions

DEFAULT_MAX_ROWS = 100_000  # with max_rows=None: more rows than this add nothing but memory to the figures
_RESERVE_S = 1.0  # kept for aggregation at the end of the budget
_ROUNDS = 4


def explain(
    model: LoadedModel,
    X: pd.DataFrame,
    *,
    groups: Sequence[tuple[dict[str, str], Positions]],
    decisions: Labels,
    scores: FloatArray | None,
    threshold: float | None,
    proxies: Sequence[str],
    settings: ExplainSettings,
    seed: int,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    executor: Executor | None = None,
) -> Explanations:
    """Explain `model` on `X`; see docs/explanations.md for the result. Never raises except `Cancelled`.

    `executor` (e.g. `audit.parallel.spawn_executor()`, left running for the caller to reuse) lends worker processes
    to kernels that can use them; without one, explain starts a one-worker spawn pool when the work is worth it and
    shuts it down before returning.
    """
    t0 = time.monotonic()
    if not settings.enabled:
        return not_assessed("Explanations were switched off for this audit (--no-explain).")
    if len(X) == 0:
        return not_assessed("The evaluation data has no rows to explain.")
    missing = [f for f in model.features if f not in X.columns]
    if missing:
        return failed(f"The evaluation data lacks model inputs: {', '.join(missing[:10])}.")
    if cancel is not None:
        cancel.raise_if_set()
    progress("explain", 0, 1, "choosing the explainer")
    choice: Choice | None = None
    try:
        choice, backend = _prepare(model, X, settings, seed)
        workers = runner.Workers(executor)
        try:
            return _run(
                model,
                X,
                choice,
                backend,
                t0=t0,
                groups=[(dict(a), np.asarray(i, dtype=np.int64)) for a, i in groups],
                decisions=np.asarray(decisions, dtype=bool).reshape(-1),
                scores=None if scores is None else np.asarray(scores, dtype=np.float64).reshape(-1),
                threshold=threshold,
                proxies=list(proxies),
                settings=settings,
                seed=seed,
                progress=progress,
                cancel=cancel,
                workers=workers,
            )
        finally:
            workers.close()
    except Cancelled:
        raise
    except Exception as exc:
        if isinstance(exc, _NotExplainable):
            choice, exc = exc.choice, exc.cause
        which = f"The {choice.explainer} explainer" if choice else "The explainer"
        return failed(
            f"{which} could not explain this model: {type(exc).__name__}: {_short(exc)}. The rest of the audit stands.",
            explainer=choice.explainer if choice else "none",
        )


@dataclass(frozen=True)
class RowAttributions:
    """Per-row attributions on the original features: base + values.sum(axis=1) == output (in `output_space`)."""

    rows: Positions  # positions in X
    features: tuple[str, ...]
    values: FloatArray  # (rows, features)
    base: FloatArray  # (rows,)
    output: FloatArray  # (rows,) the model's own output, computed independently of the attributions
    explainer: str
    output_space: str
    reason: str


def explain_rows(
    model: LoadedModel, X: pd.DataFrame, rows: Sequence[int] | Positions, *, seed: int = 0, background_size: int = 100
) -> RowAttributions:
    """Explain chosen rows (e.g. one decision a reviewer asks about), in one process and without a budget.

    Raises `ExplanationError` when the model cannot be explained.
    """
    rows = np.asarray(rows, dtype=np.int64)
    try:
        choice, backend = _prepare(model, X, ExplainSettings(background_size=background_size), seed)
        size = 50_000 if choice.method != "agnostic" else agnostic.rows_per_batch(backend)
        parts = [backend.kernel(backend.payload(rows[i : i + size])) for i in range(0, len(rows), size)]
    except Cancelled:
        raise
    except Exception as exc:
        exc = exc.cause if isinstance(exc, _NotExplainable) else exc
        raise ExplanationError(
            f"The model could not be explained: {type(exc).__name__}: {_short(exc)}",
            "Check that the data has the columns and types the model was trained on.",
        ) from exc
    features = list(model.features)
    names = features + [o for o in dict.fromkeys(backend.owners) if o not in features]
    values = np.vstack([p[0] for p in parts]) @ mapping.fold_matrix(backend.owners, names)
    base = np.concatenate([p[1] for p in parts])
    if any(p[2] is None for p in parts):
        output = backend.outputs(rows)  # type: ignore[misc]
    else:
        output = np.concatenate([p[2] for p in parts])
    return RowAttributions(
        rows,
        tuple(names),
        values,
        base,
        np.asarray(output, dtype=np.float64),
        choice.explainer,
        choice.output_space,
        choice.reason,
    )


class _NotExplainable(Exception):
    def __init__(self, choice: Choice, cause: Exception) -> None:
        super().__init__(str(cause))
        self.choice, self.cause = choice, cause


def _prepare(model: LoadedModel, X: pd.DataFrame, settings: ExplainSettings, seed: int) -> tuple[Choice, Backend]:
    """The chosen explainer, ready; an exact explainer shap cannot use falls back to the model-agnostic one."""
    choice = choose(model)
    if choice.method != "agnostic":
        from audit.explain import linear, tree

        try:
            backend = linear.prepare(choice, model, X) if choice.method == "linear" else tree.prepare(choice, model, X)
            return choice, backend
        except Cancelled:
            raise
        except Exception as exc:
            choice = agnostic_choice(
                model,
                f"The exact {choice.explainer} explainer could not read this model "
                f"({type(exc).__name__}: {_short(exc)}), so Attest fell back to the model-agnostic one",
            )
    try:
        return choice, agnostic.prepare(model, X, background_size=settings.background_size, seed=seed)
    except Cancelled:
        raise
    except Exception as exc:
        raise _NotExplainable(choice, exc) from exc


def _run(
    model: LoadedModel,
    X: pd.DataFrame,
    choice: Choice,
    backend: Backend,
    *,
    t0: float,
    groups: list[tuple[dict[str, str], Positions]],
    decisions: Labels,
    scores: FloatArray | None,
    threshold: float | None,
    proxies: list[str],
    settings: ExplainSettings,
    seed: int,
    progress: Progress,
    cancel: CancelToken | None,
    workers: runner.Workers,
) -> Explanations:
    n = len(X)
    # Explaining stops this much before the budget ends, leaving time to aggregate.
    deadline = t0 + settings.time_budget_s - min(_RESERVE_S, 0.1 * settings.time_budget_s)
    n_max = max(1, min(n, settings.max_rows if settings.max_rows is not None else DEFAULT_MAX_ROWS))
    perm, pos = sampling.permutation(n, seed)
    picks = sampling.local_picks(groups, decisions, scores, threshold, settings.local_per_group, seed)
    local_rows = sampling.local_rows_in_order(picks)

    # A first batch (local examples first) measures this model's speed; the plan follows from it.
    probe_n = min(backend.probe_rows, n_max)
    head = sampling.explain_order(local_rows, local_rows[:0], local_rows[:0], perm)[:probe_n]
    started = time.monotonic()
    first = backend.kernel(backend.payload(head))
    rate = probe_n / max(time.monotonic() - started, 1e-6)
    progress("explain", probe_n, probe_n, f"{probe_n} rows explained; planning the sample")
    if cancel is not None:
        cancel.raise_if_set()

    start_s = backend.worker_start_s if backend.shipped is not None and workers.allowed else None
    expected, _ = budget.plan(n_max - probe_n, rate, deadline - time.monotonic(), start_s, cautious=False)
    per_group = int(min(100, max(10, (probe_n + expected - len(local_rows)) // max(2 * len(groups), 1))))
    topups = sampling.group_topups(groups, pos, per_group)
    order = sampling.explain_order(head, local_rows, topups, perm)[:n_max]
    parts = [(head, first)]
    outputs_done: dict[int, float] = {}  # row -> the model's own output, where computed early
    done, planned, cut, processes = probe_n, probe_n, False, 1
    # Rounds: each plans from the speed measured so far (the first probe is small and pessimistic), so the sample grows
    # to fill the budget without overrunning it.
    for round_no in range(_ROUNDS):
        left = deadline - time.monotonic()
        todo, worker = budget.plan(
            n_max - done, rate, left, 0.0 if workers.warm and start_s is not None else start_s, cautious=round_no == 0
        )
        if todo <= 0 or left <= 0:
            break
        chunk_rows = order[done : done + todo]
        size = budget.batch_rows(choice, backend, rate)
        chunks = [chunk_rows[i : i + size] for i in range(0, len(chunk_rows), size)]
        planned = done + len(chunk_rows)
        counter = [done]

        def on_batch(_: int, k: int, counter: list[int] = counter, planned: int = planned) -> None:  # this round's
            counter[0] += k
            progress("explain", counter[0], planned, f"{counter[0]:,} of {planned:,} rows explained ({choice.explainer})")

        started = time.monotonic()
        payloads = [backend.payload(c) for c in chunks]

        def on_idle(so_far: list[Any], chunks: list[Positions] = chunks) -> None:  # results: one per batch, None until done
            # While the worker finishes its last batches: the model's own outputs for the rows this round has done.
            if backend.outputs is not None:
                ready = [c for c, r in zip(chunks, so_far, strict=True) if r is not None]
                if ready:
                    rows_ready = np.concatenate(ready)
                    outputs_done.update(zip(rows_ready.tolist(), backend.outputs(rows_ready).tolist(), strict=True))

        raw, cut, by_worker = runner.run_batches(
            backend.core,
            payloads,
            [len(c) for c in chunks],
            deadline=deadline,
            cancel=cancel,
            on_batch=on_batch,
            shipped=backend.shipped,
            executor=workers.get() if worker else None,
            on_idle=on_idle,
        )
        parts += [(c, backend.finish(p, r)) for c, p, r in zip(chunks, payloads, raw, strict=True) if r is not None]
        processes = 2 if by_worker else processes
        if not cut:  # per-process speed as measured (the plan adds a worker's share itself)
            rate = len(chunk_rows) / max(time.monotonic() - started, 1e-6) / (1.75 if worker else 1.0)
        done = planned
        if cut or done >= n_max:
            break
    rows = np.concatenate([p[0] for p in parts])
    phi = np.vstack([np.asarray(p[1][0], dtype=np.float64) for p in parts])
    base = np.concatenate([np.asarray(p[1][1], dtype=np.float64) for p in parts])
    if any(res[2] is None for _, res in parts):  # one model call for the rows not done while waiting for the worker
        outputs = backend.outputs
        assert outputs is not None, "a backend's finish gives no outputs only when it has `outputs`"
        todo_rows = np.array([r for r in rows.tolist() if r not in outputs_done], dtype=np.int64)
        for i in range(0, len(todo_rows), 50_000):
            batch = todo_rows[i : i + 50_000]
            outputs_done.update(zip(batch.tolist(), outputs(batch).tolist(), strict=True))
        output = np.array([outputs_done[r] for r in rows.tolist()], dtype=np.float64)
    else:
        output = np.concatenate([np.asarray(res[2], dtype=np.float64) for _, res in parts])
    n_plan = planned
    if cancel is not None:
        cancel.raise_if_set()
    progress("explain", len(rows), n_plan, "summarising")

    features = list(model.features)
    names = features + [o for o in dict.fromkeys(backend.owners) if o not in features]
    phi = phi @ mapping.fold_matrix(backend.owners, names)  # sum each feature's encoded columns: additivity is kept
    explained = np.zeros(n, dtype=bool)
    explained[rows] = True
    index = np.full(n, -1, dtype=np.int64)  # row of X -> its place in the explained arrays
    index[rows] = np.arange(len(rows))
    where = {r: int(index[r]) for _, r, _ in picks if index[r] >= 0}  # the local examples the budget reached
    warnings = list(backend.warnings)

    global_rows = sampling.prefix_in(perm, explained)
    if len(global_rows) < max(1, min(aggregate.MIN_GROUP_ROWS, len(rows) // 2)):
        global_rows = rows
        warnings.append(
            "The budget allowed too few rows for a uniform sample: global figures use every explained row, "
            "which over-represents small groups and the local examples."
        )
    boot = aggregate.bootstrap(np.abs(phi[index[global_rows]]), settings.stability_resamples, np.random.default_rng([seed, 3]))
    sensitive = list(dict.fromkeys(k for a, _ in groups for k in a))
    by_group = []
    for gi, (attrs, idx) in enumerate(groups):
        sample = sampling.group_sample(idx, pos, explained)
        gboot = aggregate.bootstrap(
            np.abs(phi[index[sample]]), settings.stability_resamples, np.random.default_rng([seed, 4, gi])
        )
        by_group.append(aggregate.group_explanation(attrs, len(idx), names, gboot, len(sample), proxies, sensitive))

    err = float(np.max(np.abs(base + phi.sum(axis=1) - output))) if len(rows) else None
    # Partial: the budget did not reach every local example and group minimum (a smaller global sample is normal).
    essential = np.unique(np.concatenate([head, local_rows, topups]))
    essential = essential[np.isin(essential, order)]
    cut = bool(not explained[essential].all())
    warnings += caveats.collect(
        X, features, rows, choice, backend, n, len(global_rows), n_plan, cut, by_group, proxies, names, err, settings
    )
    return Explanations(
        status="partial" if cut else "complete",
        reason=choice.reason,
        explainer=choice.explainer,
        output_space=choice.output_space,
        library=backend.library,
        background_size=backend.background_size,
        permutations=backend.permutations,
        processes=processes,
        sample_size=len(rows),
        global_rows=len(global_rows),
        rows_available=n,
        seconds=round(time.monotonic() - t0, 3),
        time_budget_s=settings.time_budget_s,
        seed=seed,
        stability_resamples=settings.stability_resamples,
        additivity_max_error=err,
        # populate_by_name: filled by its field name; without the pydantic plugin mypy knows only the alias "global",
        # a Python keyword that cannot be passed by name.
        global_=aggregate.global_importance(names, boot),  # type: ignore[call-arg]
        by_group=tuple(by_group),
        rank_shifts=aggregate.rank_shifts(by_group),
        proxy_share=aggregate.set_share(names, proxies, boot),
        sensitive_share=aggregate.set_share(names, sensitive, boot),
        local=local.examples(picks, groups, where, names, phi, base, output, X, features, decisions, scores),
        row_sample=aggregate.row_sample(names, phi, index, explained, pos, groups, X, boot.mean),
        warnings=tuple(warnings),
    )


def _short(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
