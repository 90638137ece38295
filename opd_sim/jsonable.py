"""Strict JSON from what a run produces (numpy numbers as plain ones, NaN as null, keys as
text), and JSON objects read back from an output directory."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from opd_sim.errors import InvalidInput

__all__ = ["MAX_JSON_DEPTH", "json_ready", "read_json_object", "summary_json"]

#: Summaries, manifests and comparisons nest a handful of levels; far deeper is no file of ours.
MAX_JSON_DEPTH = 50


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


def read_json_object(path: Path) -> dict[str, Any]:
    """A JSON object from an output directory; anything else (unreadable, not JSON, not an
    object, nested absurdly deep) is InvalidInput naming the file."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except RecursionError:  # the decoder gives up on very deep nesting
        raise InvalidInput(f"{path}: cannot be read (nested too deeply)") from None
    except (OSError, ValueError) as error:  # unreadable, broken JSON, not UTF-8
        raise InvalidInput(f"{path}: cannot be read ({type(error).__name__})") from None
    if not isinstance(value, dict):
        raise InvalidInput(f"{path}: must hold a JSON object")
    if not _within_depth(value, MAX_JSON_DEPTH):
        raise InvalidInput(f"{path}: cannot be read (nested too deeply)")
    return value


def _within_depth(value: Any, limit: int) -> bool:
    """Whether ``value`` nests at most ``limit`` levels (checked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(item, dict):
            stack.extend((inner, depth + 1) for inner in item.values())
        elif isinstance(item, list):
            stack.extend((inner, depth + 1) for inner in item)
    return True
