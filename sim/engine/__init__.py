"""The SimPy glue, and nothing of governance: the event queue, lean processes, GC control.

* :mod:`~sim.engine.environment` — :class:`Environment`, SimPy's with a bucketed event queue;
* :mod:`~sim.engine.processes` — :class:`LeanProcess` (no start or end event) and
  :class:`Ticker` (a source driven by timeout callbacks);
* :mod:`~sim.engine.gc` — :func:`quiet_gc`, no cyclic garbage collection during a run;
* :mod:`~sim.engine.buckets` — :func:`bucket_h_for`, the bucket width for an event rate;
* :mod:`~sim.engine.watchdog` — :func:`progress_watchdog`, a run stuck in zero time stopped.

Each speed trick keeps SimPy's order of events; tests/test_engine.py and
tests/test_engine_equivalence.py compare them with plain SimPy.
"""

from sim.engine.buckets import bucket_h_for
from sim.engine.environment import Environment
from sim.engine.gc import quiet_gc
from sim.engine.processes import LeanProcess, Ticker
from sim.engine.watchdog import SimulationStalled, progress_watchdog

__all__ = ["Environment", "LeanProcess", "SimulationStalled", "Ticker", "bucket_h_for",
           "progress_watchdog", "quiet_gc"]
