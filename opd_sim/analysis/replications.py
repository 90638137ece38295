"""Replication statistics: means over independent replications with 95 % t intervals.

A run's replications are independent, so a quantity measured once per replication has a mean
and a Student-t interval for it. Summaries (plain dicts of numbers, as
:func:`opd_sim.simulation.summarize` makes them) combine with :func:`aggregate` (and one
quantity's values with :func:`ci95`, by the same rules); frames of
several replications are taken apart with :func:`per_replication`; :func:`format_mean` and
:func:`format_count` write a mean and its interval for people.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

__all__ = [
    "aggregate",
    "ci95",
    "format_count",
    "format_mean",
    "may_be_negative",
    "mean_ci",
    "per_replication",
    "t_quantile_975",
]

# 97.5 % quantiles of Student's t for 1..30 degrees of freedom (beyond: a Cornish-Fisher series)
_T975 = (
    12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157,
    2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905, 2.109816, 2.100922,
    2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529, 2.051831,
    2.048407, 2.045230, 2.042272,
)  # fmt: skip
_Z975 = 1.959963984540054

Path = tuple[str, ...]


def t_quantile_975(df: int) -> float:
    """The 97.5 % quantile of Student's t with ``df`` degrees of freedom (for 95 % intervals)."""
    if df < 1:
        raise ValueError("a t quantile needs at least one degree of freedom")
    if df <= len(_T975):
        return _T975[df - 1]
    z, v = _Z975, float(df)
    return (z + (z**3 + z) / (4 * v) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3))  # fmt: skip


def mean_ci(values: Sequence[float | None]) -> tuple[float, float, float] | None:
    """(mean, low, high) of a 95 % t interval for the mean; None without two values.

    Missing values (None, NaN) are left out. This is the plain t interval, for differences as
    much as for amounts; :func:`aggregate` adds the summary's rules on top of it.
    """
    data = [float(v) for v in values if v is not None and not math.isnan(v)]
    if len(data) < 2:
        return None
    mean = sum(data) / len(data)
    sd = math.sqrt(sum((x - mean) ** 2 for x in data) / (len(data) - 1))
    half = t_quantile_975(len(data) - 1) * sd / math.sqrt(len(data))
    return mean, mean - half, mean + half


def may_be_negative(path: Path) -> bool:
    """Whether the summary number at ``path`` (its keys, outermost first) may be below zero:
    the delay statistics, as a patient called in before their slot starts has a negative delay
    (their counts ``n`` excepted). Every other summary number is a count, minutes, a share or a
    utilisation."""
    return "delays" in path and path[-1] != "n"


def is_share(path: Path) -> bool:
    """Whether the summary number at ``path`` is a share or a utilisation, so at most 1."""
    return bool(path) and path[-1].startswith(("utilisation", "share_"))


def ci95(values: Sequence[float | None], signed: bool = False,
         share: bool = False) -> list[float] | None:  # fmt: skip
    """The summary's ``[low, high]`` 95 % interval for the mean of ``values`` (None and NaN
    left out): None for a quantity equal in every replication (there is no uncertainty to show)
    or present in fewer than two, a low end never below zero unless ``signed`` (the quantity
    may be negative), and a high end never above one for a ``share`` (or a utilisation)."""
    numbers = [float(v) for v in values if v is not None and not math.isnan(v)]
    if not numbers or all(x == numbers[0] for x in numbers):
        return None
    interval = mean_ci(numbers)
    if interval is None:
        return None
    low = interval[1] if signed else max(0.0, interval[1])
    high = min(1.0, interval[2]) if share else interval[2]
    return [low, high]


def _mean_tree(trees: list[Any], path: Path, signed: Callable[[Path], bool]
               ) -> tuple[Any, Any]:  # fmt: skip
    """(means, ci95) of same-shaped trees: numbers averaged, None skipped."""
    first = trees[0]
    if isinstance(first, dict):
        pairs = {key: _mean_tree([t[key] for t in trees], (*path, str(key)), signed)
                 for key in first}  # fmt: skip
        return ({k: v[0] for k, v in pairs.items()}, {k: v[1] for k, v in pairs.items()})
    numbers = [t for t in trees if isinstance(t, int | float) and not isinstance(t, bool)]
    numbers = [float(x) for x in numbers if not math.isnan(x)]
    if not numbers:
        return None, None
    return sum(numbers) / len(numbers), ci95(numbers, signed(path), is_share(path))


def aggregate(summaries: list[dict[str, Any]],
              signed: Callable[[Path], bool] = may_be_negative) -> dict[str, Any]:  # fmt: skip
    """Replications combined: each number's mean over the replications that have it, its 95 %
    t interval under ``ci95`` (same shape), and the replications' own summaries under
    ``per_replication``; one summary comes back as it is.

    An interval is None where a number is present in fewer than two replications or is equal
    in all of them; its low end is clipped at zero unless ``signed(path)`` says the number may
    be negative (by default :func:`may_be_negative`: the summary's delays), and the high end of
    a share or utilisation at one (:func:`is_share`).
    """
    if len(summaries) == 1:
        return dict(summaries[0])
    means, intervals = _mean_tree(summaries, (), signed)
    return {**means, "ci95": intervals, "per_replication": summaries}


def per_replication(function: Callable[..., Any], *frames: pd.DataFrame,
                    **options: Any) -> pd.DataFrame:  # fmt: skip
    """``function(*frames, **options)`` on each replication's rows alone, stacked.

    Every analysis function pools the replications it is given; this gives the same answer
    replication by replication. Frames and Series come back with a leading ``replication``
    index level; numbers and dicts as one row per replication. Replications are those of the
    first frame.
    """
    replications = sorted(pd.unique(frames[0]["replication"]).tolist())
    results = {r: function(*(f[f["replication"] == r] for f in frames), **options)
               for r in replications}  # fmt: skip
    if results and all(isinstance(v, pd.DataFrame | pd.Series) for v in results.values()):
        stacked = pd.concat(results, names=["replication"])
        return stacked.to_frame() if isinstance(stacked, pd.Series) else stacked
    rows = [v if isinstance(v, dict) else {"value": v} for v in results.values()]
    return pd.DataFrame(rows, index=pd.Index(replications, name="replication"))


def _number(value: float, digits: int) -> str:
    return f"{value:.{digits}f}"


def format_mean(mean: float | None, interval: Sequence[float] | None = None,
                digits: int = 1) -> str:  # fmt: skip
    """A mean for people: ``"51.2 [48.1, 53.0]"``, just ``"51.2"`` without an interval, and
    ``"-"`` for a missing number."""
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "-"
    text = _number(mean, digits)
    if interval is not None:
        text += f" [{_number(interval[0], digits)}, {_number(interval[1], digits)}]"
    return text


def format_count(mean: float | None, interval: Sequence[float] | None = None) -> str:
    """A count (or a mean count over replications) for people: whole numbers as such
    (``"174"``), other means to one decimal (``"172.3 [168.0, 176.6]"``)."""
    if mean is not None and float(mean).is_integer() and interval is None:
        return str(int(mean))
    return format_mean(mean, interval, digits=1)
