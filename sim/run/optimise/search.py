"""The search (寻优): greedy marginal allocation with a sequential screen, then a final check.

A candidate is a tuple of indices into the variables' value lists (cheapest first). The search
assumes that every constrained metric improves (weakly) when any variable moves to a more
expensive value — more staff, a shorter deadline — which is what makes it sound:

1. **Screen the most expensive candidate.** If it *violates* a constraint, no candidate can meet
   it: the result is "infeasible within the bounds", naming the constraint and the best value
   reached.
2. **Climb** from the cheapest candidate (marginal allocation, Fox 1966): evaluate every one-step
   move up; if some are feasible, take the cheapest; otherwise take the move that removes the
   most shortfall (relative violation, summed over the constraints) per unit of cost.
3. **Descend**: from the feasible point, evaluate the cheaper neighbours (one variable a step
   down, or one down and another up, if that costs less) — except those below a candidate known
   to violate a constraint — and move to the cheapest feasible one, until none is feasible.
4. **Final check on fresh seeds**: the chosen candidate and its one-step-down neighbours, a fixed
   number of replications on a block of seeds no earlier decision has seen, intervals at level
   ``1 − α/(m·R)`` (``m`` constraints, ``R = final.rounds``). If the candidate meets every
   constraint there, the claim "meets every target with (1 − α) confidence" holds for it: the
   selection did not see these seeds, the sample size was fixed in advance, and by the union
   bound over constraints and rounds a candidate that misses a target is claimed with
   probability at most α. If a cheaper neighbour passes too, move to it and check it on the
   next fresh block; if the candidate fails, move one step up and check that (at most ``R``
   rounds; a claim always rests on the block that checked the claimed candidate).

Every evaluation uses the same replication seeds 0, 1, 2 … in the search (common random
numbers: two candidates are compared on the same arrivals), and the sequential screen adds
``batch`` replications to a candidate while an interval straddles a bound, up to ``max``.
All decisions depend only on the run results, so the search takes the same path on any
executor and after a resume.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sim.run.optimise.screen import Interval, Verdict, interval, judge, level
from sim.run.optimise.spec import Optimisation

__all__ = ["Evaluation", "Outcome", "Request", "Sampler", "search"]

Candidate = tuple[int, ...]
Status = Literal["feasible", "infeasible", "undecided"]

#: Replication index of the first seed of fresh block ``b`` (block 0 is the search's).
BLOCK_STRIDE = 1_000_000


@dataclass(frozen=True)
class Request:
    """Run replications ``start..stop-1`` of a candidate in seed block ``block``."""

    candidate: Candidate
    block: int
    start: int
    stop: int

    def replications(self) -> range:
        base = self.block * BLOCK_STRIDE
        return range(base + self.start, base + self.stop)


#: Runs the requested replications and returns each run's summary (metric → value), in
#: replication order, per request.
Sampler = Callable[[Sequence[Request]], Sequence[Sequence[Mapping[str, Any]]]]


@dataclass
class Evaluation:
    """One candidate on one seed block: its runs' summaries and the screen's verdicts."""

    candidate: Candidate
    block: int
    phase: str
    cost: float
    runs: list[Mapping[str, Any]] = field(default_factory=list)
    intervals: dict[str, Interval] = field(default_factory=dict)
    verdicts: dict[str, Verdict] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.runs)

    @property
    def status(self) -> Status:
        if any(v == "violated" for v in self.verdicts.values()):
            return "infeasible"
        if self.verdicts and all(v == "met" for v in self.verdicts.values()):
            return "feasible"
        return "undecided"

    def mean(self, metric: str) -> float:
        return self.intervals[metric].mean if metric in self.intervals else math.nan


@dataclass
class Outcome:
    """What the search found.

    ``status``: ``established`` (meets every target with the stated confidence on fresh
    seeds), ``not_established`` (the best candidate found, but the final check could not
    establish ``failed``), or ``infeasible`` (no candidate within the bounds can meet
    ``failed``; ``best`` holds the best value reached of each constraint).
    """

    status: Literal["established", "not_established", "infeasible"]
    candidate: Candidate | None
    final: Evaluation | None
    failed: list[str]
    best: dict[str, float]
    evaluations: list[Evaluation]
    rounds: list[dict[str, Any]]


class _Search:
    def __init__(self, opt: Optimisation, sample: Sampler,
                 log: Callable[[str], None]) -> None:
        self.opt = opt
        self.sample = sample
        self.log = log
        self.constraints = opt.constraints
        m, rounds = len(opt.constraints), opt.spec.final.rounds
        #: the screen's per-constraint level, and the final check's: Bonferroni over the
        #: constraints and the check rounds, so that whichever round makes the claim, the
        #: chance that a candidate missing a target is claimed is at most α (union bound)
        self.screen_level = level(opt.spec.confidence, m)
        self.final_level = level(opt.spec.confidence, m * rounds)
        self.evals: dict[tuple[Candidate, int], Evaluation] = {}
        self.order: list[Evaluation] = []

    # -- evaluating ----------------------------------------------------------------------------
    def _get(self, candidate: Candidate, block: int, phase: str) -> Evaluation:
        key = (candidate, block)
        ev = self.evals.get(key)
        if ev is None:
            ev = self.evals[key] = Evaluation(candidate, block, phase, self.opt.cost(candidate))
            self.order.append(ev)
        return ev

    def _judge(self, ev: Evaluation) -> None:
        for c in self.constraints:
            at = self.screen_level if ev.block == 0 else self.final_level
            iv = interval([_number(r.get(c.metric)) for r in ev.runs], at)
            ev.intervals[c.metric] = iv
            ev.verdicts[c.metric] = judge(c, iv)

    def evaluate(self, candidates: Sequence[Candidate], phase: str, block: int = 0,
                 sequential: bool = True) -> list[Evaluation]:
        """Screen candidates together (their batches run in parallel) until each is decided or
        at its budget; a fixed sample (``sequential=False``) for the final check."""
        spec = self.opt.spec
        first = spec.sampling.initial if sequential else spec.final.replications
        cap = spec.sampling.max if sequential else spec.final.replications
        evs = [self._get(c, block, phase) for c in dict.fromkeys(candidates)]
        pending = [ev for ev in evs if ev.n < first or (ev.status == "undecided" and ev.n < cap)]
        while pending:
            requests = [Request(ev.candidate, block, ev.n,
                                first if ev.n < first else min(ev.n + spec.sampling.batch, cap))
                        for ev in pending]
            for ev, runs in zip(pending, self.sample(requests), strict=True):
                ev.runs.extend(runs)
                self._judge(ev)
            pending = [ev for ev in pending
                       if sequential and ev.status == "undecided" and ev.n < cap]
        return evs

    # -- neighbourhoods ------------------------------------------------------------------------
    def ups(self, x: Candidate) -> list[Candidate]:
        top = self.opt.highest()
        return [_step(x, d, +1) for d in range(len(x)) if x[d] < top[d]]

    def downs(self, x: Candidate) -> list[Candidate]:
        return [_step(x, d, -1) for d in range(len(x)) if x[d] > 0]

    def cheaper(self, x: Candidate) -> list[Candidate]:
        """One variable a step down, or one down and another up when that costs less."""
        top, cost = self.opt.highest(), self.opt.cost(x)
        out = self.downs(x)
        for d in range(len(x)):
            for u in range(len(x)):
                if d != u and x[d] > 0 and x[u] < top[u]:
                    y = _step(_step(x, d, -1), u, +1)
                    if self.opt.cost(y) < cost:
                        out.append(y)
        return sorted(set(out), key=lambda y: (self.opt.cost(y), y))

    def dominated_by_violation(self, y: Candidate) -> bool:
        """y is at or below (every index) a candidate that violates a constraint: by
        monotonicity it violates it too, so it need not be run."""
        return any(ev.status == "infeasible" and ev.block == 0
                   and all(a <= b for a, b in zip(y, ev.candidate, strict=True))
                   for ev in self.order)

    def shortfall(self, ev: Evaluation) -> float:
        return sum(c.shortfall(ev.mean(c.metric)) for c in self.constraints)

    def gain(self, here: Evaluation, step: Evaluation) -> float:
        """Shortfall removed per unit of cost by moving from ``here`` to ``step``."""
        before, after = self.shortfall(here), self.shortfall(step)
        removed = before - after if math.isfinite(before) or math.isfinite(after) else 0.0
        return removed / max(step.cost - here.cost, 1e-12)

    def cheapest_feasible(self, evs: Sequence[Evaluation]) -> Evaluation | None:
        ok = [ev for ev in evs if ev.status == "feasible"]
        return min(ok, key=lambda ev: (ev.cost, -self.min_slack(ev), ev.candidate)) if ok else None

    def min_slack(self, ev: Evaluation) -> float:
        return min(c.slack(ev.mean(c.metric)) / max(abs(c.bound), 1e-9)
                   for c in self.constraints)

    # -- the phases ----------------------------------------------------------------------------
    def run(self) -> Outcome:
        opt = self.opt
        top = self.evaluate([opt.highest()], "bounds")[0]
        if top.status == "infeasible":
            failed = [c.metric for c in self.constraints if top.verdicts[c.metric] == "violated"]
            self.log(f"infeasible within the bounds: {', '.join(failed)} "
                     "not met even at the highest values")
            return Outcome("infeasible", None, None, failed, self._best(), self.order, [])
        x = self.climb()
        if x is None:
            failed = [c.metric for c in self.constraints if top.verdicts[c.metric] != "met"]
            status: Literal["infeasible", "not_established"] = (
                "infeasible" if any(top.verdicts[m] == "violated" for m in failed)
                else "not_established")
            self.log(f"no candidate was established feasible; {', '.join(failed)} undecided "
                     f"at the highest values after {top.n} replications")
            return Outcome(status, None, None, failed, self._best(), self.order, [])
        x = self.descend(x)
        return self.final_check(x)

    def climb(self) -> Candidate | None:
        x = self.opt.lowest()
        ev = self.evaluate([x], "climb")[0]
        while ev.status != "feasible":
            ups = self.ups(x)
            if not ups:
                return None
            evs = self.evaluate(ups, "climb")
            best = self.cheapest_feasible(evs)
            if best is None:
                here = ev
                ranked = sorted(evs, key=lambda e: (-self.gain(here, e), e.cost, e.candidate))
                best = ranked[0]
            x, ev = best.candidate, best
            self.log(f"climb → {self._describe(ev)}")
        return x

    def descend(self, x: Candidate) -> Candidate:
        while True:
            ys = [y for y in self.cheaper(x) if not self.dominated_by_violation(y)]
            best = self.cheapest_feasible(self.evaluate(ys, "descend")) if ys else None
            if best is None:
                return x
            x = best.candidate
            self.log(f"descend → {self._describe(best)}")

    def final_check(self, x: Candidate) -> Outcome:
        rounds: list[dict[str, Any]] = []
        checked: Evaluation | None = None
        for r in range(self.opt.spec.final.rounds):
            block = r + 1
            downs = [y for y in self.downs(x) if not self.dominated_by_violation(y)]
            evs = self.evaluate([x, *downs], "final", block=block, sequential=False)
            here, others = evs[0], evs[1:]
            passed = [ev for ev in others if ev.status == "feasible"]
            rounds.append({"round": r + 1, "block": block, "candidate": list(x),
                           "status": here.status,
                           "cheaper_passed": [list(ev.candidate) for ev in passed]})
            self.log(f"final check {r + 1}: {self._describe(here)}; cheaper neighbours passed: "
                     f"{len(passed)} of {len(others)}")
            if here.status != "feasible":
                if checked is not None:  # the previous candidate was established: keep it
                    break
                up = self._step_up(x)
                if up is None or r + 1 == self.opt.spec.final.rounds:
                    failed = [c.metric for c in self.constraints
                              if here.verdicts[c.metric] != "met"]
                    return Outcome("not_established", x, here, failed, self._best(),
                                   self.order, rounds)
                x = up  # one step up, checked on the next fresh block
                continue
            checked = here
            cheaper = self.cheapest_feasible(passed)
            if cheaper is None or r + 1 == self.opt.spec.final.rounds:
                break
            x = cheaper.candidate  # chosen on this block: it is checked on the next one
        assert checked is not None
        return Outcome("established", checked.candidate, checked, [], self._best(), self.order,
                       rounds)

    def _step_up(self, x: Candidate) -> Candidate | None:
        """After a failed final check: the cheapest one-step move up that the search found
        feasible, else the one with the most search slack (None at the top)."""
        evs = [self.evals[(y, 0)] for y in self.ups(x) if (y, 0) in self.evals]
        if not evs:
            evs = self.evaluate(self.ups(x), "climb")
        if not evs:
            return None
        best = self.cheapest_feasible(evs)
        if best is None:
            best = max(evs, key=lambda e: (self.min_slack(e), -e.cost))
        return best.candidate

    def _best(self) -> dict[str, float]:
        """Best mean reached of each constraint's metric over every search evaluation."""
        out: dict[str, float] = {}
        for c in self.constraints:
            means = [ev.mean(c.metric) for ev in self.order if math.isfinite(ev.mean(c.metric))]
            if means:
                out[c.metric] = max(means) if c.sense == ">=" else min(means)
        return out

    def _describe(self, ev: Evaluation) -> str:
        values = ", ".join(f"{k}={v}" for k, v in self.opt.values(ev.candidate).items())
        metrics = ", ".join(f"{c.metric} {ev.mean(c.metric):.4g} ({ev.verdicts[c.metric]})"
                            for c in self.constraints)
        return f"{values} (cost {ev.cost:g}, n={ev.n}): {metrics}"


def _number(value: Any) -> float:
    return float(value) if value is not None else math.nan


def _step(x: Candidate, d: int, by: int) -> Candidate:
    return (*x[:d], x[d] + by, *x[d + 1:])


def search(opt: Optimisation, sample: Sampler,
           log: Callable[[str], None] = lambda s: None) -> Outcome:
    """Least cost subject to the constraints (see the module docstring for the method)."""
    return _Search(opt, sample, log).run()
