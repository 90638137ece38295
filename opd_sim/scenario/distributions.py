"""Distributions a scenario can name, each drawing from a numpy Generator it is handed.

This module does not import numpy: the simulator passes its named ``numpy.random.Generator``
streams in, so a scenario stays plain data.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from opd_sim.scenario.problems import FieldErrors, Loc

__all__ = [
    "Distribution",
    "Empirical",
    "Exponential",
    "Fixed",
    "LogNormal",
    "NonNegativeDistribution",
    "Normal",
    "Uniform",
]


#: Largest size of any distribution parameter (minutes: about two years; days: 2,700 years).
#: Beyond it draws overflow or runs never end, so such a file is refused when it is validated.
MAX_PARAMETER = 1_000_000.0
#: Widest lognormal: ``sd`` at most this many times ``mean`` (then sigma <= 3.72). Wider, nearly
#: every draw is close to 0 and a rare one enormous; at 1e306 times, working out sigma overflows.
MAX_LOGNORMAL_SPREAD = 1_000.0


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="after")
    def _sizes_in_range(self) -> _Dist:
        too_big = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            numbers = value if isinstance(value, tuple) else (value,)
            for index, number in enumerate(numbers):
                if isinstance(number, int | float) and abs(number) > MAX_PARAMETER:
                    loc = (name, index) if isinstance(value, tuple) else (name,)
                    too_big.append((loc, f"must be between -{MAX_PARAMETER:,.0f} and "
                                         f"{MAX_PARAMETER:,.0f} (got {number:g})"))  # fmt: skip
        if too_big:
            raise FieldErrors(too_big)
        return self

    @model_validator(mode="after")
    def _drawable(self) -> _Dist:
        """A shape numpy can draw from, handed finite numbers whatever the fields work out to
        (runs after :meth:`_sizes_in_range`: validators run in the order they are defined)."""
        problems = self._shape_problems()
        if problems:
            raise FieldErrors(problems)
        if not all(math.isfinite(number) for number in self.numpy_parameters()):
            raise FieldErrors([((), "cannot be drawn from: its parameters work out to "
                                    "numbers too large for numpy")])  # fmt: skip
        return self

    def _shape_problems(self) -> list[tuple[Loc, str]]:
        """Fields whose combination numpy could not draw from sensibly (none by default)."""
        return []

    def numpy_parameters(self) -> tuple[float, ...]:
        """The numbers :meth:`draw` hands numpy (checked finite when the file is validated)."""
        raise NotImplementedError

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

    def numpy_parameters(self) -> tuple[float, ...]:
        return (self.value,)

    def draw(self, rng: Any, size: int) -> Any:
        return rng.uniform(self.value, self.value, size)  # an array of `value`, numpy-free here

    @property
    def mean_value(self) -> float:
        return self.value


class Exponential(_Dist):
    """Exponential with mean ``mean``."""

    dist: Literal["exponential"]
    mean: float = Field(gt=0)

    def numpy_parameters(self) -> tuple[float, ...]:
        return (self.mean,)

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

    def _shape_problems(self) -> list[tuple[Loc, str]]:
        spread = self.sd / self.mean  # a float: inf, not an error, should it overflow
        if spread <= MAX_LOGNORMAL_SPREAD:
            return []
        got = f"{spread:.3g}" if math.isfinite(spread) else "more than 1e308"
        message = (
            f"must be at most {MAX_LOGNORMAL_SPREAD:,.0f} times the mean (got {got} "
            "times): wider, nearly every draw is near 0 and a rare one enormous"
        )
        return [(("sd",), message)]

    def numpy_parameters(self) -> tuple[float, ...]:
        """(mu, sigma) of the underlying normal."""
        sigma2 = math.log1p((self.sd / self.mean) ** 2)
        return math.log(self.mean) - sigma2 / 2, math.sqrt(sigma2)

    def draw(self, rng: Any, size: int) -> Any:
        mu, sigma = self.numpy_parameters()
        return rng.lognormal(mu, sigma, size)

    @property
    def mean_value(self) -> float:
        return self.mean


class Normal(_Dist):
    """Normal(``mean``, ``sd``), values below ``min`` (default 0) clipped up to ``min``."""

    dist: Literal["normal"]
    mean: float
    sd: float = Field(ge=0)
    min: float | None = 0.0

    def numpy_parameters(self) -> tuple[float, ...]:
        return self.mean, self.sd

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
            raise FieldErrors([(("high",), f"must not be below low ({_num(self.low)})")])
        return self

    def numpy_parameters(self) -> tuple[float, ...]:
        return self.low, self.high, self.high - self.low

    def draw(self, rng: Any, size: int) -> Any:
        return rng.uniform(self.low, self.high, size)

    @property
    def mean_value(self) -> float:
        return (self.low + self.high) / 2


class Empirical(_Dist):
    """One of ``values``, with probabilities proportional to ``weights`` (equal if omitted)."""

    dist: Literal["empirical"]
    values: tuple[float, ...] = Field(min_length=1)
    weights: tuple[float, ...] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Empirical:
        weights = self.weights
        if weights is None:
            return self
        if len(weights) != len(self.values):
            raise FieldErrors(
                [
                    (
                        ("weights",),
                        f"{len(weights)} weights for {len(self.values)} values; "
                        "give one weight per value",
                    )
                ]
            )
        negative = [
            (("weights", i), "must not be negative") for i, w in enumerate(weights) if w < 0
        ]
        if negative:
            raise FieldErrors(negative)
        if sum(weights) <= 0:
            raise FieldErrors([(("weights",), "must not all be zero")])
        return self

    def _p(self) -> list[float] | None:
        if self.weights is None:
            return None
        total = sum(self.weights)
        return [w / total for w in self.weights]

    def numpy_parameters(self) -> tuple[float, ...]:
        """The values, then each one's probability."""
        return (*self.values, *(self._p() or ()))

    def draw(self, rng: Any, size: int) -> Any:
        return rng.choice(self.values, size=size, p=self._p())

    @property
    def mean_value(self) -> float:
        p = self._p() or [1 / len(self.values)] * len(self.values)
        return sum(v * q for v, q in zip(self.values, p, strict=True))


Distribution = Annotated[
    Fixed | Exponential | LogNormal | Normal | Uniform | Empirical, Field(discriminator="dist")
]


def _num(value: float) -> str:
    """12.0 -> '12', 0.25 -> '0.25'."""
    return f"{value:g}"


def _never_negative(dist: Any) -> Any:
    """Reject a distribution that can draw a negative duration."""
    blame: tuple[str | int, ...] | None = None
    if isinstance(dist, Fixed) and dist.value < 0:
        blame = ("value",)
    elif isinstance(dist, Uniform) and dist.low < 0:
        blame = ("low",)
    elif isinstance(dist, Normal) and (dist.min is None or dist.min < 0):
        blame = ("min",)
    elif isinstance(dist, Empirical):
        index = next((i for i, v in enumerate(dist.values) if v < 0), None)
        blame = None if index is None else ("values", index)
    if blame is not None:
        raise FieldErrors([(blame, "this distribution would draw negative durations")])
    return dist


NonNegativeDistribution = Annotated[Distribution, AfterValidator(_never_negative)]
"""A distribution of durations (consultations, lead times): it never draws a negative value."""
