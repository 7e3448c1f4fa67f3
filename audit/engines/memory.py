"""Running out of memory is bad input for this machine, not a bug: the message says about how much memory the file
needs on the engine that ran, how much was free, and which engine to use instead.

The in-memory engine holds the whole file as a pandas frame, plus working copies while it encodes the groups and
reads the decisions and scores: about 5x the frame's own size at the peak (measured). The frame's size comes from
the Parquet footer's row count times the size of its first 2,000 rows as a frame or, for a text file, from its
size on disk.
"""

from __future__ import annotations

import os
from pathlib import Path

from audit.errors import InputError
from audit.spec import AuditSpec

_WORKING_COPIES = 5  # peak / frame of the in-memory engine (1M rows, 6 columns: 60 MB frame, 320 MB above the imports)


def frame_bytes(path: Path) -> int | None:
    """About how many bytes the file takes as a pandas frame (None: unknown). Called after a MemoryError: it reads
    only the footer and one batch."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
        if head != b"PAR1":
            return path.stat().st_size * 4  # CSV: text parsed into numbers and strings, about
        import pyarrow.parquet as pq

        file = pq.ParquetFile(path)
        rows = file.metadata.num_rows
        sample = next(file.iter_batches(batch_size=2000), None)  # a few rows as pandas holds them, scaled up
        if sample is None or sample.num_rows == 0:
            return 0
        per_row = float(sample.to_pandas().memory_usage(deep=True, index=False).sum()) / sample.num_rows
        return int(per_row * rows)
    except Exception:  # any unreadable footer: the size is unknown, the message still names the engine
        return None


def available_bytes() -> int | None:
    """Memory free for a new allocation now (Linux MemAvailable; elsewhere the free physical pages)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def gb(n: int) -> str:
    return f"{n / 2**30:.1f} GB" if n >= 2**30 else f"{max(n, 1) / 2**20:.0f} MB"


def out_of_memory(spec: AuditSpec, engine: str) -> InputError:
    """The error to raise for a MemoryError during an audit on `engine` ("numpy", "duckdb" or "spark")."""
    path = Path(spec.data_path)
    size = path.stat().st_size if path.is_file() else 0
    free = available_bytes()
    free_text = f"; {gb(free)} was free" if free is not None else ""
    if engine == "numpy":
        frame = frame_bytes(path) if size else None
        need = f"about {gb(frame * _WORKING_COPIES)} to audit it in memory" if frame else "more memory than is free"
        message = f"{path.name} ({gb(size)} on disk) did not fit in memory: the in-memory engine needs {need}{free_text}."
        if spec.model_path is None:
            hint = (
                "Audit it with --engine duckdb, which reads the file in pieces under --memory-limit (e.g. --memory-limit "
                "2GB) and gives the same results; or close other programs, or use a machine with more memory."
            )
        else:
            hint = (
                "The in-memory engine is the one that runs a model here: score the file first and audit its decisions and "
                "scores with --engine duckdb --predictions COL --scores COL, or run the model on a cluster with --engine "
                "spark; or use a machine with more memory."
            )
        return InputError(message, hint)
    return InputError(
        f"The audit of {path.name} ran out of memory in Python after the {engine} engine's statistics{free_text}: "
        "they grow with the occupied cells of the sensitive columns, not the rows.",
        "Audit fewer sensitive columns or intersections (--max-order 2), or free memory.",
    )
