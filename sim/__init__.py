"""govsim: a discrete-event simulator of grassroots governance workflows (基层治理).

The model (:mod:`sim.model`) runs one replication of a scenario (:mod:`sim.scenario`): the
workflows it holds (:mod:`sim.workflows`, the closed loop first) under one policy combination
(:mod:`sim.policies`); the runner (:mod:`sim.run`) repeats it over seeds and writes the results;
:mod:`sim.cli` is the ``govsim`` command. docs/model.md draws the layers.
"""

__version__ = "0.1.0"
