"""Distributions a scenario can name, each drawing from a numpy Generator it is handed.

This module does not import numpy: the simulator passes its named ``numpy.random.Generator``
streams in, so a scenario stays plain data.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from opd_sim.scenario.problems import FieldErrors, Loc

__all__ = [
    "Distribution",
    "Empirical",
    "Erlang",
    "Exponential",
    "Fixed",
    "Gamma",
    "LogNormal",
    "NonNegativeDistribution",
    "Normal",
    "Triangular",
    "Uniform",
    "Weibull",
]


#: Largest size of any distribution parameter (minutes: about two years; days: 2,700 years).
#: Beyond it draws overflow or runs never end, so such a file is refused when it is validated.
MAX_PARAMETER = 1_000_000.0
#: Widest lognormal: ``sd`` at most this many times ``mean`` (then sigma <= 3.72). Wider, nearly
#: every draw is close to 0 and a rare one enormous; at 1e306 times, working out sigma overflows.
MAX_LOGNORMAL_SPREAD = 1_000.0
#: Widest gamma: ``sd`` at most this many times ``mean`` (then shape >= 0.01). numpy draws a
#: gamma of small shape as a power of a uniform that underflows: at shape 0.01, 6 draws in 10,000
#: are exactly 0 and the median is 1e-29 of the mean; at sd 32 times the mean, about half are 0.
MAX_GAMMA_SPREAD = 10.0
#: Most phases of an Erlang: at 1,000 its sd is 3 % of its mean, as good as ``fixed``; many
#: more and the file is mistaken, not a consultation time.
MAX_ERLANG_K = 1_000
#: Smallest Weibull shape: at 0.1 its mean is 10! = 3,628,800 times ``scale`` and its sd 430
#: times its mean (the lognormal's widest is 1,000). Smaller, the mean rests on a handful of
#: astronomically large draws, and below 0.006 it overflows.
MIN_WEIBULL_SHAPE = 0.1


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
        """The distribution's mean (of what :meth:`draw` returns, after any clipping)."""
        raise NotImplementedError

    @property
    def second_moment(self) -> float:
        """``E[X^2]`` of what :meth:`draw` returns (Pollaczek-Khinchine and Cobham need it)."""
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

    @property
    def second_moment(self) -> float:
        return self.value**2


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

    @property
    def second_moment(self) -> float:
        return 2 * self.mean**2


class _ByMeanAndSd(_Dist):
    """A distribution given by its own ``mean`` and ``sd`` (fields of the subclass), which are
    then its moments: E[X] = mean, E[X^2] = mean^2 + sd^2."""

    if TYPE_CHECKING:  # declared by each subclass, after its ``dist``, with its own bounds
        mean: float
        sd: float

    @property
    def mean_value(self) -> float:
        return self.mean

    @property
    def second_moment(self) -> float:
        return self.mean**2 + self.sd**2


class LogNormal(_ByMeanAndSd):
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
        if self.min is None:
            return self.mean
        # E[max(Y, m)] = m Phi(z) + mean (1 - Phi(z)) + sd phi(z), z = (m - mean) / sd: the
        # draws clipped up to `min` count at `min`, not at the normal's own lower tail
        below, density = self._clipped_at(self.min)
        return self.min * below + self.mean * (1 - below) + self.sd * density

    @property
    def second_moment(self) -> float:
        if self.min is None:
            return self.mean**2 + self.sd**2
        # E[max(Y, m)^2] = m^2 Phi(z) + (mean^2 + sd^2) (1 - Phi(z)) + sd (mean + m) phi(z)
        below, density = self._clipped_at(self.min)
        above = (self.mean**2 + self.sd**2) * (1 - below)
        return self.min**2 * below + above + self.sd * (self.mean + self.min) * density

    def _clipped_at(self, minimum: float) -> tuple[float, float]:
        """The probability the normal falls below ``minimum``, and its standard density there."""
        if self.sd == 0:  # a point at `mean`: all of it below `minimum`, or none
            return float(self.mean < minimum), 0.0
        z = (minimum - self.mean) / self.sd  # a float, so an overflow gives inf: Phi 1, phi 0
        return 0.5 * math.erfc(-z / math.sqrt(2)), math.exp(-z * z / 2) / math.sqrt(2 * math.pi)


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

    @property
    def second_moment(self) -> float:
        return (self.low**2 + self.low * self.high + self.high**2) / 3


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
        return sum(v * q for v, q in zip(self.values, self._p_or_equal(), strict=True))

    @property
    def second_moment(self) -> float:
        return sum(v * v * q for v, q in zip(self.values, self._p_or_equal(), strict=True))

    def _p_or_equal(self) -> list[float]:
        return self._p() or [1 / len(self.values)] * len(self.values)


