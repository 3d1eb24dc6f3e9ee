"""Running scenarios: replications on common random numbers, outputs, experiments and sweeps.

* :mod:`~sim.run.runner` — replications and policy comparisons, tidy frames, output files;
* :mod:`~sim.run.output` — atomic file writes (nothing half-written);
* :mod:`~sim.run.streaming` — per-case output streamed to Parquet for runs too big to hold;
* :mod:`~sim.run.experiment` — experiment files: a scenario × swept overrides × policies;
* :mod:`~sim.run.sweep` — running an experiment resumably on any executor;
* :mod:`~sim.run.executors` — the process pool and Dask behind one interface;
* :mod:`~sim.run.warmup` — the warm-up length from a pilot run (MSER-5, Welch).
"""
