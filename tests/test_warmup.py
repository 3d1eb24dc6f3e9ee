"""Warm-up detection (MSER-5, Welch) on series with a known transient, and the pilot helper."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.run.warmup import (
    mser,
    plot_warmup,
    suggest_warmup,
    suggest_warmup_from_series,
    welch_moving_average,
    welch_truncation,
)
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
STREET = ROOT / "scenarios" / "beijing_street.yaml"


def noisy(level: np.ndarray, sd: float = 1.0, reps: int = 5, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return level + rng.normal(0.0, sd, size=(reps, level.size))


def test_mser5_finds_the_end_of_a_level_shift() -> None:
    level = np.full(1000, 50.0)
    level[:150] = 80.0  # a start-up bias lasting exactly 150 observations
    truncation, stat = mser(noisy(level, sd=3.0))
    assert 145 <= truncation <= 200
    assert stat.size == 1000 // 5 // 2 + 1 and np.argmin(stat) * 5 == truncation


def test_mser5_on_an_exponential_transient() -> None:
    t = np.arange(2000.0)
    level = 100.0 * (1.0 - np.exp(-t / 60.0))  # within 1 % of steady state after ~280
    truncation, _ = mser(noisy(level, sd=2.0))
    assert 120 <= truncation <= 400


def test_nothing_to_drop_from_a_stationary_series() -> None:
    y = noisy(np.full(1000, 10.0), sd=1.0, reps=10, seed=3)
    truncation, _ = mser(y)
    assert truncation < 100
    assert welch_truncation(welch_moving_average(y, 24)) < 100


def test_welch_moving_average_matches_its_definition() -> None:
    y = np.arange(20.0) ** 2
    w = 3
    ma = welch_moving_average(y, w)
    assert ma.size == 20 - w
    for i in range(ma.size):
        half = min(i, w)
        assert ma[i] == pytest.approx(y[i - half : i + half + 1].mean())
    # 2-D input averages the replications first
    assert np.allclose(welch_moving_average(np.vstack([y, y + 2]), w), ma + 1)


def test_welch_reading_of_a_rising_transient() -> None:
    t = np.arange(1500.0)
    level = 200.0 * (1.0 - np.exp(-t / 80.0))
    smoothed = welch_moving_average(noisy(level, sd=5.0), 50)
    assert 150 <= welch_truncation(smoothed) <= 600


def test_suggestion_rounds_up_to_half_days_and_flags_a_short_pilot() -> None:
    level = np.full(24 * 20, 5.0)
    level[: 24 * 3 + 5] = 20.0  # 3 days and 5 hours
    s = suggest_warmup_from_series(noisy(level, sd=0.5), step_h=1.0)
    assert s.days == 3.5 and s.reliable
    assert 3 * 24 <= s.mser_truncation_h <= 3 * 24 + 10
    level[: 24 * 15] = 20.0  # still settling at the end of the pilot
    assert not suggest_warmup_from_series(noisy(level, sd=0.5), step_h=1.0).reliable


def test_pilot_of_a_real_scenario_and_its_plot(tmp_path: Path) -> None:
    scn = load_scenario(ROOT / "scenarios" / "beijing_street.yaml",
                        {"calendar.horizon_days": 10, "calendar.warmup_days": 1,
                         "arrivals.channels[0].surges": []})
    s = suggest_warmup(scn, replications=2, seed=3)
    # the backlog of an empty street climbs for a few days, then levels off
    assert 0.5 <= s.days <= 5.0
    assert s.t_h.size == s.mean.size == 240 and s.replications == 2
    assert s.mean[:12].mean() < s.mean[-48:].mean()
    png = plot_warmup(s, tmp_path / "warmup.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    assert "suggested warm-up" in str(s)
    assert f"set calendar.warmup_days: {s.days:g} in the scenario file" in str(s)
    assert "rounded up to the next half day" in str(s)


def test_govsim_warmup_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sim.cli.main import main

    plot = tmp_path / "warmup.png"
    code = main(["warmup", str(STREET), "-r", "1", "--days", "10", "--plot", str(plot)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith("suggested warm-up: ") and plot.stat().st_size > 0
    assert main(["warmup", str(STREET), "--policy", "nonsense+transfer"]) == 2
    assert "nonsense" in capsys.readouterr().err
