"""Randomness and its processes, knowing nothing of governance.

* :mod:`~sim.stochastic.streams` — named random streams derived from a run's seed;
* :mod:`~sim.stochastic.distributions` — named distributions (scenario fields) and samplers;
* :mod:`~sim.stochastic.arrivals` — non-homogeneous Poisson arrivals from rate profiles;
* :mod:`~sim.stochastic.estimators` — Kaplan–Meier quantiles and the Gini coefficient.
"""
