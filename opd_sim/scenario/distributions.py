"""Distributions a scenario can name, each drawing from a numpy Generator it is handed.

This module does not import numpy: the simulator passes its named ``numpy.random.Generator``
streams in, so a scenario stays plain data.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "Distribution",
    "Empirical",
    "Exponential",
    "Fixed",
    "LogNormal",
    "Normal",
    "Uniform",
]


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def draw(self, rng: Any, size: int) -> Any:
        """``size`` values as a numpy array from generator ``rng``."""
        raise NotImplementedError

    @property
    def mean_value(self) -> float:
        """The distribution's mean (after truncation where it applies, approximately)."""
        raise NotImplementedError


class Fixed(_Dist):
    """Always ``value``."""

    dist: Literal["fixed"]
    value: float

    def draw(self, rng: Any, size: int) -> Any:
        return rng.uniform(self.value, self.value, size)  # an array of `value`, numpy-free here

    @property
    def mean_value(self) -> float:
        return self.value


class Exponential(_Dist):
    """Exponential with mean ``mean``."""

    dist: Literal["exponential"]
    mean: float = Field(gt=0)

    def draw(self, rng: Any, size: int) -> Any:
        return rng.exponential(self.mean, size)

    @property
    def mean_value(self) -> float:
        return self.mean


class LogNormal(_Dist):
    """Lognormal given by its own ``mean`` and ``sd`` (not those of the underlying normal)."""

    dist: Literal["lognormal"]
    mean: float = Field(gt=0)
    sd: float = Field(gt=0)

    def draw(self, rng: Any, size: int) -> Any:
        sigma2 = math.log1p((self.sd / self.mean) ** 2)
        mu = math.log(self.mean) - sigma2 / 2
        return rng.lognormal(mu, math.sqrt(sigma2), size)

    @property
    def mean_value(self) -> float:
        return self.mean


class Normal(_Dist):
    """Normal(``mean``, ``sd``), values below ``min`` (default 0) clipped up to ``min``."""

    dist: Literal["normal"]
    mean: float
    sd: float = Field(ge=0)
    min: float | None = 0.0

    def draw(self, rng: Any, size: int) -> Any:
        values = rng.normal(self.mean, self.sd, size)
        return values if self.min is None else values.clip(min=self.min)

    @property
    def mean_value(self) -> float:
        return self.mean if self.min is None else max(self.mean, self.min)


class Uniform(_Dist):
    """Uniform on [``low``, ``high``)."""

    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.high >= self.low:
            raise ValueError("high must not be below low")
        return self

    def draw(self, rng: Any, size: int) -> Any:
        return rng.uniform(self.low, self.high, size)

    @property
    def mean_value(self) -> float:
        return (self.low + self.high) / 2


class Empirical(_Dist):
    """One of ``values``, with probabilities proportional to ``weights`` (equal if omitted)."""

    dist: Literal["empirical"]
    values: list[float] = Field(min_length=1)
    weights: list[float] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Empirical:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError("weights must have one entry per value")
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("weights must be non-negative and not all zero")
        return self

    def _p(self) -> list[float] | None:
        if self.weights is None:
            return None
        total = sum(self.weights)
        return [w / total for w in self.weights]

    def draw(self, rng: Any, size: int) -> Any:
        return rng.choice(self.values, size=size, p=self._p())

    @property
    def mean_value(self) -> float:
        p = self._p() or [1 / len(self.values)] * len(self.values)
        return sum(v * q for v, q in zip(self.values, p, strict=True))


Distribution = Annotated[
    Fixed | Exponential | LogNormal | Normal | Uniform | Empirical, Field(discriminator="dist")
]
