"""One colour per policy, the same in every chart of every report.

Colours are derived from the policy label (fixed for the shipped battery, a hash of the label
otherwise), so a policy keeps its colour whatever else it is compared with. The first eight
come from the Okabe–Ito palette and the next nine from Paul Tol's "muted" scheme, both chosen
to stay distinguishable under colour-vision deficiency.
"""

from __future__ import annotations

import hashlib
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


#: The policies every shipped scenario, experiment and the demo compare: the same colour in
#: every report, whatever else is compared with them.
FIXED_COLORS: dict[str, str] = {
    "manual+transfer": "#0072B2",
    "algorithmic+transfer": "#E69F00",
    "algorithmic+whistle": "#009E73",
    "manual+whistle": "#CC79A7",
}


def _slot(name: str, size: int) -> int:
    """A stable place in the palette for a label (not Python's salted ``hash``)."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=4).digest()
    return int.from_bytes(digest, "big") % size


def policy_colors(policies: Iterable[str]) -> dict[str, str]:
    """Map each policy label to a hex colour derived from the label itself, so that a policy
    keeps its colour from report to report: the shipped battery has fixed colours, any other
    label a slot of the palette chosen by a hash of the label (on a clash within one report,
    the next free slot, in sorted-label order). Past 17 policies colours repeat."""
    names = sorted(set(policies))
    colors = {n: FIXED_COLORS[n] for n in names if n in FIXED_COLORS}
    free = [c for c in PALETTE if c not in FIXED_COLORS.values()]
    taken = set(colors.values())
    for name in names:
        if name in colors:
            continue
        start = _slot(name, len(free))
        for step in range(len(free)):
            color = free[(start + step) % len(free)]
            if color not in taken:
                break
        else:
            color = free[start]  # more policies than colours
        colors[name] = color
        taken.add(color)
    return {n: colors[n] for n in names}
