"""Routes of a case up the escalation ladder (升级): which tiers it visits."""

from __future__ import annotations

from collections.abc import Sequence

from sim.scenario.closed_loop import Category


def tiers_visited(cat: Category, ladder: Sequence[str]) -> set[str]:
    """Every tier a case of this category can visit (entry up to where it is solved)."""
    entry = cat.entry or ladder[0]
    if entry not in ladder and entry != "solvable":
        return set()
    visited: set[str] = set()
    for tier, p in cat.tiers.items():
        if p <= 0:
            continue
        visited.update(route_for(ladder, entry_index(ladder, entry, tier), tier))
    return visited


def entry_index(ladder: Sequence[str], entry: str, solvable: str) -> int:
    """Where on the ladder a case enters: its category's ``entry``, or with ``solvable`` the tier
    that solves it (``none``: the highest non-joint tier, where it is closed unresolved)."""
    if entry != "solvable":
        return ladder.index(entry)
    if solvable in ladder:
        return ladder.index(solvable)
    non_joint = [i for i, kind in enumerate(ladder) if kind != "joint"]
    return non_joint[-1] if non_joint else len(ladder) - 1


def route_for(ladder: Sequence[str], start: int, solvable: str) -> list[str]:
    """The tiers a case visits: from its entry up to the tier that can solve it.

    A ``joint`` case skips the single-``department`` tier (the street forwards it to all
    departments at once); a ``department`` case never reaches ``joint``; ``none`` climbs to the
    highest non-joint tier and is closed unresolved. A tier below the entry is solved at entry.
    """
    if solvable == "joint" and "joint" in ladder:
        top = ladder.index("joint")
    elif solvable in ladder and solvable != "joint":
        top = ladder.index(solvable)
    else:  # "none", or a tier not on the ladder: climb to the top non-joint tier
        non_joint = [i for i, kind in enumerate(ladder) if kind != "joint"]
        top = non_joint[-1] if non_joint else len(ladder) - 1
    top = max(top, start)
    route = list(ladder[start : top + 1])
    if solvable == "joint":
        route = [kind for kind in route if kind != "department"] or route
    elif "joint" in route and ladder[start] != "joint":
        route = [kind for kind in route if kind != "joint"]
    return route
