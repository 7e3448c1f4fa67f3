"""Helper process for runner.py: `python _helper.py`, job on stdin, results on stdout, both as pickle frames.

Runs as a plain script (not `-m audit...`) so it imports neither the `audit` package nor shap: it starts in well under a
second. It takes batches from the back of the list while the main process takes them from the front; before each
batch it says which one it starts, so the main process stops where the two meet.
"""
import os
import pickle
import sys


def main() -> None:
    here = sys.path.pop(0)  # this folder: keep its module names (tree, local, ...) from shadowing anything
    out = os.fdopen(os.dup(1), "wb")  # the protocol gets the real stdout; stray prints from libraries go nowhere
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    import importlib.util

    spec = importlib.util.spec_from_file_location("_attest_kernels", os.path.join(here, "_kernels.py"))
    kernels = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(kernels)

    def send(message: tuple) -> None:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()

    try:
        kind, state, payloads = pickle.load(sys.stdin.buffer)
        compute = kernels.make(kind, state)
    except BaseException as exc:
        send(("error", -1, f"{type(exc).__name__}: {exc}"))
        return
    send(("ready", -1, None))
    for j in reversed(range(len(payloads))):
        send(("start", j, None))
        try:
            result = compute(payloads[j])
        except BaseException as exc:
            send(("error", j, f"{type(exc).__name__}: {exc}"))
            return
        send(("done", j, result))


if __name__ == "__main__":
    main()
