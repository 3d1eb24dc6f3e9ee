"""Queue orders inside units (FIFO, earliest deadline first, risk first) and the risk classifier.

A dispatch policy sets the ordinary-queue order of the field units (grid, community, street,
department) through ``ctx.units.set_queue_order``: by a key instead of first come first served.
Summonses (joint cases, whistles) and pre-empted jobs keep their own lanes ahead of it
(docs/model.md).

The risk classifier is the essays' petition-risk model (信访风险预测): every case carries a latent
high-risk flag drawn at arrival (``flareup.high_risk_share``); the classifier sees it through a
score of limited quality, given as an AUC (binormal model) or as a true/false positive rate.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from sim.policies.context import CaseView, PolicyContext

QueueOrder = Literal["fifo", "edf", "risk"]
_N = NormalDist()


class RiskClassifier(BaseModel):
    """Quality of the flare-up risk classifier: ``auc`` or both ``tpr`` and ``fpr``.

    ``ordering: flag`` serves cases flagged high-risk first (FIFO within each class); ``score``
    serves by the continuous score (AUC only). With an AUC the flag threshold is set so that
    ``flag_share`` of cases are flagged (default: the true high-risk share).
    """

    model_config = ConfigDict(extra="forbid")

    auc: float | None = Field(0.8, ge=0.5, le=0.999, description="[est] area under the ROC curve")
    tpr: float | None = Field(None, ge=0.0, le=1.0, description="P(flagged | high risk)")
    fpr: float | None = Field(None, ge=0.0, le=1.0, description="P(flagged | low risk)")
    flag_share: float | None = Field(None, ge=0.0, le=1.0,
                                     description="share flagged (AUC mode); default: true share")
    ordering: Literal["flag", "score"] = "flag"

    @model_validator(mode="after")
    def _one_quality(self) -> RiskClassifier:
        rates = (self.tpr is not None, self.fpr is not None)
        if any(rates):
            if not all(rates):
                raise ValueError("give both tpr and fpr (or auc)")
            if "auc" in self.model_fields_set and self.auc is not None:
                raise ValueError("give either auc or tpr/fpr, not both")
            if self.ordering == "score":
                raise ValueError("ordering 'score' needs an auc (tpr/fpr only give a flag)")
            self.auc = None
        elif self.auc is None:
            raise ValueError("give auc or tpr and fpr")
        return self

    def separation(self) -> float:
        """Binormal separation d of the AUC: scores N(0,1) (low risk) and N(d,1) (high risk)."""
        assert self.auc is not None
        return math.sqrt(2.0) * _N.inv_cdf(self.auc)

    def flag_thresholds(self, high_share: float) -> tuple[float, float]:
        """Uniform thresholds ``(c_low, c_high)``: a case is flagged when ``risk_u > c``."""
        if self.auc is None:
            assert self.tpr is not None and self.fpr is not None
            return 1.0 - self.fpr, 1.0 - self.tpr
        d = self.separation()
        share = high_share if self.flag_share is None else self.flag_share
        if share <= 0.0:
            return 1.0, 1.0
        if share >= 1.0:
            return 0.0, 0.0

        def flagged(t: float) -> float:
            return high_share * (1 - _N.cdf(t - d)) + (1 - high_share) * (1 - _N.cdf(t))

        lo, hi = -12.0, 12.0 + d
        for _ in range(100):  # bisection: flagged() falls with the threshold
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if flagged(mid) > share else (lo, mid)
        t = 0.5 * (lo + hi)
        return _N.cdf(t), _N.cdf(t - d)

    def rates(self, high_share: float) -> tuple[float, float]:
        """(true positive rate, false positive rate) of the flag."""
        c_low, c_high = self.flag_thresholds(high_share)
        return 1.0 - c_high, 1.0 - c_low

    def scorer(self, high_share: float) -> Callable[[CaseView], float]:
        """``score(case)``: higher is riskier; stores it in ``case.risk``."""
        if self.ordering == "score":
            d = self.separation()
            inv = _N.inv_cdf

            def score(case: CaseView) -> float:
                u = min(max(case.risk_u, 1e-12), 1.0 - 1e-12)
                value = inv(u) + (d if case.high_risk else 0.0)
                case.risk = value
                return value

            return score
        c_low, c_high = self.flag_thresholds(high_share)

        def flag(case: CaseView) -> float:
            value = 1.0 if case.risk_u > (c_high if case.high_risk else c_low) else 0.0
            case.risk = value
            return value

        return flag


def install_queue_order(ctx: PolicyContext, order: QueueOrder,
                        classifier: RiskClassifier | None = None) -> None:
    """Set the ordinary-queue order of every field unit."""
    if order == "fifo":
        return
    key: Callable[[Any], Any]
    if order == "edf":
        def key(case: CaseView) -> float:
            return case.close_due_h
    else:
        flare = ctx.scenario.flareup
        share = flare.high_risk_share if flare is not None else 0.0
        score = (classifier or RiskClassifier()).scorer(share)

        def key(case: CaseView) -> float:
            return -score(case)
    ctx.units.set_queue_order(key)


class QueueOrderParams(BaseModel):
    """Parameters every dispatch policy with a choice of queue order shares."""

    model_config = ConfigDict(extra="forbid")

    queue_order: QueueOrder = Field(
        "fifo", description="order of units' ordinary queues: fifo, edf (earliest closure "
        "deadline first) or risk (predicted high flare-up risk first)"
    )
    classifier: RiskClassifier = Field(default_factory=RiskClassifier,
                                       description="risk classifier used by queue_order: risk")
