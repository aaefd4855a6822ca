"""Values MLflow accepts: numbers and texts for params, tags and metrics, nested params flattened to dotted keys, batches."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# MLflow's documented limits (log_batch and param values).
MAX_PARAMS_PER_BATCH = 100
MAX_TAGS_PER_BATCH = 100
MAX_METRICS_PER_BATCH = 1000
MAX_PARAM_VALUE_LENGTH = 6000

def as_number(value: Any) -> float | None:
    """A float for ints, floats and numpy/torch scalars; None for anything else (bools included)."""
    if isinstance(value, bool):
        return None
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:  # numpy / torch scalars
        try:
            value = value.item()
        except (TypeError, ValueError):
            return None
        if isinstance(value, bool):
            return None
    if isinstance(value, (int, float)):
        return float(value)
    return None


def as_text(value: Any) -> str:
    """A JSON-safe string for a param or tag value (numpy scalars unwrapped, sequences as JSON)."""
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        value = value.item()
    if isinstance(value, str):
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (set, frozenset)):
        value = sorted(value, key=str)
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):  # sequences, arrays
        items = value.tolist() if hasattr(value, "tolist") else list(value)
        return json.dumps(items, default=_json_default)
    return str(value)


def _json_default(value: Any) -> Any:
    return value.item() if getattr(value, "ndim", None) == 0 else as_text(value)


def flatten_params(params: Mapping[str, Any] | Any, prefix: str = "") -> dict[str, str]:
    """Nested mappings (or pydantic models) → {dotted.key: text}; values cut to MLflow's limit."""
    if hasattr(params, "model_dump"):
        params = params.model_dump(mode="json")
    flat: dict[str, str] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if hasattr(value, "model_dump"):
            value = value.model_dump(mode="json")
        if isinstance(value, Mapping):
            if value:
                flat.update(flatten_params(value, prefix=f"{name}."))
            else:
                flat[name] = "{}"
            continue
        text = as_text(value)
        if len(text) > MAX_PARAM_VALUE_LENGTH:
            text = text[: MAX_PARAM_VALUE_LENGTH - 1] + "…"
        flat[name] = text
    return flat


def chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def search_literal(value: str) -> str:
    """A search-filter string literal."""
    return f'"{value}"' if "'" in value else f"'{value}'"
