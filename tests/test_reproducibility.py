"""Reproducibility: a run is a pure function of (scenario, policy, replication, root seed).

Same seed → bit-for-bit identical outputs, in this process, in a fresh interpreter with another
hash seed, and whatever other replications ran before; different seeds → different runs; every
policy pair on the same seed sees the same arrivals (common random numbers).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.policies import DISPATCH, ESCALATION
from sim.run.runner import resolve_policy, run_one, run_scenario
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
STREET = ROOT / "scenarios" / "beijing_street.yaml"
DAYS = 5.0
ARRIVAL_COLUMNS = ["case_id", "t_arrival_h", "category", "grid", "channel"]


@pytest.fixture(scope="module")
def street():
    return load_scenario(STREET, {"calendar.warmup_days": 1})


def table_digest(df: pd.DataFrame) -> str:
    """A digest of a table's values (row hashes from pandas, which hash floats bit for bit)."""
    rows = pd.util.hash_pandas_object(df, index=True).to_numpy()
    return hashlib.sha256(rows.tobytes() + ",".join(df.columns).encode()).hexdigest()


def arrivals(cases: pd.DataFrame) -> pd.DataFrame:
    """Who arrived when, where and how, in case-id order (the table is in closing order)."""
    return cases.sort_values("case_id")[ARRIVAL_COLUMNS].reset_index(drop=True)


def _summary(rs) -> pd.DataFrame:
    return rs.summary().drop(columns=["wall_time_s"])


def test_same_seed_identical_outputs(street, same_frames) -> None:
    a = run_scenario(street, replications=2, seed=11, days=DAYS)
    b = run_scenario(street, replications=2, seed=11, days=DAYS)
    assert len(a.cases()) > 300
    assert same_frames(a.cases(), b.cases())
    assert same_frames(a.resources(), b.resources())
    assert same_frames(a.backlog(), b.backlog())
    assert same_frames(_summary(a), _summary(b))


def test_replication_does_not_depend_on_what_ran_before(street, same_frames) -> None:
    """Replication 1 alone equals replication 1 of a two-replication run (no shared state)."""
    together = run_scenario(street, replications=2, seed=11, days=DAYS)
    alone = run_one(street, resolve_policy(street, None), 1, 11, days=DAYS)
    second = together.runs[1]
    assert second.replication == 1 and second.seed == alone.seed
    assert same_frames(second.cases, alone.cases)
    assert same_frames(second.resources, alone.resources)


_CHILD = """
import sys
sys.path.insert(0, {tests!r})
from test_reproducibility import child_digest
print(child_digest())
"""


def child_digest() -> str:
    scn = load_scenario(STREET, {"calendar.warmup_days": 1})
    rep = run_one(scn, resolve_policy(scn, None), 0, 11, days=DAYS)
    return table_digest(rep.cases)


@pytest.mark.parametrize("hash_seed", ["0", "4242"])
def test_same_seed_identical_in_a_fresh_interpreter(hash_seed: str) -> None:
    """No dependence on the salted built-in hash(), dict order of a previous run, or warm caches."""
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    code = _CHILD.format(tests=str(Path(__file__).parent))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=ROOT, check=True, timeout=120)
    assert out.stdout.strip() == child_digest()


def test_different_seeds_differ(street) -> None:
    policy = resolve_policy(street, None)
    base = run_one(street, policy, 0, 11, days=DAYS).cases
    other_root = run_one(street, policy, 0, 12, days=DAYS).cases
    other_rep = run_one(street, policy, 1, 11, days=DAYS).cases
    for other in (other_root, other_rep):
        a, b = arrivals(base)["t_arrival_h"].to_numpy(), arrivals(other)["t_arrival_h"].to_numpy()
        n = min(a.size, b.size)
        assert not np.array_equal(a[:n], b[:n])
        assert table_digest(base) != table_digest(other)


POLICY_LABELS = [f"{d}+{e}" for d, e in itertools.product(sorted(DISPATCH), sorted(ESCALATION))]


@pytest.mark.parametrize("label", POLICY_LABELS)
def test_every_policy_sees_the_same_arrivals(street, label: str) -> None:
    """Common random numbers: case attributes are drawn at arrival from per-channel streams."""
    base = run_one(street, resolve_policy(street, "manual+transfer"), 0, 11, days=DAYS).cases
    other = run_one(street, resolve_policy(street, label), 0, 11, days=DAYS).cases
    assert len(base) > 300
    pd.testing.assert_frame_equal(arrivals(base), arrivals(other), check_exact=True)


@pytest.mark.parametrize("misroute_p", [0.0, 0.5])
def test_dispatch_parameters_do_not_move_arrivals(misroute_p: float) -> None:
    """Only the outcome changes with the misrouting rate, never the cases that arrive."""
    base = load_scenario(STREET, {"calendar.warmup_days": 1})
    varied = load_scenario(STREET, {"calendar.warmup_days": 1,
                                    "policy.dispatch.params.misroute_p": misroute_p})
    a = run_one(base, resolve_policy(base, None), 0, 11, days=DAYS).cases
    b = run_one(varied, resolve_policy(varied, None), 0, 11, days=DAYS).cases
    pd.testing.assert_frame_equal(arrivals(a), arrivals(b), check_exact=True)
    # … and the outcome does change, so the parameter reached the model
    assert a["misroutes"].sum() != b["misroutes"].sum()
