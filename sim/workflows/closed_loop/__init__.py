"""The closed loop (闭环) of a work order: receive → register → dispatch → handle tier by tier
→ verify → close → evaluate, reopening when the citizen is not satisfied.

* :mod:`~sim.workflows.closed_loop.workflow` — :class:`ClosedLoop`, the workflow: categories,
  policies, what each arrival becomes, outputs; what policies see;
* :mod:`~sim.workflows.closed_loop.loop` — the process one case walks;
* :mod:`~sim.workflows.closed_loop.stages` — intake, work at a tier, evaluation, reopening;
* :mod:`~sim.workflows.closed_loop.case` — :class:`Case`, the work order as a record;
* :mod:`~sim.workflows.closed_loop.columns` — what the case log records, cases.parquet;
* :mod:`~sim.workflows.closed_loop.metrics` — derived columns and summary metrics.

Its part of a scenario file is the top level (:mod:`sim.scenario.closed_loop`); its policies
are :mod:`sim.policies`.
"""
