"""govsim against queueing theory: M/M/c (Erlang C), M/G/1 and M/D/1 (Pollaczek–Khinchine) and
a two-station tandem line (Jackson network), run through the real model and metrics.

Every statistical comparison averages a per-replication estimate over ``REPS`` independent
replications and accepts when ``|mean − theory| < Z · SE`` (SE = between-replication standard
error). A second assertion requires the SE itself to be small (``SE < MAX_REL_SE · theory``), so
a test cannot pass merely because the runs are too short to tell anything apart. The measured
numbers and what these tests catch when the model is broken on purpose are in
docs/validation.md.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from theory import ErlangA, MMc, pk_wq, tandem_sojourn

import sim.model.units
from sim.run.runner import Replication, resolve_policy, run_one
from sim.scenario.loader import load_scenario
from sim.stochastic.distributions import Deterministic, Lognormal

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
ROOT_SEED = 2025
REPS = 10
Z = 4.0
MAX_REL_SE = 0.05

MMC = SCENARIOS / "validation" / "mmc.yaml"
MG1 = SCENARIOS / "validation" / "mg1.yaml"
TANDEM = SCENARIOS / "validation" / "tandem.yaml"
ERLANG_A = SCENARIOS / "validation" / "erlang_a.yaml"


@dataclass(frozen=True, eq=False)
class Setup:
    """One validation experiment: a scenario file, overrides and the run length."""

    path: Path
    overrides: tuple[tuple[str, object], ...] = ()
    days: float | None = None
    reps: int = REPS
    trace: bool = False

    def scenario(self):
        return load_scenario(self.path, dict(self.overrides))


def mmc_overrides(c: int, lam_per_h: float) -> tuple[tuple[str, object], ...]:
    return (("organisation.departments[0].team_size", c),
            ("arrivals.channels[0].rate_per_day", lam_per_h * 24.0))


# loads: the file's default (c=5, ρ=0.8) and a light load (c=3, ρ=0.5)
MMC_HIGH = Setup(MMC, mmc_overrides(5, 4.0), days=400)
MMC_LOW = Setup(MMC, mmc_overrides(3, 1.5), days=300)
MG1_LOGNORMAL = Setup(MG1, days=1200)
DETERMINISTIC_1H = {"dist": "deterministic", "value_h": 1.0}
MD1 = Setup(MG1, (("categories[0].handling.department", DETERMINISTIC_1H),), days=300)
TANDEM_LINE = Setup(TANDEM, days=300, trace=True)

THEORY = {
    MMC_HIGH: MMc(lam=4.0, mu=1.0, c=5),
    MMC_LOW: MMc(lam=1.5, mu=1.0, c=3),
}


def check(samples: np.ndarray | pd.Series, theory: float, what: str, z: float = Z,
          max_rel_se: float = MAX_REL_SE) -> tuple[float, float]:
    """Assert the replication mean matches ``theory`` within ``z`` standard errors.

    Returns (mean, SE) so callers can report them.
    """
    x = np.asarray(samples, dtype=float)
    assert np.isfinite(x).all(), f"{what}: non-finite replication estimates {x}"
    mean = float(x.mean())
    se = float(x.std(ddof=1) / math.sqrt(x.size))
    seen = f"simulated {mean:.4g} ± {se:.3g} (SE, {x.size} reps) vs theory {theory:.4g}"
    assert se < max_rel_se * abs(theory), (
        f"{what}: {seen}; the SE is {se / abs(theory):.1%} of theory (> {max_rel_se:.0%}): "
        "either the runs are too short to test anything or the queue is unstable")
    off = "all replications equal" if se == 0.0 else f"off by {(mean - theory) / se:+.1f} SE"
    assert abs(mean - theory) < z * se, (
        f"{what}: {seen}: {off} ({(mean - theory) / theory:+.1%})")
    return mean, se


def _post_warmup(rep: Replication) -> pd.DataFrame:
    c = rep.cases
    return c[~c["warmup"].to_numpy(dtype=bool) & c["t_closed_h"].notna().to_numpy()]


def single_station_stats(rep: Replication, queue: MMc | None = None) -> dict[str, float]:
    """Per-replication estimates for a one-station queue (the department team)."""
    cases = _post_warmup(rep)
    wait = cases["wait_h"].to_numpy()
    res = rep.resources
    dept = res[res["unit_kind"] == "department"]
    out = {
        "wq": rep.summary["mean_wait_h"],
        "w": rep.summary["mean_resolution_h"],
        "util": rep.summary["mean_utilization"],
        "util_resources": float(dept["busy_h"].sum() / dept["available_h"].sum()),
        "p_wait": float(np.mean(wait > 0.0)),
    }
    if queue is not None:
        # FCFS tail P(Wq > t) at one and two mean "drain times" 1/(cμ − λ)
        t1 = 1.0 / (queue.c * queue.mu - queue.lam)
        out["tail_1"] = float(np.mean(wait > t1))
        out["tail_2"] = float(np.mean(wait > 2.0 * t1))
    return out


def tandem_stats(rep: Replication) -> dict[str, float]:
    """Per-station estimates for hotline operators → department team.

    The hotline wait of a case is the start of its operator's traced busy period minus the
    contact time; the busy period is found by its end, which is the case's dispatch time (no
    registration, no dispatch desk in this scenario).
    """
    cases = _post_warmup(rep)
    trace = rep.summary["_trace"]
    talk_start = {end: start for worker, _n, start, end in trace if worker.startswith("hotline")}
    arrival = cases["t_arrival_h"].to_numpy()
    dispatched = cases["t_dispatched_h"].to_numpy()
    handled = cases["t_handled_h"].to_numpy()
    unmatched = [t for t in dispatched.tolist() if t not in talk_start]
    assert not unmatched, (
        f"{len(unmatched)} cases were dispatched at a time no operator finished a call "
        f"(first: {unmatched[0]:.6g} h): the operator must hold the call until it is an order")
    started = np.array([talk_start[t] for t in dispatched.tolist()])
    hotline_wait = started - arrival
    res = rep.resources
    hot = res[res["unit_kind"] == "hotline"]
    dept = res[res["unit_kind"] == "department"]
    return {
        "wq1": float(hotline_wait.mean()),
        "p_wait1": float(np.mean(hotline_wait > 0.0)),
        "w1": float(np.mean(dispatched - arrival)),
        "wq2": float(cases["wait_h"].mean()),
        "p_wait2": float(np.mean(cases["wait_h"].to_numpy() > 0.0)),
        "w2": float(np.mean(handled - dispatched)),
        "w": rep.summary["mean_resolution_h"],
        "util1": float(hot["busy_h"].sum() / hot["available_h"].sum()),
        "util2": float(dept["busy_h"].sum() / dept["available_h"].sum()),
    }


def call_centre_stats(rep: Replication, warmup_h: float) -> dict[str, float]:
    """Per-replication estimates of a call centre from its contact log (after the warm-up,
    callers still waiting at the end left out) and its summary."""
    c = rep.tables["contacts"]
    c = c[(c["t_arrival_h"] >= warmup_h) & (c["answered"] | c["abandoned"])]
    wait = c["wait_h"].to_numpy()
    answered = c["answered"].to_numpy()
    return {
        "p_wait": float(np.mean(wait > 0.0)),
        "p_abandon": float(c["abandoned"].mean()),
        "wq_served": float(wait[answered].mean()),
        "wq_all": float(wait.mean()),
        "abandonment_rate": rep.summary["abandonment_rate"],
        "occupancy": rep.summary["operator_occupancy"],
    }


@functools.cache
def replicate(setup: Setup) -> pd.DataFrame:
    """One row of estimates per replication (cached: several tests share the runs)."""
    scn = setup.scenario()
    policy = resolve_policy(scn, None)
    rows = []
    for k in range(setup.reps):
        rep = run_one(scn, policy, k, ROOT_SEED, days=setup.days, trace=setup.trace)
        if setup.path == TANDEM:
            rows.append(tandem_stats(rep))
        elif setup.path == ERLANG_A:
            rows.append(call_centre_stats(rep, scn.calendar.warmup_days * 24.0))
        else:
            rows.append(single_station_stats(rep, THEORY.get(setup)))
    return pd.DataFrame(rows)


# -- M/M/c -------------------------------------------------------------------------------------
MMC_CASES = [pytest.param(MMC_HIGH, id="c5-rho0.8"), pytest.param(MMC_LOW, id="c3-rho0.5")]


@pytest.mark.parametrize("setup", MMC_CASES)
def test_mmc_mean_wait_is_erlang_c(setup: Setup) -> None:
    q = THEORY[setup]
    check(replicate(setup)["wq"], q.wq, f"M/M/{q.c} Wq")


@pytest.mark.parametrize("setup", MMC_CASES)
def test_mmc_probability_of_waiting_is_erlang_c(setup: Setup) -> None:
    q = THEORY[setup]
    check(replicate(setup)["p_wait"], q.p_wait, f"M/M/{q.c} P(wait)")


@pytest.mark.parametrize("setup", MMC_CASES)
def test_mmc_sojourn(setup: Setup) -> None:
    q = THEORY[setup]
    check(replicate(setup)["w"], q.w, f"M/M/{q.c} W")


@pytest.mark.parametrize("setup", MMC_CASES)
def test_mmc_utilisation_is_rho(setup: Setup) -> None:
    q = THEORY[setup]
    check(replicate(setup)["util"], q.rho, f"M/M/{q.c} utilisation (summary)")
    check(replicate(setup)["util_resources"], q.rho, f"M/M/{q.c} utilisation (resources)")


@pytest.mark.parametrize("setup", MMC_CASES)
def test_mmc_waiting_time_tail_is_fcfs(setup: Setup) -> None:
    """P(Wq > t) = C·exp(−(cμ − λ)t) holds for FCFS only: mean waits cannot tell FCFS from LIFO
    (both are work-conserving), the tail can."""
    q = THEORY[setup]
    t1 = 1.0 / (q.c * q.mu - q.lam)
    df = replicate(setup)
    check(df["tail_1"], q.p_wait_longer(t1), f"M/M/{q.c} P(Wq > {t1:g} h)", max_rel_se=0.06)
    check(df["tail_2"], q.p_wait_longer(2 * t1), f"M/M/{q.c} P(Wq > {2 * t1:g} h)",
          max_rel_se=0.10)


# -- shifts that are always on, written as back-to-back windows ------------------------------
SPLIT_SHIFTS = [
    pytest.param(["00:00-13:30", "13:30-24:00"], id="two-day-windows"),
    pytest.param(["06:00-22:00", "22:00-06:00"], id="day-and-overnight"),
]


@pytest.mark.parametrize("windows", SPLIT_SHIFTS)
def test_back_to_back_windows_equal_always(windows: list[str], same_frames) -> None:
    """A shift pattern covering the whole day in two windows is the 'always' shift: same
    on-intervals, and bit-for-bit the same cases as the M/M/c run on 'always'."""
    base = dict(mmc_overrides(5, 4.0))
    always = load_scenario(MMC, base)
    split = load_scenario(MMC, {**base, "shifts": {"split": {"windows": windows, "days": "all"}},
                                "organisation.departments[0].shift": "split"})
    a = run_one(always, resolve_policy(always, None), 0, ROOT_SEED, days=30)
    b = run_one(split, resolve_policy(split, None), 0, ROOT_SEED, days=30)
    assert same_frames(a.cases, b.cases)
    assert a.summary["mean_wait_h"] == b.summary["mean_wait_h"]


def _split_at_every(hours: float, made: list[np.ndarray]):
    """A stand-in for sim.calendar.on_intervals that cuts every on-interval at multiples of
    ``hours``: the same on-time, expressed as back-to-back intervals [0,12], [12,24], …
    (appended to ``made``)."""
    real = sim.model.units.on_intervals

    def on_intervals(*args, **kwargs):
        merged = real(*args, **kwargs)
        pieces = []
        for start_h, end_h in merged.tolist():
            cuts = np.arange(math.floor(start_h / hours) + 1, math.ceil(end_h / hours)) * hours
            edges = [start_h, *cuts.tolist(), end_h]
            pieces.extend(itertools.pairwise(edges))
        made.append(np.array(pieces, dtype=float).reshape(-1, 2))
        return made[-1]

    return on_intervals


def test_team_with_back_to_back_intervals_equals_always(monkeypatch, same_frames) -> None:
    """Teams receive on-intervals as an array; two touching intervals must behave as one."""
    base = load_scenario(MMC, dict(mmc_overrides(3, 1.5)))
    always = run_one(base, resolve_policy(base, None), 0, ROOT_SEED, days=20)
    made: list[np.ndarray] = []
    monkeypatch.setattr(sim.model.units, "on_intervals", _split_at_every(12.0, made))
    split = run_one(base, resolve_policy(base, None), 0, ROOT_SEED, days=20)
    assert [len(iv) for iv in made] == [40]  # the team was given 40 touching intervals
    open_always = int(always.cases["t_closed_h"].isna().sum())
    open_split = int(split.cases["t_closed_h"].isna().sum())
    assert open_split == open_always, (
        f"{open_split} cases open at the end with back-to-back intervals, {open_always} with one")
    assert same_frames(always.cases, split.cases)


# -- M/G/1 ---------------------------------------------------------------------------------
def _mg1_theory(setup: Setup) -> tuple[float, float, float]:
    scn = setup.scenario()
    lam = scn.arrivals.channels[0].rate_per_day / 24.0
    service = scn.categories[0].handling["department"]
    return lam, pk_wq(lam, service), service.mean()


@pytest.mark.parametrize("setup,kind", [pytest.param(MG1_LOGNORMAL, Lognormal, id="lognormal"),
                                        pytest.param(MD1, Deterministic, id="deterministic")])
def test_mg1_pollaczek_khinchine(setup: Setup, kind: type) -> None:
    scn = setup.scenario()
    assert isinstance(scn.categories[0].handling["department"], kind)
    lam, wq, es = _mg1_theory(setup)
    df = replicate(setup)
    name = f"M/G/1 ({kind.__name__})"
    check(df["wq"], wq, f"{name} Wq")
    check(df["w"], wq + es, f"{name} W")
    check(df["util"], lam * es, f"{name} utilisation")
    # PASTA: an arrival finds the single server busy with probability ρ
    check(df["p_wait"], lam * es, f"{name} P(wait)")


def test_mg1_theory_values() -> None:
    """The numbers the M/G/1 tests compare with, worked by hand: ρ = 0.7, E[S] = 1 h."""
    assert _mg1_theory(MG1_LOGNORMAL)[1] == pytest.approx(0.7 * (1 + 1.5**2) / (2 * 0.3))
    assert _mg1_theory(MD1)[1] == pytest.approx(0.7 / (2 * 0.3))


# -- tandem (Jackson) --------------------------------------------------------------------------
def _tandem_theory() -> tuple[MMc, MMc]:
    scn = TANDEM_LINE.scenario()
    lam = scn.arrivals.channels[0].rate_per_day / 24.0
    org = scn.organisation
    talk = org.hotline.talk_time
    handling = scn.categories[0].handling["department"]
    assert talk.dist == handling.dist == "exponential"
    return (MMc(lam, 1.0 / talk.mean(), org.hotline.operators),
            MMc(lam, 1.0 / handling.mean(), org.departments[0].team_size))


@pytest.mark.parametrize("station", [1, 2])
def test_tandem_station_waits(station: int) -> None:
    q = _tandem_theory()[station - 1]
    df = replicate(TANDEM_LINE)
    check(df[f"wq{station}"], q.wq, f"tandem station {station} (M/M/{q.c}) Wq")
    check(df[f"w{station}"], q.w, f"tandem station {station} (M/M/{q.c}) W")
    check(df[f"p_wait{station}"], q.p_wait, f"tandem station {station} P(wait)")
    check(df[f"util{station}"], q.rho, f"tandem station {station} utilisation")


def test_tandem_total_sojourn_is_sum_of_stations() -> None:
    stations = list(_tandem_theory())
    check(replicate(TANDEM_LINE)["w"], tandem_sojourn(stations), "tandem total sojourn")


# -- Erlang A (M/M/c+M) ---------------------------------------------------------------------
def erlang_a_setup(lam_per_h: float, c: int, patience_h: float, days: float) -> Setup:
    return Setup(ERLANG_A, (("arrivals.channels[0].rate_per_day", lam_per_h * 24.0),
                            ("organisation.hotline.operators", c),
                            ("organisation.hotline.callers.patience",
                             {"dist": "exponential", "mean_h": patience_h})), days=days)


# the file (offered load = c, stable only through hang-ups) and a lighter, patient centre
ERLANG_A_FULL = erlang_a_setup(5.0, 5, 2.0, 150)
ERLANG_A_LIGHT = erlang_a_setup(8.0, 10, 0.5, 150)
# patience → ∞ (a mean of 10⁶ h): the hang-up timers run, nobody reaches them: Erlang C
ERLANG_A_PATIENT = erlang_a_setup(4.0, 5, 1e6, 300)


def _erlang_a_theory(setup: Setup) -> ErlangA:
    scn = setup.scenario()
    hot = scn.organisation.hotline
    assert hot.talk_time.dist == hot.callers.patience.dist == "exponential"
    return ErlangA(lam=scn.arrivals.channels[0].rate_per_day / 24.0, mu=1.0 / hot.talk_time.mean(),
                   c=hot.operators, theta=1.0 / hot.callers.patience.mean())


@pytest.mark.parametrize("setup", [pytest.param(ERLANG_A_FULL, id="c5-a5-patience2h"),
                                   pytest.param(ERLANG_A_LIGHT, id="c10-a8-patience0.5h")])
def test_call_centre_is_erlang_a(setup: Setup) -> None:
    q = _erlang_a_theory(setup)
    df = replicate(setup)
    name = f"M/M/{q.c}+M (λ={q.lam:g}, θ={q.theta:g})"
    check(df["p_wait"], q.p_wait, f"{name} P(wait)")
    check(df["p_abandon"], q.p_abandon, f"{name} P(abandon)")
    check(df["abandonment_rate"], q.p_abandon, f"{name} summary abandonment_rate")
    check(df["wq_served"], q.wq_served, f"{name} mean wait of the served")
    check(df["wq_all"], q.wq_all, f"{name} mean time in line (Little)")
    # carried load: the answered calls' talk over the operators' hours
    check(df["occupancy"], q.lam * (1.0 - q.p_abandon) / (q.c * q.mu), f"{name} occupancy")


def test_call_centre_with_endless_patience_is_erlang_c() -> None:
    df = replicate(ERLANG_A_PATIENT)
    q = MMc(lam=4.0, mu=1.0, c=5)
    check(df["p_wait"], q.p_wait, "M/M/5+M, patience 10⁶ h: P(wait) = Erlang C")
    check(df["wq_served"], q.wq, "M/M/5+M, patience 10⁶ h: Wq = Erlang C")
    assert df["p_abandon"].max() < 1e-3


def test_erlang_a_chain_against_erlang_c_and_itself() -> None:
    # θ → 0: Erlang C (λ < cμ)
    for c, a in [(1, 0.5), (5, 4.0), (12, 11.0)]:
        q, e = ErlangA(lam=a, mu=1.0, c=c, theta=1e-10), MMc(lam=a, mu=1.0, c=c)
        assert q.p_wait == pytest.approx(e.p_wait, rel=1e-6)
        assert q.wq_served == pytest.approx(e.wq, rel=1e-6)
        assert q.p_abandon == pytest.approx(0.0, abs=1e-8)
    # P(abandon) two ways: hang-up rate θ·Lq / λ, and over arrivals by the callers ahead
    for lam, c, theta in [(5.0, 5, 0.5), (8.0, 10, 2.0), (30.0, 20, 0.2)]:
        q = ErlangA(lam=lam, mu=1.0, c=c, theta=theta)
        assert q.p_abandon == pytest.approx(q.p_abandon_by_path, rel=1e-9)
        assert 0.0 < q.p_abandon < 1.0
    # one server, θ = μ: the chain is M/M/∞-like: deaths n·μ, so P(n) is Poisson(λ/μ)
    q = ErlangA(lam=2.0, mu=1.0, c=1, theta=1.0)
    assert q.p_wait == pytest.approx(1.0 - math.exp(-2.0), rel=1e-9)
    assert q.lq == pytest.approx(2.0 - (1.0 - math.exp(-2.0)), rel=1e-9)


# -- long runs, tighter (pytest -m slow) ------------------------------------------------------
MMC_LONG = Setup(MMC, mmc_overrides(5, 4.0), days=1500, reps=20)
MG1_LONG = Setup(MG1, days=2500, reps=20)
THEORY[MMC_LONG] = THEORY[MMC_HIGH]


@pytest.mark.slow
def test_mmc_long_run_tight() -> None:
    q = THEORY[MMC_LONG]
    df = replicate(MMC_LONG)
    check(df["wq"], q.wq, "M/M/5 Wq (long)", max_rel_se=0.02)
    check(df["p_wait"], q.p_wait, "M/M/5 P(wait) (long)", max_rel_se=0.005)
    check(df["tail_1"], q.p_wait_longer(1.0), "M/M/5 P(Wq > 1 h) (long)", max_rel_se=0.02)
    check(df["util"], q.rho, "M/M/5 utilisation (long)", max_rel_se=0.002)


@pytest.mark.slow
def test_mg1_lognormal_long_run_tight() -> None:
    _, wq, es = _mg1_theory(MG1_LONG)
    df = replicate(MG1_LONG)
    check(df["wq"], wq, "M/G/1 lognormal Wq (long)", max_rel_se=0.025)
    check(df["w"], wq + es, "M/G/1 lognormal W (long)", max_rel_se=0.02)


# -- the formulas themselves -------------------------------------------------------------------
def test_erlang_c_textbook_values() -> None:
    # M/M/1: P(wait) = ρ, Wq = ρ / (μ − λ)
    q = MMc(lam=0.5, mu=1.0, c=1)
    assert q.p_wait == pytest.approx(0.5)
    assert q.wq == pytest.approx(1.0)
    # M/M/2 with a = 1 erlang: P0 = 1/3, P(wait) = 1/3, Lq = 1/3, Wq = 1/3 (Gross & Harris)
    q = MMc(lam=1.0, mu=1.0, c=2)
    assert q.p_wait == pytest.approx(1 / 3)
    assert q.wq == pytest.approx(1 / 3)
    # the default validation queue: c = 5, a = 4 → B = 0.19907, C = 0.55411
    q = MMc(lam=4.0, mu=1.0, c=5)
    assert q.p_wait == pytest.approx(0.554113, abs=1e-6)
    assert q.w == pytest.approx(1.554113, abs=1e-6)


def test_erlang_b_table_value() -> None:
    # Erlang B tables: 10 trunks offered 5 erlangs block 1.8385 % of calls
    from theory import erlang_b

    assert erlang_b(10, 5.0) == pytest.approx(0.018385, abs=2e-6)


@pytest.mark.parametrize("c,a", [(1, 0.3), (2, 1.7), (5, 4.0), (7, 3.2), (12, 11.0), (40, 36.0)])
def test_erlang_c_against_birth_death_chain(c: int, a: float) -> None:
    from theory import birth_death_mmc

    q = MMc(lam=a, mu=1.0, c=c)
    p_wait, lq = birth_death_mmc(q.lam, q.mu, q.c)
    assert q.p_wait == pytest.approx(p_wait, rel=1e-9)
    assert q.lq == pytest.approx(lq, rel=1e-9)
    # the FCFS tail integrates to the mean wait
    assert q.wq == pytest.approx(q.p_wait / (q.c * q.mu - q.lam))


def test_pollaczek_khinchine_reduces_to_known_cases() -> None:
    from sim.stochastic.distributions import Exponential

    lam = 0.6
    # exponential service: P-K equals M/M/1
    assert pk_wq(lam, Exponential(mean_h=1.0)) == pytest.approx(MMc(lam, 1.0, 1).wq)
    # M/D/1: Wq = ρ / (2 μ (1 − ρ))
    assert pk_wq(lam, Deterministic(value_h=1.0)) == pytest.approx(0.6 / (2 * 0.4))
    # lognormal with cv 1: same first two moments as the exponential, same P-K wait
    assert pk_wq(lam, Lognormal(mean_h=1.0, cv=1.0)) == pytest.approx(MMc(lam, 1.0, 1).wq)
    with pytest.raises(ValueError, match="unstable"):
        pk_wq(1.0, Deterministic(value_h=1.0))


def test_tandem_sojourn_is_sum() -> None:
    s1, s2 = MMc(1.5, 1 / 1.5, 3), MMc(1.5, 1.0, 2)
    assert tandem_sojourn([s1, s2]) == pytest.approx(s1.w + s2.w)
    assert s1.rho == pytest.approx(0.75) and s2.rho == pytest.approx(0.75)
    with pytest.raises(ValueError):
        tandem_sojourn([MMc(1.0, 2.0, 1), MMc(0.5, 2.0, 1)])


def validation_table(slow: bool = False) -> pd.DataFrame:
    """Every comparison of this file as rows (quantity, theory, simulated mean, SE), for
    docs/validation.md: ``python tests/test_theory.py [--slow]``."""
    rows = []

    def add(name: str, samples: pd.Series, theory: float) -> None:
        x = samples.to_numpy(dtype=float)
        mean, se = float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size))
        rows.append({"quantity": name, "theory": theory, "simulated": mean, "se": se,
                     "rel_se": se / theory, "z": (mean - theory) / se if se else math.nan,
                     "reps": x.size})

    for setup, label in [(MMC_HIGH, "M/M/5 rho=0.8"), (MMC_LOW, "M/M/3 rho=0.5")]:
        q, df = THEORY[setup], replicate(setup)
        t1 = 1.0 / (q.c * q.mu - q.lam)
        add(f"{label} Wq", df["wq"], q.wq)
        add(f"{label} P(wait)", df["p_wait"], q.p_wait)
        add(f"{label} W", df["w"], q.w)
        add(f"{label} utilisation", df["util"], q.rho)
        add(f"{label} P(Wq > {t1:.3g} h)", df["tail_1"], q.p_wait_longer(t1))
        add(f"{label} P(Wq > {2 * t1:.3g} h)", df["tail_2"], q.p_wait_longer(2 * t1))
    for setup, label in [(MG1_LOGNORMAL, "M/G/1 lognormal cv1.5"), (MD1, "M/D/1")]:
        lam, wq, es = _mg1_theory(setup)
        df = replicate(setup)
        add(f"{label} Wq", df["wq"], wq)
        add(f"{label} W", df["w"], wq + es)
        add(f"{label} utilisation", df["util"], lam * es)
        add(f"{label} P(wait)", df["p_wait"], lam * es)
    s1, s2 = _tandem_theory()
    df = replicate(TANDEM_LINE)
    for k, q in ((1, s1), (2, s2)):
        add(f"tandem station {k} Wq", df[f"wq{k}"], q.wq)
        add(f"tandem station {k} W", df[f"w{k}"], q.w)
        add(f"tandem station {k} P(wait)", df[f"p_wait{k}"], q.p_wait)
        add(f"tandem station {k} utilisation", df[f"util{k}"], q.rho)
    add("tandem total sojourn", df["w"], tandem_sojourn([s1, s2]))
    if slow:
        q, df = THEORY[MMC_LONG], replicate(MMC_LONG)
        add("M/M/5 long Wq", df["wq"], q.wq)
        add("M/M/5 long P(wait)", df["p_wait"], q.p_wait)
        add("M/M/5 long P(Wq > 1 h)", df["tail_1"], q.p_wait_longer(1.0))
        add("M/M/5 long utilisation", df["util"], q.rho)
        _, wq, es = _mg1_theory(MG1_LONG)
        df = replicate(MG1_LONG)
        add("M/G/1 lognormal long Wq", df["wq"], wq)
        add("M/G/1 lognormal long W", df["w"], wq + es)
    return pd.DataFrame(rows)


if __name__ == "__main__":
    import sys

    table = validation_table(slow="--slow" in sys.argv)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
