"""Cross-reference checks pydantic cannot do field by field, one function per section.

Each check returns ``(path, message)`` pairs, the path pointing into the YAML document;
:func:`check_references` runs them all in file order, so every problem of a file is reported
at once. A workflow's own section brings its own check (:mod:`sim.scenario.sections`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sim.scenario.base import BUILTIN_SHIFTS
from sim.scenario.closed_loop import TIER_KINDS
from sim.scenario.routes import tiers_visited
from sim.scenario.scenario import Scenario
from sim.scenario.sections import registered_sections
from sim.scenario.suggest import did_you_mean

PathKey = tuple[str | int, ...]
Problems = list[tuple[PathKey, str]]

#: tier probabilities of a category must sum to 1 within this
_TOL = 1e-6


def _duplicates(items: Sequence[Any], path: PathKey, what: str, problems: Problems) -> set[str]:
    """The ids of ``items``; a repeated id is a problem at its second occurrence."""
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item.id in seen:
            problems.append(((*path, i, "id"), f"duplicate {what} id {item.id!r}"))
        seen.add(item.id)
    return seen


def check_ids(scn: Scenario) -> Problems:
    """Streets, communities, departments, categories and channels each have unique ids."""
    problems: Problems = []
    org = scn.organisation
    _duplicates(org.streets, ("organisation", "streets"), "street", problems)
    _duplicates(org.communities, ("organisation", "communities"), "community", problems)
    _duplicates(org.departments, ("organisation", "departments"), "department", problems)
    if scn.categories is not None:
        _duplicates(scn.categories, ("categories",), "category", problems)
    if scn.arrivals is not None:
        _duplicates(scn.arrivals.channels, ("arrivals", "channels"), "channel", problems)
    return problems


def check_organisation(scn: Scenario) -> Problems:
    """Shifts exist; communities are in known streets, grids in known communities; departments
    own known categories."""
    problems: Problems = []
    org = scn.organisation
    shift_names = set(scn.shifts) | set(BUILTIN_SHIFTS)

    def need_shift(path: PathKey, name: str) -> None:
        if name not in shift_names:
            problems.append((path, f"unknown shift {name!r}{did_you_mean(name, shift_names)}; "
                                   f"known: {sorted(shift_names)}"))

    streets = {s.id for s in org.streets}
    communities = {c.id for c in org.communities}
    # a department's categories are its part of the closed loop's dispatch catalogue
    categories = {c.id for c in scn.categories} if scn.categories is not None else None
    for i, street in enumerate(org.streets):
        need_shift(("organisation", "streets", i, "team", "shift"), street.team.shift)
    for i, com in enumerate(org.communities):
        if com.street not in streets:
            problems.append((("organisation", "communities", i, "street"),
                             f"unknown street {com.street!r}{did_you_mean(com.street, streets)}"))
        if com.team is not None:
            need_shift(("organisation", "communities", i, "team", "shift"), com.team.shift)
    if org.grids:
        _duplicates(org.grids, ("organisation", "grids"), "grid", problems)
        for i, grid in enumerate(org.grids):
            if grid.community not in communities:
                problems.append(
                    (
                        ("organisation", "grids", i, "community"),
                        f"grid {grid.id!r} is in no known community/street "
                        f"(unknown community {grid.community!r}"
                        f"{did_you_mean(grid.community, communities)})",
                    )
                )
    elif org.grid_lattice is not None:
        for i, com_id in enumerate(org.grid_lattice.communities):
            if com_id not in communities:
                where = ("organisation", "grid_lattice", "communities", i)
                problems.append((where, f"unknown community {com_id!r}"
                                        f"{did_you_mean(com_id, communities)}"))
    need_shift(("organisation", "grid_worker_shift"), org.grid_worker_shift)
    for i, dept in enumerate(org.departments):
        need_shift(("organisation", "departments", i, "shift"), dept.shift)
        if dept.on_call is not None:
            need_shift(("organisation", "departments", i, "on_call", "shift"), dept.on_call.shift)
        for j, cat in enumerate(dept.categories):
            if categories is not None and cat not in categories:
                problems.append(
                    (
                        ("organisation", "departments", i, "categories", j),
                        f"department {dept.id!r} owns unknown category {cat!r}"
                        f"{did_you_mean(cat, categories)}",
                    )
                )
    if org.hotline is not None:
        if org.hotline.rota is None:
            need_shift(("organisation", "hotline", "shift"), org.hotline.shift or "always")
        for i, group in enumerate(org.hotline.rota or []):
            need_shift(("organisation", "hotline", "rota", i, "shift"), group.shift)
    if org.dispatch_desk is not None:
        need_shift(("organisation", "dispatch_desk", "shift"), org.dispatch_desk.shift)
    return problems


def check_categories(scn: Scenario) -> Problems:
    """Each category's tiers, deadline class, entry, handling times, and the units its cases can
    reach (an owning department, joint departments, staffed communities and streets)."""
    problems: Problems = []
    assert scn.categories is not None
    org = scn.organisation
    ladder = scn.escalation.ladder
    departments = {d.id for d in org.departments}
    dept_size = {d.id: d.team_size for d in org.departments}
    owners: dict[str, list[str]] = {}
    for dept in org.departments:
        for cat_id in dept.categories:
            owners.setdefault(cat_id, []).append(dept.id)
    for i, cat in enumerate(scn.categories):
        path: PathKey = ("categories", i)
        total = sum(cat.tiers.values())
        if abs(total - 1.0) > _TOL:
            problems.append(((*path, "tiers"), f"probabilities sum to {total:.6g}, not 1"))
        if cat.deadline_class not in scn.deadline_classes:
            problems.append(
                (
                    (*path, "deadline_class"),
                    f"unknown deadline class {cat.deadline_class!r}"
                    f"{did_you_mean(cat.deadline_class, scn.deadline_classes)}; "
                    f"known: {sorted(scn.deadline_classes)}",
                )
            )
        entry = cat.entry or ladder[0]
        if entry not in ladder and entry != "solvable":
            problems.append(((*path, "entry"), f"entry tier {entry!r} is not on the ladder"))
        for tier, p in cat.tiers.items():
            if p > 0 and tier != "none" and tier not in ladder:
                problems.append(
                    ((*path, "tiers", tier), f"tier {tier!r} is not on the escalation ladder")
                )
        visited = tiers_visited(cat, ladder)
        for kind in sorted(visited, key=TIER_KINDS.index):
            if kind not in cat.handling:
                problems.append(((*path, "handling"), f"missing handling time for tier {kind!r}"))
        if "department" in visited:
            own = owners.get(cat.id, [])
            if len(own) != 1:
                problems.append(
                    (
                        (*path, "id"),
                        f"category {cat.id!r} can reach the department tier but is owned by "
                        f"{len(own)} departments {own} in the dispatch catalogue (need exactly 1)",
                    )
                )
            elif dept_size.get(own[0], 0) == 0:
                problems.append(
                    (
                        (*path, "id"),
                        f"category {cat.id!r} goes to department {own[0]!r}, which has team_size 0",
                    )
                )
        if "joint" in visited:
            if len(set(cat.joint_departments)) < 2:
                problems.append(
                    ((*path, "joint_departments"),
                     "a joint tier needs at least 2 departments, all different")
                )
            for j, dep in enumerate(cat.joint_departments):
                if dep not in departments:
                    problems.append(
                        ((*path, "joint_departments", j),
                         f"unknown department {dep!r}{did_you_mean(dep, departments)}")
                    )
                elif dept_size[dep] == 0:
                    problems.append(
                        ((*path, "joint_departments", j), f"department {dep!r} has team_size 0")
                    )
        if "community" in visited:
            for k, com in enumerate(org.communities):
                if com.team is None or com.team.size == 0:
                    problems.append(
                        (
                            ("organisation", "communities", k, "team"),
                            f"category {cat.id!r} can reach the community tier but community "
                            f"{com.id!r} has no workers",
                        )
                    )
        if "street" in visited:
            for k, street in enumerate(org.streets):
                if street.team.size == 0:
                    problems.append(
                        (
                            ("organisation", "streets", k, "team", "size"),
                            f"category {cat.id!r} can reach the street tier but street "
                            f"{street.id!r} has no team",
                        )
                    )
    if sum(c.share for c in scn.categories) <= 0:
        problems.append((("categories",), "category shares must have a positive sum"))
    return problems


def check_working_time(scn: Scenario) -> Problems:
    """Deadlines counted in working time need working days and hours in the calendar."""
    problems: Problems = []
    working_units = ("working_h", "working_d")
    uses_working_time = [
        name for name, dc in scn.deadline_classes.items()
        if dc.response.unit in working_units or dc.close.unit in working_units
    ]
    if uses_working_time and not scn.calendar.working_days:
        problems.append(
            (("calendar", "working_days"),
             f"deadline classes {uses_working_time} count working time but there is no "
             f"working day")
        )
    if uses_working_time and not scn.calendar.working_hours:
        problems.append(
            (("calendar", "working_hours"),
             f"deadline classes {uses_working_time} count working time but there are no "
             f"working hours")
        )
    return problems


def check_skills(scn: Scenario) -> Problems:
    """A team has no more skilled workers than workers; a category's skill exists somewhere."""
    problems: Problems = []
    org = scn.organisation
    skilled_teams: list[tuple[PathKey, int, dict[str, int]]] = [
        (("organisation", "streets", k, "team", "skills"), s.team.size, s.team.skills)
        for k, s in enumerate(org.streets)
    ]
    skilled_teams += [
        (("organisation", "communities", k, "team", "skills"), c.team.size, c.team.skills)
        for k, c in enumerate(org.communities) if c.team is not None
    ]
    skilled_teams += [
        (("organisation", "departments", k, "skills"), d.team_size, d.skills)
        for k, d in enumerate(org.departments)
    ]
    known_skills: set[str] = set()
    for path, size, skills in skilled_teams:
        known_skills.update(skills)
        for skill, n in skills.items():
            if n > size:
                problems.append(((*path, skill), f"{n} workers with skill {skill!r} in a team "
                                                 f"of {size}"))
    for i, cat in enumerate(scn.categories or ()):
        if cat.skill is not None and cat.skill not in known_skills:
            problems.append(
                (("categories", i, "skill"), f"no team has skill {cat.skill!r}; known skills: "
                                             f"{sorted(known_skills)}")
            )
    return problems


