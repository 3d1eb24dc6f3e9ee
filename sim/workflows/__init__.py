"""Workflows: what an arrival becomes and the process it walks, one folder per workflow.

* :mod:`~sim.workflows.closed_loop` — the complaint closed loop (闭环), the first workflow.
"""
