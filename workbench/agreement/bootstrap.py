"""Bootstrap intervals of Krippendorff's alpha: units resampled with replacement (Hayes &
Krippendorff 2007), for one code and for the pooled alpha of several."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence

from workbench.agreement.stats import Unit, alpha_parts, krippendorff_alpha, pooled_alpha


def bootstrap_alpha(
    units: Sequence[Unit],
    level: str = "nominal",
    *,
    samples: int = 1000,
    seed: int = 20261123,
    confidence: float = 0.95,
) -> tuple[float, float] | None:
    """A percentile interval for alpha from resampling units with replacement, with a fixed seed.

    Resampling units (rather than pairable values, as Hayes and Krippendorff 2007 do) keeps the
    coders' values of a unit together; intervals are approximate either way.
    """
    units = [u for u in units if sum(v is not None for v in u.values) >= 2]
    if not units:
        return None
    rng = random.Random(seed)
    # Weighted units are expanded by index so that a long run of characters is drawn by its weight.
    weights = [u.weight for u in units]
    total = sum(weights)
    estimates = []
    for _ in range(samples):
        drawn = rng.choices(range(len(units)), weights=weights, k=min(total, 5000))
        counts = Counter(drawn)
        scale = total / len(drawn)
        sample = [Unit(units[i].values, max(1, round(c * scale))) for i, c in counts.items()]
        value = krippendorff_alpha(sample, level)
        if value is not None:
            estimates.append(value)
    if len(estimates) < samples * 0.5:
        return None
    estimates.sort()
    low = estimates[int((1 - confidence) / 2 * (len(estimates) - 1))]
    high = estimates[int((1 + confidence) / 2 * (len(estimates) - 1))]
    return low, high


def bootstrap_pooled_alpha(
    codes: Sequence[Sequence[Unit]],
    level: str = "nominal",
    *,
    samples: int = 1000,
    seed: int = 20261123,
    confidence: float = 0.95,
) -> tuple[float, float] | None:
    """A percentile interval for the pooled alpha over codes (1 - sum D_o / sum D_e).

    Each replicate redraws every code's units with replacement (as many as it has, by weight: a
    multinomial draw over its distinct value patterns) from one seeded generator; codes are
    redrawn independently, so the interval ignores that codes share units and is approximate.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    prepared = []
    for units in codes:
        kept = [u for u in units if sum(v is not None for v in u.values) >= 2]
        total = sum(u.weight for u in kept)
        if total:
            prepared.append((kept, total, np.array([u.weight for u in kept], dtype=float) / total))
    if not prepared:
        return None
    estimates = []
    for _ in range(samples):
        parts = []
        for kept, total, probs in prepared:
            counts = rng.multinomial(total, probs)
            parts.append(alpha_parts([Unit(u.values, int(c)) for u, c in zip(kept, counts) if c], level))
        value = pooled_alpha(parts)
        if value is not None:
            estimates.append(value)
    if len(estimates) < samples * 0.5:
        return None
    estimates.sort()
    low = estimates[int((1 - confidence) / 2 * (len(estimates) - 1))]
    high = estimates[int((1 + confidence) / 2 * (len(estimates) - 1))]
    return low, high
