"""The pages of the main window. Each view shows data it is given and emits requests; long work goes through a
`gui.worker.Runner`, and every call into the engine is one line into `gui.jobs`."""
