"""Arrival channels (渠道) of work orders: rates, hour and weekday profiles, surges."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, NonNegativeFloat, PositiveFloat, model_validator

from sim.scenario.base import Identifier, Probability, Strict
from sim.stochastic.distributions import Distribution

#: Channels (渠道): 12345 hotline, grid-worker patrol discovery (主动发现), sensors/video.
CHANNEL_KINDS = ("hotline", "patrol", "sensor")


class Surge(Strict):
    """A window of raised demand (storm, epidemic): rate × ``multiplier`` in [start, end)."""

    start_day: NonNegativeFloat
    end_day: PositiveFloat
    multiplier: NonNegativeFloat

    @model_validator(mode="after")
    def _ordered(self) -> Surge:
        if self.end_day <= self.start_day:
            raise ValueError("end_day must be after start_day")
        return self


class DayEffect(Strict):
    """Over-dispersed days: each day the channel's rate is multiplied by G ~ Gamma(shape, 1/shape).

    G has mean 1 and variance 1/shape, so a day's count is negative binomial: for a day with
    mean m, Var = m + m²/shape (Poisson: shape → ∞). Channels naming the same ``group`` share one
    multiplier per day (one storm or campaign drives them all) and must give the same shape.
    """

    shape: PositiveFloat = Field(description="k of the daily Gamma multiplier: Var = m + m²/k")
    group: Identifier | None = Field(
        None, description="channels of one group share the day's multiplier (default: own)")


class Channel(Strict):
    """One arrival channel: a non-homogeneous Poisson process (rate × profiles × surges)."""

    id: Identifier
    kind: Literal["hotline", "patrol", "sensor"]
    rate_per_day: NonNegativeFloat | None = Field(None, description="mean over a week")
    rate_per_grid_per_day: NonNegativeFloat | None = None
    hour_profile: list[NonNegativeFloat] | None = Field(None, min_length=24, max_length=24)
    weekday_profile: list[NonNegativeFloat] | None = Field(None, min_length=7, max_length=7)
    surges: list[Surge] = Field(default_factory=list)
    order_share: Probability = Field(
        1.0, description="share of contacts that become work orders (hotline ~0.41)"
    )
    category_mix: dict[str, NonNegativeFloat] | None = Field(
        None, description="category → weight; default: the categories' shares"
    )
    via_dispatch: bool = Field(True, description="False: handled by the discovering grid directly")
    day_effect: DayEffect | None = Field(
        None, description="random daily multiplier of the rate (negative binomial days)")
    dispatch_delay: Distribution | None = Field(
        None, description="hours from receipt (after registration) to the dispatch policy on "
        "this channel, a pure delay (the platform's own 立案/派遣 time); None: none")

    @model_validator(mode="after")
    def _one_rate(self) -> Channel:
        if (self.rate_per_day is None) == (self.rate_per_grid_per_day is None):
            raise ValueError("give exactly one of rate_per_day or rate_per_grid_per_day")
        for name in ("hour_profile", "weekday_profile"):
            profile = getattr(self, name)
            if profile is not None and sum(profile) <= 0:
                raise ValueError(f"{name} must have a positive sum")
        return self


class Arrivals(Strict):
    """All channels, with a global ``scale`` (for what-if sweeps on demand)."""

    scale: NonNegativeFloat = 1.0
    channels: list[Channel] = Field(min_length=1)
