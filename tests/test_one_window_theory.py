"""The one-window workflow against queueing theory, with every feature off but the one tested.

* approvals in sequence: a Jackson tandem of the departments (sum of M/M/1 sojourns);
* a parallel stage of two identical exponential departments: a fork–join queue, whose mean
  response time is exact for two branches (Flatto–Hahn / Nelson–Tantawi);
* a window whose file is incomplete with probability p at every submission, the applicant
  coming back after an exponential delay: M/M/1 with Bernoulli feedback through an
  infinite-server node (Jackson with routing back).

A 24-hour, 7-day calendar makes working hours clock hours. As in tests/test_theory.py, the
mean over replications must lie within Z standard errors of theory and the SE itself must be
under MAX_REL_SE of theory (a test that cannot tell anything apart would pass vacuously).
docs/validation.md records what each catches when the workflow is broken on purpose.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from theory import Feedback, MMc, fork_join_two, tandem_sojourn

from sim.model.model import Model
from sim.scenario.scenario import Scenario

REPS = 8
Z = 4.0
MAX_REL_SE = 0.04
DAYS = 250.0
WARMUP_DAYS = 10.0


def scenario(stages: list[list[tuple[str, float]]], rate_per_h: float, policy: str,
             materials: list[dict[str, Any]] | None = None,
             check_h: float = 0.0, return_h: float = 1.0) -> Scenario:
    """Applications online, every unit always on; ``stages`` of (department, mean hours)."""
    departments = sorted({d for stage in stages for d, _ in stage})
    instant = {"dist": "deterministic", "value_h": 0.0}
    check = ({"dist": "exponential", "mean_h": check_h} if check_h > 0 else instant)
    return Scenario.model_validate({
        "version": 1, "name": "ow_theory",
        "calendar": {"start": "2025-01-06T00:00:00", "horizon_days": DAYS,
                     "warmup_days": WARMUP_DAYS, "working_hours": ["00:00-24:00"],
                     "working_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
        "organisation": {
            "streets": [{"id": "s", "team": {"size": 0}}],
            "communities": [{"id": "c", "street": "s"}],
            "grids": [{"id": "g", "community": "c", "x_km": 0, "y_km": 0}],
            "grid_workers_per_grid": 0,
            "departments": [{"id": d, "team_size": 1, "shift": "always"} for d in departments],
        },
        "services": {
            "policy": policy, "rate_per_day": rate_per_h * 24.0,
            "types": [{"id": "t", "share": 1, "promised_working_days": 5,
                       "materials": materials or [],
                       "stages": [{"steps": [{"department": d,
                                              "time": ({"dist": "exponential", "mean_h": m}
                                                       if m > 0 else instant)}
                                             for d, m in stage]} for stage in stages]}],
            "hall": {"windows": 1, "shift": "always", "check_time": check},
            "online": {"share": 0.0 if check_h > 0 else 1.0, "staff": 1, "shift": "always",
                       "check_time": instant},
            "return_delay_working_h": {"dist": "exponential", "mean_h": return_h},
        },
    })


def replicate(scn: Scenario, per_rep: Any) -> np.ndarray:
    out = []
    for k in range(REPS):
        model = Model(scn, seed=1000 + k)
        result = model.run()
        wf = model.workflow("one_window")
        columns = result.items["one_window"]
        wf.derive(columns)
        keep = ~columns["warmup"] & ~np.isnan(columns["t_done_h"])
        out.append(per_rep({k: v[keep] for k, v in columns.items()}))
    return np.array(out, dtype=float)


def check(x: np.ndarray, theory: float, what: str) -> None:
    mean, se = float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size))
    seen = f"{what}: simulated {mean:.4g} ± {se:.3g} (SE, {x.size} reps) vs theory {theory:.4g}"
    assert se < MAX_REL_SE * theory, f"{seen}: SE too wide to test"
    assert abs(mean - theory) < Z * se, f"{seen}: off by {(mean - theory) / se:+.1f} SE"


def approval_h(c: dict[str, np.ndarray]) -> float:
    """Mean time from acceptance (受理) to decision."""
    return float((c["t_done_h"] - c["t_accepted_h"]).mean())


def test_sequential_approvals_are_a_jackson_tandem() -> None:
    lam = 0.5
    scn = scenario([[("a", 1.0)], [("b", 0.8)]], lam, "one_window")
    theory = tandem_sojourn([MMc(lam, 1.0, 1), MMc(lam, 1.0 / 0.8, 1)])
    check(replicate(scn, approval_h), theory, "tandem sojourn (h)")


def test_a_parallel_stage_of_two_is_a_fork_join_queue() -> None:
    lam, mu = 0.5, 1.0
    scn = scenario([[("a", 1.0 / mu), ("b", 1.0 / mu)]], lam, "one_window+parallel")
    check(replicate(scn, approval_h), fork_join_two(lam, mu), "fork-join response (h)")


def test_incomplete_files_are_a_queue_with_feedback() -> None:
    """One material, wrong with p at every submission: visits, wait per visit and time to
    acceptance of an M/M/1 window with Bernoulli feedback through the applicant's return."""
    queue = Feedback(lam=0.7, mu=2.0, p=0.3, delay_h=2.0)
    scn = scenario([[("a", 0.0)]], queue.lam, "one_window",
                   materials=[{"id": "form", "missing_p": queue.p}],
                   check_h=1.0 / queue.mu, return_h=queue.delay_h)
    check(replicate(scn, lambda c: c["visits"].mean()), queue.visits, "visits per application")
    check(replicate(scn, lambda c: c["hall_wait_h"].sum() / c["visits"].sum()), queue.wq,
          "hall wait per visit (h)")
    check(replicate(scn, lambda c: (c["t_accepted_h"] - c["t_arrival_h"]).mean()),
          queue.sojourn, "time to acceptance (h)")


def test_the_formulas() -> None:
    """The two-branch fork–join lies between one M/M/1 and the tandem of two (sanity)."""
    lam, mu = 0.5, 1.0
    assert 1.0 / (mu - lam) < fork_join_two(lam, mu) < 2.0 / (mu - lam)
    assert fork_join_two(lam, mu) == pytest.approx(2.875)
    assert Feedback(0.7, 2.0, 0.0, 5.0).sojourn == pytest.approx(1.0 / (2.0 - 0.7))
