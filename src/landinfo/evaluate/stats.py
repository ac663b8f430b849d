"""Means with bootstrap confidence intervals, paired differences, percentiles."""
from __future__ import annotations

import numpy as np

RESAMPLES = 1000
SEED = 20240611


def mean_ci(values: list[float | None], resamples: int = RESAMPLES, seed: int = SEED) -> dict:
    """Mean of the values that apply, with a seeded percentile-bootstrap 95 % interval."""
    data = np.array([v for v in values if v is not None], dtype=float)
    if data.size == 0:
        return {"mean": None, "low": None, "high": None, "n": 0}
    low, high = _bootstrap(data, resamples, seed)
    return {"mean": _round(data.mean()), "low": _round(low), "high": _round(high), "n": int(data.size)}


def paired_delta_ci(current: dict[str, float | None], baseline: dict[str, float | None],
                    resamples: int = RESAMPLES, seed: int = SEED) -> dict:
    """Mean change over the items both runs scored, with a bootstrap 95 % interval of that change."""
    common = [key for key in current if current[key] is not None and baseline.get(key) is not None]
    if not common:
        return {"mean": None, "low": None, "high": None, "n": 0}
    deltas = np.array([current[key] - baseline[key] for key in common], dtype=float)
    low, high = _bootstrap(deltas, resamples, seed)
    return {"mean": _round(deltas.mean()), "low": _round(low), "high": _round(high), "n": len(common)}


def percentile(values: list[float], q: float) -> float | None:
    return _round(float(np.percentile(values, q))) if values else None


def _bootstrap(data: np.ndarray, resamples: int, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(resamples, data.size))].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def _round(value: float) -> float:
    return round(float(value), 4)
