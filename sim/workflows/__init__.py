"""Workflows: what an arrival becomes and the process it walks, one folder per workflow.

* :mod:`~sim.workflows.closed_loop` — the complaint closed loop (闭环), the first workflow;
* :mod:`~sim.workflows.checks` — the battery every workflow passes.

The interface they implement is :mod:`sim.model.workflow`; docs/workflows.md is the guide.
"""
