"""Every benchmark runs end to end at smoke-test sizes (``--quick``).

The figures themselves are not checked here (``make bench`` measures them); this catches a
benchmark broken by a change in the model's interfaces. Nothing here is timed: a wall-clock
bound fails on a loaded machine and proves nothing on an idle one (speed lives in benchmarks/).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# benchmarks/ is a top-level folder, not an installed package: import it from the checkout
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import Figure, fit_exponent
from benchmarks.__main__ import MODULES, load, main, run_module


def test_every_benchmark_runs_quick(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--quick"]) == 0
    out = capsys.readouterr().out
    for name in MODULES:
        module = load(name)
        if module is not None and hasattr(module, "TITLE"):
            assert module.TITLE in out
    assert "Traceback" not in out
    assert "Summary" in out


@pytest.mark.parametrize("module_name", [m for m in MODULES if m != "bench_sweep"])
def test_module_protocol(module_name: str) -> None:
    module = load(module_name)
    assert module is not None
    assert module.NAME and module.TITLE
    assert callable(module.run)


def test_quick_figures_are_not_judged() -> None:
    module = load("bench_city_year")
    assert module is not None
    figures = run_module(module, quick=True)
    assert figures and all(isinstance(f, Figure) for f in figures)
    assert {f.status() for f in figures} == {"quick"}


def test_status_and_exponent() -> None:
    fig = Figure("x", "rate", 20.0, "/s", target=25.0, normalised=30.0)
    assert fig.status() == "PASS*"
    assert Figure("x", "t", 5.0, "s", target=10.0, higher=False).status() == "PASS"
    assert Figure("x", "t", 11.0, "s", target=10.0, higher=False).status() == "MISS"
    assert abs(fit_exponent([1, 2, 4], [3.0, 6.0, 12.0]) - 1.0) < 1e-12
