"""Column maps (字段映射): which column of a work-order export is which, and how to read it.

A map is YAML (``version: 1``), validated like a scenario file (``file:line: path: message``).
The shipped default (:data:`DEFAULT_MAP`, ``sim/calibration/default_columns.yaml``) covers a
typical 12345 / grid-platform export with Chinese headers; docs/calibration.md lists its fields.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.scenario.base import Identifier
from sim.scenario.loader import Problem, ScenarioError, read_yaml, validate_model

__all__ = ["DEFAULT_MAP", "ChannelValue", "ColumnMap", "load_column_map"]

DEFAULT_MAP = Path(__file__).with_name("default_columns.yaml")
TierName = Literal["grid", "community", "street", "department"]
Evaluation = Literal["satisfied", "unsatisfied", "none"]


def _default_evaluations() -> dict[str, Evaluation]:
    return {"满意": "satisfied", "基本满意": "satisfied", "不满意": "unsatisfied", "未评价": "none"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Columns(_Strict):
    """The header of each field in the log (received, channel and category are needed)."""

    id: str | None = Field(None, description="order id (工单编号); duplicates are bad rows")
    received: str = Field(description="when the order was received (受理时间)")
    dispatched: str | None = Field(None, description="when it was dispatched (派单时间)")
    closed: str | None = Field(None, description="when it was closed (办结时间); blank: open")
    due: str | None = Field(None, description="its closure deadline (要求办结时间)")
    channel: str = Field(description="the channel (诉求渠道)")
    category: str = Field(description="the kind of matter (诉求类别)")
    street: str | None = Field(None, description="street / township (街道)")
    community: str | None = Field(None, description="community / village (社区)")
    grid: str | None = Field(None, description="grid (网格)")
    unit: str | None = Field(None, description="the unit that handled it (承办单位)")
    returns: str | None = Field(None, description="times sent back (退单次数)")
    reopened: str | None = Field(None, description="reopened after evaluation (是否重办)")
    satisfaction: str | None = Field(None, description="the citizen's evaluation (满意度)")


class Times(_Strict):
    """How times are written: formats tried in order (``strptime`` codes), and their zone."""

    formats: list[str] = Field(min_length=1)
    timezone: str = Field("Asia/Shanghai", description="the zone of times written without one")
    #: a clock truncated to the minute may put a dispatch up to a minute before its receipt
    tolerance_s: float = Field(60.0, ge=0.0, description="ordering slack between two times")


class ChannelValue(_Strict):
    """A channel as the scenario names it."""

    id: Identifier
    kind: Literal["hotline", "patrol", "sensor"]


class UnitRule(_Strict):
    """The tier of a handling unit: the first rule whose pattern matches its name wins."""

    match: str = Field(description="a regular expression searched in 承办单位")
    tier: TierName

    @field_validator("match")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return value


class ColumnMap(_Strict):
    """A whole column map."""

    version: Literal[1]
    columns: Columns
    times: Times
    channels: dict[str, ChannelValue] = Field(
        min_length=1, description="log value → the channel (others are bad rows)")
    reopened: dict[str, bool] = Field(default_factory=lambda: {"是": True, "否": False})
    satisfaction: dict[str, Evaluation] = Field(default_factory=lambda: _default_evaluations())
    units: list[UnitRule] = Field(default_factory=list, description="handling unit → tier")

    @model_validator(mode="after")
    def _units_need_a_column(self) -> ColumnMap:
        if self.units and self.columns.unit is None:
            raise ValueError("units rules need columns.unit (the handling unit's column)")
        return self


def load_column_map(path: str | Path | None = None) -> ColumnMap:
    """Read and validate a column map (default: the shipped one). Raises ScenarioError."""
    path = Path(path) if path is not None else DEFAULT_MAP
    data, index = read_yaml(path)
    if not isinstance(data, dict):
        raise ScenarioError([Problem(str(path), (), "a column map must be a YAML mapping", 1)])
    return validate_model(ColumnMap, data, str(path), index)
