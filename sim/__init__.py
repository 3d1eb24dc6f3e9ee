"""govsim: a discrete-event simulator of grassroots governance workflows (基层治理).

The model (``sim.model``) runs one replication of a scenario (``sim.scenario``) under one policy
combination (``sim.policies``); the runner (``sim.runner``) repeats it over seeds and writes the
results; ``sim.cli`` is the ``govsim`` command.
"""

__version__ = "0.1.0"
