"""One colour per policy, the same in every chart of a report.

Colours are assigned by the sorted policy names, so a policy keeps its colour whatever order
the runs were made in. The first eight come from the Okabe–Ito palette and the next nine from
Paul Tol's "muted" scheme, both chosen to stay distinguishable under colour-vision deficiency.
"""

from __future__ import annotations

from collections.abc import Iterable

#: Okabe & Ito (2008), black moved last because it reads as "text" in a chart.
OKABE_ITO: tuple[str, ...] = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#F0E442",
    "#000000",
)

#: Paul Tol's muted qualitative scheme, used after Okabe–Ito runs out.
TOL_MUTED: tuple[str, ...] = (
    "#332288",
    "#88CCEE",
    "#44AA99",
    "#117733",
    "#999933",
    "#DDCC77",
    "#CC6677",
    "#882255",
    "#AA4499",
)

PALETTE: tuple[str, ...] = OKABE_ITO + TOL_MUTED

#: Colours of the final tiers (tier_final), from the grid up to joint handling; sequential so
#: that "further up the hierarchy" reads as darker.
TIER_COLORS: dict[str, str] = {
    "grid": "#c6dbef",
    "community": "#9ecae1",
    "street": "#6baed6",
    "department": "#3182bd",
    "joint": "#08519c",
    "": "#bdbdbd",
}

TIER_ORDER: tuple[str, ...] = ("grid", "community", "street", "department", "joint", "")


def policy_colors(policies: Iterable[str]) -> dict[str, str]:
    """Map each policy name to a hex colour, by sorted name; cycles past 17 policies."""
    names = sorted(set(policies))
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}
