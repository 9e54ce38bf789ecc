"""Monte Carlo sampling of scenario quantities, and the documented defaults.

Every uncertain input is drawn once per draw from its distribution with a seeded
``numpy.random.Generator``; a fixed quantity gives the same value in every draw. Each input has
its own child seed (``SeedSequence.spawn``), so adding a site does not change the draws of the
load factor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecast.scenario import (
    Beta,
    Fixed,
    Lognormal,
    Operations,
    Triangular,
    Uniform,
)

Distribution = Fixed | Triangular | Uniform | Lognormal | Beta


@dataclass(frozen=True)
class Default:
    """A default operating assumption with its source."""

    quantity: Distribution
    why: str


def _tri(low: float, mode: float, high: float, source: str) -> Triangular:
    return Triangular(dist="triangular", low=low, mode=mode, high=high, source=source)


def _fixed(value: float, source: str) -> Fixed:
    return Fixed(value=value, source=source)


# Defaults for every field of [operations]; README "Defaults" is generated from this table.
OPERATION_DEFAULTS: dict[str, Default] = {
    "load_factor": Default(
        _tri(
            0.61,
            0.70,
            0.82,
            "facts.csv:h100_annual_utilization_microsoft_estimate, "
            "epoch_power_utilization_factor, hgx_h100_training_fraction_of_rating_measured",
        ),
        "average draw / nameplate system power: 0.61 (annual utilisation estimate), 0.70 "
        "(Epoch), 0.82 (measured peak fraction in training)",
    ),
    "pue": Default(
        _tri(
            1.14,
            1.30,
            1.58,
            "facts.csv:lbnl2024_median_pue_ai_specialized_2023, pue_new_large_facilities, "
            "pue_global_avg_uptime_2023",
        ),
        "annual-average PUE: AI-specialised median 1.14, new large facilities 1.3, global "
        "survey average 1.58",
    ),
    "pue_temperature_slope_per_c": Default(
        Uniform(
            dist="uniform",
            low=0.002,
            high=0.010,
            source="assumption: no facts.csv row gives PUE vs outdoor temperature; "
            "0.2-1.0 % of IT load per degC above the reference for air cooling",
        ),
        "PUE rises by this much per degC of outdoor temperature above the reference",
    ),
    "pue_reference_temperature_c": Default(
        _fixed(15.0, "assumption: economiser (free cooling) limit, range considered 10-20 degC"),
        "outdoor temperature below which cooling needs no extra energy",
    ),
    "lifetime_years": Default(
        _tri(
            4.0,
            5.0,
            6.0,
            "facts.csv:gpu_useful_life_expected, server_useful_life_amazon_2025, "
            "server_useful_life_hyperscaler",
        ),
        "mean service life of an accelerator (accounting lives 5-6 years; 4 as a shorter case)",
    ),
    "lifetime_weibull_shape": Default(
        _fixed(
            3.0,
            "assumption: Weibull shape 3 (retirements bunch around the mean life); "
            "range considered 2-5",
        ),
        "shape of the retirement curve",
    ),
    "inference_share": Default(
        Uniform(
            dist="uniform",
            low=0.3,
            high=0.7,
            source="assumption: no facts.csv row splits AI load into training and "
            "inference; range 0.3-0.7",
        ),
        "share of AI energy that serves inference (diurnal) rather than training (flat)",
    ),
    "inference_peak_to_mean": Default(
        _fixed(
            1.25,
            "assumption: inference clusters leave ~30 % power headroom "
            "(facts.csv:inference_power_oversubscription_polca); range 1.1-1.4",
        ),
        "peak-to-mean ratio of the inference load's daily cycle",
    ),
    "inference_peak_hour": Default(
        _fixed(21.0, "assumption: evening peak of consumer use, range considered 14-22 h"),
        "local hour of the inference peak",
    ),
    "inference_weekend_factor": Default(
        _fixed(0.95, "assumption: range considered 0.85-1.0"),
        "inference load on weekends and holidays relative to workdays",
    ),
}


def operation(operations: Operations, name: str) -> Distribution:
    """The scenario's quantity for an operations field, or the documented default."""
    value = getattr(operations, name)
    return value if value is not None else OPERATION_DEFAULTS[name].quantity


def sample(quantity: Distribution, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``n_draws`` values of a quantity. float64[D]"""
    match quantity:
        case Fixed(value=value):
            return np.full(n_draws, value, dtype=np.float64)
        case Triangular(low=low, mode=mode, high=high):
            if low == high:
                return np.full(n_draws, low, dtype=np.float64)
            return rng.triangular(low, mode, high, size=n_draws)
        case Uniform(low=low, high=high):
            return rng.uniform(low, high, size=n_draws)
        case Lognormal(median=median, sigma=sigma):
            return median * np.exp(sigma * rng.standard_normal(n_draws))
        case Beta(alpha=alpha, beta=beta, low=low, high=high):
            return low + (high - low) * rng.beta(alpha, beta, size=n_draws)
    raise TypeError(f"unknown quantity {quantity!r}")


def central(quantity: Distribution) -> float:
    """The quantity's central value (mode, median or mean), used where a draw cannot vary."""
    return float(quantity.central())


class Streams:
    """Independent, named random streams from one seed (stable when inputs are added)."""

    def __init__(self, seed: int) -> None:
        self._root = np.random.SeedSequence(seed)

    def generator(self, name: str) -> np.random.Generator:
        # A stream's key is derived from its name, not its position, so it is stable.
        key = [
            int.from_bytes(name.encode()[i : i + 4].ljust(4, b"\0"), "little")
            for i in range(0, len(name.encode()), 4)
        ]
        return np.random.default_rng(
            np.random.SeedSequence(entropy=self._root.entropy, spawn_key=tuple(key))
        )
