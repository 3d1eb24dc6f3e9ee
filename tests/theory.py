"""Exact queueing formulas the validation tests compare govsim with (no simulation here).

* M/M/c: Erlang C probability of waiting, mean wait ``Wq``, waiting-time tail, sojourn ``W``;
* M/G/1: Pollaczek–Khinchine mean wait from the service distribution's mean and variance;
* M/M/c+M (Erlang A): a call centre whose waiting callers hang up after an exponential
  patience, exactly from its birth–death chain (P(wait), P(abandon), mean wait of the served);
* tandem of M/M/c stations fed by Poisson arrivals (a Jackson network): by Burke's theorem each
  station sees Poisson(λ) arrivals, so the mean sojourn is the sum of the stations' sojourns.

Rates are per hour and times are hours, as everywhere in govsim. Formulas follow Gross & Harris,
*Fundamentals of Queueing Theory* (M/M/c §2.3, M/G/1 §5.1, Jackson networks §4.2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol


class _HasMoments(Protocol):
    def mean(self) -> float: ...

    def variance(self) -> float: ...


def erlang_b(c: int, offered_load: float) -> float:
    """Erlang B blocking probability for ``c`` servers and offered load ``a = λ/μ`` (erlangs).

    Uses the stable recursion ``B(k) = a B(k−1) / (k + a B(k−1))``, ``B(0) = 1``.
    """
    if c < 0 or offered_load < 0:
        raise ValueError("c and the offered load must be non-negative")
    b = 1.0
    for k in range(1, c + 1):
        b = offered_load * b / (k + offered_load * b)
    return b


def erlang_c(c: int, offered_load: float) -> float:
    """Erlang C: probability that an arrival to an M/M/c queue has to wait (needs a < c)."""
    if c < 1:
        raise ValueError("an M/M/c queue needs at least one server")
    rho = offered_load / c
    if not rho < 1.0:
        raise ValueError(f"unstable queue: a/c = {rho:g} >= 1")
    b = erlang_b(c, offered_load)
    return b / (1.0 - rho * (1.0 - b))


@dataclass(frozen=True)
class MMc:
    """Steady-state M/M/c results (arrival rate ``lam`` and service rate ``mu`` per hour)."""

    lam: float
    mu: float
    c: int

    @property
    def offered_load(self) -> float:
        return self.lam / self.mu

    @property
    def rho(self) -> float:
        """Server utilisation λ / (cμ)."""
        return self.lam / (self.c * self.mu)

    @property
    def p_wait(self) -> float:
        """Erlang C probability of waiting."""
        return erlang_c(self.c, self.offered_load)

    @property
    def wq(self) -> float:
        """Mean wait in queue: C / (cμ − λ)."""
        return self.p_wait / (self.c * self.mu - self.lam)

    @property
    def w(self) -> float:
        """Mean sojourn (wait + service)."""
        return self.wq + 1.0 / self.mu

    @property
    def lq(self) -> float:
        """Mean number waiting (Little: λ Wq)."""
        return self.lam * self.wq

    def p_wait_longer(self, t_h: float) -> float:
        """FCFS waiting-time tail P(Wq > t) = C · exp(−(cμ − λ) t)."""
        return self.p_wait * math.exp(-(self.c * self.mu - self.lam) * t_h)

    @property
    def wq_second_moment(self) -> float:
        """E[Wq²] under FCFS: 2 C / (cμ − λ)²."""
        return 2.0 * self.p_wait / (self.c * self.mu - self.lam) ** 2


def pk_wq(lam: float, service: _HasMoments) -> float:
    """Pollaczek–Khinchine mean wait of an M/G/1 queue: λ E[S²] / (2 (1 − ρ))."""
    mean = service.mean()
    second = service.variance() + mean * mean
    rho = lam * mean
    if not rho < 1.0:
        raise ValueError(f"unstable queue: rho = {rho:g} >= 1")
    return lam * second / (2.0 * (1.0 - rho))


def pk_w(lam: float, service: _HasMoments) -> float:
    """M/G/1 mean sojourn: P-K wait plus the mean service time."""
    return pk_wq(lam, service) + service.mean()


def tandem_sojourn(stations: list[MMc]) -> float:
    """Mean sojourn through M/M/c stations in series (Jackson network, Burke's theorem)."""
    lams = {s.lam for s in stations}
    if len(lams) != 1:
        raise ValueError("a tandem line has the same arrival rate at every station")
    return sum(s.w for s in stations)


def birth_death_mmc(lam: float, mu: float, c: int, n_max: int = 4000) -> tuple[float, float]:
    """Brute-force check: (P(wait), Lq) from the truncated birth–death chain of an M/M/c queue.

    Independent of the closed forms above (used by the unit tests of this module).
    """
    log_p = [0.0]
    for n in range(1, n_max + 1):
        log_p.append(log_p[-1] + math.log(lam / (mu * min(n, c))))
    top = max(log_p)
    p = [math.exp(v - top) for v in log_p]
    total = math.fsum(p)
    p = [v / total for v in p]
    p_wait = math.fsum(p[c:])
    lq = math.fsum((n - c) * p[n] for n in range(c, n_max + 1))
    return p_wait, lq


def fork_join_two(lam: float, mu: float) -> float:
    """Mean response time of a two-branch fork–join queue of identical exponential M/M/1
    servers (every job splits into one task per server and leaves when both are done):
    E[T] = (12 − ρ)/8 · 1/(μ − λ), exact (Flatto & Hahn 1984; Nelson & Tantawi 1988)."""
    rho = lam / mu
    if not rho < 1.0:
        raise ValueError(f"unstable queue: rho = {rho:g} >= 1")
    return (12.0 - rho) / 8.0 / (mu - lam)


@dataclass(frozen=True)
class Feedback:
    """An M/M/1 station with Bernoulli feedback through an infinite-server delay (a Jackson
    network with routing back): after each service a job returns with probability ``p`` after
    a delay of mean ``delay_h``. Traffic equation λe = λ/(1 − p); the station is M/M/1 at λe."""

    lam: float
    mu: float
    p: float
    delay_h: float

    @property
    def lam_eff(self) -> float:
        return self.lam / (1.0 - self.p)

    @property
    def visits(self) -> float:
        """Mean number of services per job, 1/(1 − p)."""
        return 1.0 / (1.0 - self.p)

    @property
    def wq(self) -> float:
        """Mean wait per visit: λe / (μ (μ − λe))."""
        lam = self.lam_eff
        if not lam < self.mu:
            raise ValueError("unstable station")
        return lam / (self.mu * (self.mu - lam))

    @property
    def sojourn(self) -> float:
        """Mean time from arrival to leaving: visits × 1/(μ − λe) + returns × delay."""
        return self.visits / (self.mu - self.lam_eff) + (self.visits - 1.0) * self.delay_h


@dataclass(frozen=True)
class ErlangA:
    """M/M/c+M (Erlang A, Palm's queue with impatience), exact from its birth–death chain.

    States n = callers in the system; births λ, deaths ``min(n, c) μ + max(n − c, 0) θ``
    (service, and every waiting caller hanging up at rate θ). Truncated where the stationary
    mass is negligible. ``theta`` → 0 is Erlang C (when ``λ < c μ``).
    """

    lam: float
    mu: float
    c: int
    theta: float
    n_max: int = 4000

    def _p(self) -> list[float]:
        log_p = [0.0]
        for n in range(1, self.n_max + 1):
            death = min(n, self.c) * self.mu + max(n - self.c, 0) * self.theta
            log_p.append(log_p[-1] + math.log(self.lam / death))
        top = max(log_p)
        p = [math.exp(v - top) for v in log_p]
        total = math.fsum(p)
        return [v / total for v in p]

    @property
    def p_wait(self) -> float:
        """P(an arrival waits) = P(n ≥ c) by PASTA."""
        return math.fsum(self._p()[self.c:])

    @property
    def lq(self) -> float:
        p = self._p()
        return math.fsum((n - self.c) * p[n] for n in range(self.c, self.n_max + 1))

    @property
    def p_abandon(self) -> float:
        """Rate of hang-ups θ·Lq over the arrival rate."""
        return self.theta * self.lq / self.lam

    def _served_from(self) -> tuple[list[float], list[float]]:
        """For an arrival with k callers ahead: P(served) and E[wait · 1{served}].

        With k ahead the line moves at c μ + k θ, the caller leaves at θ; the sojourn in each
        state is exponential with the total rate whatever happens next, so the wait of a
        served caller is the sum of the sojourns k, k − 1, …, 0."""
        served, wait = [], []
        p_s, t = 1.0, 0.0
        for k in range(self.n_max - self.c + 1):
            rate = self.c * self.mu + k * self.theta + self.theta
            p_s_k = (self.c * self.mu + k * self.theta) / rate
            # reached from k: first pass k (sojourn 1/rate), then the path from k − 1
            p_s, t = p_s_k * p_s, t + 1.0 / rate
            served.append(p_s)
            wait.append(p_s * t)
        return served, wait

    @property
    def p_abandon_by_path(self) -> float:
        """P(abandon) the second way: over arrivals, 1 − P(served | callers ahead)."""
        p = self._p()
        served, _ = self._served_from()
        return math.fsum(p[self.c + k] * (1.0 - served[k]) for k in range(len(served)))

    @property
    def wq_served(self) -> float:
        """Mean wait to answer of the callers who are served."""
        p = self._p()
        served, wait = self._served_from()
        p_served = math.fsum(p[:self.c]) + math.fsum(p[self.c + k] * served[k]
                                                     for k in range(len(served)))
        return math.fsum(p[self.c + k] * wait[k] for k in range(len(served))) / p_served

    @property
    def wq_all(self) -> float:
        """Mean time in the line of every caller (served or not): Lq / λ (Little)."""
        return self.lq / self.lam
