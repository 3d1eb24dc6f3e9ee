"""What every workflow shares in one replication, and the door a workflow plugs into.

* :mod:`~sim.model.model` — :class:`Model`: one replication, :class:`RunResult`;
* :mod:`~sim.model.workflow` — the :class:`Workflow` interface, its :class:`Feed`, the registry;
* :mod:`~sim.model.context` — :class:`ModelContext`, what a workflow may use of the model;
* :mod:`~sim.model.units` — the organisation at run time: teams, shifts, geography, hooks;
* :mod:`~sim.model.team` — :class:`Team` and :class:`Worker`: units that respect shifts;
* :mod:`~sim.model.case_log` — finished work items as numpy columns;
* :mod:`~sim.model.invariants` — assertions every finished run satisfies (the batteries').
"""
