"""What every workflow shares in one replication: the model and its run loop, the units and
their workers (teams, shifts, locations), the case log.

* :mod:`~sim.model.model` — :class:`Model`: one replication, :class:`RunResult`;
* :mod:`~sim.model.team` — :class:`Team` and :class:`Worker`: units that respect shifts;
* :mod:`~sim.model.case_log` — finished work items as numpy columns.
"""
