"""Two scenario features a calibrated scenario needs: ``entry: solvable`` (each case straight to
the tier that solves it) and a channel's own ``dispatch_delay`` (receipt → dispatch)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.model.model import Model
from sim.scenario.loader import ScenarioError, load_scenario, validate_data
from sim.scenario.routes import entry_index, route_for

ROOT = Path(__file__).resolve().parents[1]
STREET = ROOT / "scenarios" / "beijing_street.yaml"
LADDER = ["grid", "community", "street", "department", "joint"]


@pytest.mark.parametrize(("solvable", "route"), [
    ("grid", ["grid"]), ("street", ["street"]), ("department", ["department"]),
    ("joint", ["joint"]), ("none", ["department"]),
])
def test_solvable_entry_routes_straight_to_the_tier(solvable: str, route: list[str]) -> None:
    assert route_for(LADDER, entry_index(LADDER, "solvable", solvable), solvable) == route


def _street(**overrides: object) -> dict:
    scn = load_scenario(STREET, {"calendar.warmup_days": 1, "arrivals.channels[0].surges": []})
    doc = scn.model_dump(mode="json")
    for key, value in overrides.items():
        doc[key] = value
    return doc


def test_cases_with_solvable_entry_never_escalate() -> None:
    doc = _street()
    for cat in doc["categories"]:
        cat["entry"] = "solvable"
    scn = validate_data(doc, "doc")
    cases = Model(scn, seed=3, days=6).run().cases
    # patrol finds (via_dispatch: false) start at the finding grid whatever the entry
    dispatched = np.isin(cases["channel"], [i for i, ch in enumerate(doc["arrivals"]["channels"])
                                            if ch["via_dispatch"]])
    handled = ~np.isnan(cases["t_handled_h"]) & dispatched
    assert handled.sum() > 200
    assert (cases["escalations"][dispatched] == 0).all()
    plain = Model(validate_data(_street(), "doc"), seed=3, days=6).run().cases
    assert (plain["escalations"] > 0).sum() > 20  # the default entry escalates some


def test_solvable_entry_needs_handling_only_where_cases_end() -> None:
    doc = _street()
    cat = doc["categories"][0]
    cat["entry"] = "solvable"
    cat["tiers"] = {"street": 1.0}
    cat["handling"] = {"street": {"dist": "exponential", "mean_h": 1.0}}
    validate_data(doc, "doc")  # no grid handling needed: no case visits the grid
    cat["entry"] = None
    with pytest.raises(ScenarioError, match="missing handling time for tier 'grid'"):
        validate_data(doc, "doc")


def test_a_channels_dispatch_delay_comes_before_dispatch() -> None:
    doc = _street()
    doc["policy"]["dispatch"] = {"name": "manual", "params": {"misroute_p": 0.0}}
    doc["organisation"]["dispatch_desk"] = None
    doc["registration"] = None
    doc["arrivals"]["channels"][2]["dispatch_delay"] = {"dist": "deterministic", "value_h": 2.0}
    scn = validate_data(doc, "doc")
    cases = Model(scn, seed=3, days=6).run().cases
    delay = cases["t_dispatched_h"] - cases["t_arrival_h"]
    sensor = cases["channel"] == 2
    assert sensor.sum() > 10 and np.allclose(delay[sensor], 2.0)
    # the other channels dispatch at once (hotline orders after their call)
    patrol_or_hotline = ~sensor & ~np.isnan(delay)
    assert (delay[patrol_or_hotline] < 2.0).all()