def check_escalation(scn: Scenario) -> Problems:
    """Tier labels name tiers on the ladder."""
    ladder = scn.escalation.ladder
    return [
        (("escalation", "tier_labels", kind), f"tier {kind!r} is not on the ladder")
        for kind in scn.escalation.tier_labels if kind not in ladder
    ]


def check_grid_workers(scn: Scenario) -> Problems:
    """Grids have workers when cases go to the grid tier (or grids handle what they find)."""
    org = scn.organisation
    ladder = scn.escalation.ladder
    assert scn.categories is not None and scn.arrivals is not None
    grid_tier_used = any("grid" in tiers_visited(c, ladder) for c in scn.categories)
    if not grid_tier_used and all(ch.via_dispatch for ch in scn.arrivals.channels):
        return []
    for k, grid in enumerate(org.all_grids()):
        n = org.grid_workers_per_grid if grid.workers is None else grid.workers
        if n == 0:
            where = (
                ("organisation", "grids", k, "workers")
                if org.grids
                else ("organisation", "grid_workers_per_grid")
            )
            return [(where, f"grid {grid.id!r} has no grid workers")]
    return []


def check_channels(scn: Scenario) -> Problems:
    """Hotline channels need a hotline; category mixes name known categories; surges start
    within the horizon; channels sharing a day effect give it one shape."""
    problems: Problems = []
    assert scn.categories is not None and scn.arrivals is not None
    categories = {c.id for c in scn.categories}
    day_shapes: dict[str, tuple[str, float]] = {}
    for i, ch in enumerate(scn.arrivals.channels):
        path: PathKey = ("arrivals", "channels", i)
        day = ch.day_effect
        if day is not None:
            group = day.group or ch.id
            first = day_shapes.setdefault(group, (ch.id, day.shape))
            if first[1] != day.shape:
                problems.append(((*path, "day_effect", "shape"),
                                 f"channel {first[0]!r} shares day effect group {group!r} with "
                                 f"shape {first[1]:g}, not {day.shape:g}: one group, one shape"))
        if ch.kind == "hotline" and scn.organisation.hotline is None:
            problems.append(
                ((*path, "kind"), "a hotline channel needs organisation.hotline (its operators)")
            )
        if ch.category_mix is not None:
            for cat in ch.category_mix:
                if cat not in categories:
                    problems.append(((*path, "category_mix", cat),
                                     f"unknown category {cat!r}{did_you_mean(cat, categories)}"))
            if sum(ch.category_mix.values()) <= 0:
                problems.append(((*path, "category_mix"), "weights must have a positive sum"))
        for j, surge in enumerate(ch.surges):
            if surge.start_day >= scn.calendar.horizon_days:
                problems.append(
                    ((*path, "surges", j, "start_day"), "surge starts after the horizon")
                )
    return problems


Check = Callable[[Scenario], Problems]

#: every check, in the order of the file's sections, and whether it is the closed loop's
CHECKS: tuple[tuple[Check, bool], ...] = (
    (check_ids, False),
    (check_organisation, False),
    (check_categories, True),
    (check_working_time, True),
    (check_skills, False),
    (check_escalation, True),
    (check_grid_workers, True),
    (check_channels, True),
)


def check_references(scn: Scenario) -> Problems:
    """Every cross-reference problem of ``scn``, section by section (the closed loop's only
    when it runs), then those of the workflow sections it gives."""
    problems = [problem for check, closed_loop in CHECKS
                if scn.has_closed_loop or not closed_loop for problem in check(scn)]
    sections = registered_sections()
    for key in scn.section_keys:
        section_check = sections[key].check
        if section_check is not None:
            problems.extend(section_check(scn, scn.section(key)))
    return problems
