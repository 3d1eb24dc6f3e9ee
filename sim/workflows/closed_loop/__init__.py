"""The closed loop (闭环) of a work order: receive → register → dispatch → handle tier by tier
→ verify → close → evaluate, reopening when the citizen is not satisfied.

* :mod:`~sim.workflows.closed_loop.case` — :class:`Case`, the work order as a record;
* :mod:`~sim.workflows.closed_loop.loop` — the process one case walks;
* :mod:`~sim.workflows.closed_loop.metrics` — derived columns and summary metrics.
"""