class Gamma(_ByMeanAndSd):
    """Gamma given by its ``mean`` and ``sd`` (shape ``(mean/sd)^2``, scale ``sd^2/mean``)."""

    dist: Literal["gamma"]
    mean: float = Field(gt=0)
    sd: float = Field(gt=0)

    def _shape_problems(self) -> list[tuple[Loc, str]]:
        spread = self.sd / self.mean
        if spread <= MAX_GAMMA_SPREAD:
            return []
        got = f"{spread:.3g}" if math.isfinite(spread) else "more than 1e308"
        message = (
            f"must be at most {MAX_GAMMA_SPREAD:g} times the mean (got {got} times): wider, "
            "its shape is below 0.01 and numpy draws ever more of it as exactly 0"
        )
        return [(("sd",), message)]

    def numpy_parameters(self) -> tuple[float, ...]:
        """(shape, scale): ``(mean/sd)^2`` and ``sd^2/mean``, the latter worked out as
        ``sd / (mean/sd)`` so a tiny ``sd`` does not underflow to a scale of 0."""
        ratio = self.mean / self.sd  # inf, not an error, should it overflow: refused as such
        return ratio * ratio, self.sd / ratio

    def draw(self, rng: Any, size: int) -> Any:
        shape, scale = self.numpy_parameters()
        return rng.gamma(shape, scale, size)


class Erlang(_Dist):
    """Sum of ``k`` exponential phases, ``mean`` in all: a gamma of whole shape ``k``."""

    dist: Literal["erlang"]
    k: int = Field(ge=1)
    mean: float = Field(gt=0)

    def _shape_problems(self) -> list[tuple[Loc, str]]:
        if self.k <= MAX_ERLANG_K:
            return []
        message = (
            f"must be at most {MAX_ERLANG_K:,} (got {self.k}): at {MAX_ERLANG_K:,} phases the "
            "sd is already 3 % of the mean; for a time that hardly varies use `fixed`"
        )
        return [(("k",), message)]

    def numpy_parameters(self) -> tuple[float, ...]:
        """(shape, scale) of the gamma it is."""
        return float(self.k), self.mean / self.k

    def draw(self, rng: Any, size: int) -> Any:
        shape, scale = self.numpy_parameters()
        return rng.gamma(shape, scale, size)

    @property
    def mean_value(self) -> float:
        return self.mean

    @property
    def second_moment(self) -> float:
        return self.mean**2 * (1 + 1 / self.k)  # variance mean^2 / k


class Weibull(_Dist):
    """Weibull of ``shape`` and ``scale``: ``scale * (-log U)^(1/shape)``."""

    dist: Literal["weibull"]
    shape: float
    scale: float = Field(gt=0)

    def _shape_problems(self) -> list[tuple[Loc, str]]:
        if self.shape >= MIN_WEIBULL_SHAPE:
            return []
        message = (
            f"must be at least {MIN_WEIBULL_SHAPE:g} (got {_num(self.shape)}): smaller, the "
            "mean rests on a handful of astronomically large draws"
        )
        return [(("shape",), message)]

    def numpy_parameters(self) -> tuple[float, ...]:
        return self.shape, self.scale

    def draw(self, rng: Any, size: int) -> Any:
        return self.scale * rng.weibull(self.shape, size)

    @property
    def mean_value(self) -> float:
        return self.scale * math.gamma(1 + 1 / self.shape)

    @property
    def second_moment(self) -> float:
        return self.scale**2 * math.gamma(1 + 2 / self.shape)


class Triangular(_Dist):
    """Triangular on [``low``, ``high``] peaking at ``mode``."""

    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    def _shape_problems(self) -> list[tuple[Loc, str]]:
        low, high = _num(self.low), _num(self.high)
        if not self.high > self.low:  # numpy refuses low == high too
            hint = "; for one value use `fixed`" if self.high == self.low else ""
            return [(("high",), f"must be above low ({low}){hint}")]
        if not self.low <= self.mode <= self.high:
            message = f"must lie between low ({low}) and high ({high}) (got {_num(self.mode)})"
            return [(("mode",), message)]
        return []

    def numpy_parameters(self) -> tuple[float, ...]:
        return self.low, self.mode, self.high, self.high - self.low

    def draw(self, rng: Any, size: int) -> Any:
        return rng.triangular(self.low, self.mode, self.high, size)

    @property
    def mean_value(self) -> float:
        return (self.low + self.mode + self.high) / 3

    @property
    def second_moment(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c + a * b + a * c + b * c) / 6


Distribution = Annotated[
    Fixed
    | Exponential
    | LogNormal
    | Normal
    | Uniform
    | Empirical
    | Gamma
    | Erlang
    | Weibull
    | Triangular,
    Field(discriminator="dist"),
]


def _num(value: float) -> str:
    """12.0 -> '12', 0.25 -> '0.25'."""
    return f"{value:g}"


def _never_negative(dist: Any) -> Any:
    """Reject a distribution that can draw a negative duration."""
    blame: tuple[str | int, ...] | None = None
    if isinstance(dist, Fixed) and dist.value < 0:
        blame = ("value",)
    elif isinstance(dist, Uniform | Triangular) and dist.low < 0:
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
