"""Strict JSON from what a run produces: numpy numbers as plain ones, NaN as null, keys as text."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

__all__ = ["json_ready", "summary_json"]


def json_ready(value: Any) -> Any:
    """``value`` with numpy numbers as plain ones, NaN as None and keys as text."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def summary_json(summary: dict[str, Any]) -> str:
    """The summary as indented JSON (NaN as null)."""
    return json.dumps(json_ready(summary), indent=2, allow_nan=False) + "\n"
