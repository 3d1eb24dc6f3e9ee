"""Mutation fuzzing of the shipped scenarios and experiments (tests/mutator.py).

For every mutant: validation either accepts it or reports problems the ordinary way — never
another exception, never a hang (each validation has a time limit) — and a scenario it accepts
runs a one-day horizon without an exception (or is counted as too large: refused by the work
estimate, or more than :data:`RUN_CASES_LIMIT` cases in its day). The bounded
run is part of ``make test``; ``-m slow`` runs :data:`SLOW_MUTANTS` of them. A failure names the
seed: ``mutate(text, seed)`` rebuilds the input; keep it in tests/broken/ once fixed.
"""

from __future__ import annotations

import contextlib
import io
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from mutator import mutate

from sim.cli import main as cli
from sim.cli.common import load_checked
from sim.run.budget import estimate_work, too_large
from sim.run.experiment import load_experiment
from sim.run.runner import run_scenario
from sim.scenario.loader import ScenarioError

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((REPO / "scenarios").rglob("*.yaml"))
EXPERIMENTS = sorted((REPO / "experiments").glob("*.yaml"))
FAST_MUTANTS = 400
SLOW_MUTANTS = 2400
#: seconds one validation may take (the largest shipped file validates in well under one)
VALIDATE_LIMIT_S = 20
#: seconds the one-day run of an accepted mutant may take
RUN_LIMIT_S = 60
#: accepted mutants estimated above this many cases in their day are counted, not run: they are
#: valid but large (seed 306 multiplies district.yaml's patrol rate by 1,000), and the fuzzer
#: looks for exceptions, not for throughput
RUN_CASES_LIMIT = 20_000


class Hang(Exception):
    """A step took longer than its limit."""


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    def on_alarm(signum: int, frame: object) -> None:
        raise Hang(f"took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Tally:
    mutants: int = 0
    accepted: int = 0
    refused: int = 0
    ran: int = 0
    too_large: int = 0
    slowest_validate_s: float = 0.0


def _sources() -> list[tuple[Path, str]]:
    """(file, text) of every shipped input; experiments name their scenario absolutely, so a
    mutant in a temporary folder still finds it."""
    out = [(p, p.read_text(encoding="utf-8")) for p in SCENARIOS]
    for path in EXPERIMENTS:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        doc["scenario"] = str((path.parent / doc["scenario"]).resolve())
        out.append((path, yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)))
    return out


def _one_day(path: Path) -> None:
    """Run an accepted scenario for one day (no warm-up), unless the estimate refuses it."""
    scn = load_checked(str(path))
    calendar = scn.calendar.model_copy(update={
        "warmup_days": 0.0, "horizon_days": min(scn.calendar.horizon_days, 1.0)})
    scn = scn.model_copy(update={"calendar": calendar})
    work = estimate_work(scn, 1)
    if too_large(work) is not None or work.cases_per_run > RUN_CASES_LIMIT:
        raise _TooLarge
    run_scenario(scn, [None], replications=1, seed=0, keep_cases=False)


class _TooLarge(Exception):
    pass


def fuzz(n: int, tmp_path: Path, first_seed: int = 0) -> tuple[Tally, list[str]]:
    sources = _sources()
    tally, failures = Tally(), []
    for i in range(n):
        seed = first_seed + i
        source, text = sources[i % len(sources)]
        data, applied = mutate(text, seed)
        path = tmp_path / f"mutant_{seed}{source.suffix}"
        path.write_bytes(data)
        what = f"seed {seed} ({source.name}: {', '.join(applied)})"
        is_experiment = source in EXPERIMENTS
        tally.mutants += 1
        started = time.perf_counter()
        err = io.StringIO()
        try:
            with time_limit(VALIDATE_LIMIT_S), contextlib.redirect_stderr(err), \
                    contextlib.redirect_stdout(io.StringIO()):
                if is_experiment:
                    try:
                        load_experiment(path)
                        code = 0
                    except ScenarioError:
                        code = 2
                else:
                    code = cli.main(["validate", str(path)])
        except BaseException as exc:
            failures.append(f"{what}: validate raised {type(exc).__name__}: {exc}")
            continue
        tally.slowest_validate_s = max(tally.slowest_validate_s, time.perf_counter() - started)
        said = err.getvalue()
        if code not in (0, 2) or "Traceback" in said or "internal error" in said:
            failures.append(f"{what}: validate exit {code}: {said[-300:]}")
            continue
        if code == 2:
            tally.refused += 1
            continue
        tally.accepted += 1
        if is_experiment:
            continue
        try:
            with time_limit(RUN_LIMIT_S):
                _one_day(path)
            tally.ran += 1
        except _TooLarge:
            tally.too_large += 1
        except BaseException as exc:
            failures.append(f"{what}: accepted, then the run raised "
                            f"{type(exc).__name__}: {exc}")
    return tally, failures


def _check(tally: Tally, failures: list[str], n: int) -> None:
    print(f"\nfuzz: {tally}")
    assert tally.mutants == n
    assert not failures, f"{len(failures)} of {n} mutants failed:\n" + "\n".join(failures[:20])
    # the mutator must exercise both paths, or the test proves nothing
    assert tally.refused > n // 10 and tally.ran > n // 50, tally


def test_fuzz_bounded(tmp_path: Path) -> None:
    tally, failures = fuzz(FAST_MUTANTS, tmp_path)
    _check(tally, failures, FAST_MUTANTS)


@pytest.mark.slow
def test_fuzz_long(tmp_path: Path) -> None:
    tally, failures = fuzz(SLOW_MUTANTS, tmp_path, first_seed=100_000)
    _check(tally, failures, SLOW_MUTANTS)


def test_mutator_is_seeded() -> None:
    text = SCENARIOS[0].read_text(encoding="utf-8")
    assert mutate(text, 7) == mutate(text, 7)
    assert len({mutate(text, s)[0] for s in range(20)}) > 15
