"""Monte Carlo sampling of scenario quantities, and the documented defaults.

Every uncertain input is drawn once per draw from its distribution with a seeded
``numpy.random.Generator``; a fixed quantity gives the same value in every draw. Each input has
its own child seed (``SeedSequence.spawn``), so adding a site does not change the draws of the
load factor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from forecast.calendar import month_number
from forecast.scenario import (
    STATUS_DEFAULTS,
    STATUS_DEFAULTS_SOURCE,
    Beta,
    Fixed,
    Lognormal,
    Operations,
    Scenario,
    Site,
    Trend,
    TrendPoint,
    Triangular,
    Uniform,
)

Distribution = Fixed | Triangular | Uniform | Lognormal | Beta


@dataclass(frozen=True)
class Default:
    """A default operating assumption with its source."""

    quantity: Distribution | Trend
    why: str


def _tri(low: float, mode: float, high: float, source: str) -> Triangular:
    return Triangular(dist="triangular", low=low, mode=mode, high=high, source=source)


def _fixed(value: float, source: str) -> Fixed:
    return Fixed(value=value, source=source)


# Defaults for every field of [operations]; README "Defaults" is generated from this table.
OPERATION_DEFAULTS: dict[str, Default] = {
    "load_factor": Default(
        _tri(
            0.53,
            0.70,
            0.775,
            "facts.csv:h100_annual_utilization_microsoft_estimate, "
            "google_it_to_accel_energy_ratio, dgx_h100_it_per_gpu, h100_sxm_tdp, "
            "epoch_power_utilization_factor, "
            "lbnl2025_8xh100_training_measured_kw, h100_node_training_fraction_of_rating_newkirk; "
            "annual mean node draw / node nameplate over the hours the node is hosted",
        ),
        "annual mean draw of a hosted node / its nameplate system power. High 0.775: a node "
        "training flat out all year (measured 7.9 of 10.2 kW; 0.76 in Newkirk et al.), the most "
        "a year can average. Mode 0.70: Epoch's average power as a share of peak. Low 0.53: an "
        "inference-heavy fleet, derived: GPUs at 0.61 of TDP over the year (Microsoft estimate) "
        "x IT energy 1.57 x accelerator energy (Google serving) x 700 / 1275 W (GPU share of "
        "the DGX H100 nameplate)",
    ),
    "pue": Default(
        Trend(
            points=[
                TrendPoint(
                    date=dt.date(2024, 1, 1),
                    quantity=_tri(
                        1.09,
                        1.145,
                        1.54,
                        "facts.csv:pue_google_fleet_2025, lbnl2025_ai_facility_pue_2024, "
                        "pue_global_avg_uptime_2025; low the best large fleet of 2025 (Google "
                        "1.09), mode LBNL 2025's PUE of AI-serving facilities in 2024 (1.145), "
                        "high the global survey average (Uptime 2025, 1.54): an AI hall run as "
                        "the average data centre",
                    ),
                ),
                TrendPoint(
                    date=dt.date(2030, 1, 1),
                    quantity=_tri(
                        1.09,
                        1.136,
                        1.54,
                        "facts.csv:pue_google_fleet_2025, lbnl2025_ai_facility_pue_2024, "
                        "pue_global_avg_uptime_2025, lbnl2025_us_avg_pue_2018, "
                        "lbnl2025_us_avg_pue_2030; mode LBNL 2025's "
                        "AI-facility PUE for 2030 (1.136, 'no material change'); low and high "
                        "held: no row projects the best fleet, and the survey average has "
                        "changed little for six years (Uptime 2025), while LBNL's national "
                        "1.45 -> 1.36 is mostly a shift of the mix to low-PUE sites, not a "
                        "better average hall",
                    ),
                ),
            ]
        ),
        "annual-average PUE of AI halls: mode LBNL 2025's AI-facility PUE, 1.145 in 2024 and "
        "1.136 in 2030 (no material change expected); low Google's 2025 fleet 1.09, the best "
        "large fleet; high the global survey average 1.54 (an AI hall run as the average data "
        "centre), held to 2030 because the survey average has changed little for six years; "
        "mean 1.258 (2024) and 1.255 (2030); linear in between, flat after 2030",
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


def operation(operations: Operations, name: str) -> Distribution | Trend:
    """The scenario's quantity (or trend) for an operations field, or the documented default."""
    value = getattr(operations, name)
    return value if value is not None else OPERATION_DEFAULTS[name].quantity


#: Site fields a site may leave out, with their defaults (README "Defaults", generated).
SITE_DEFAULTS: dict[str, str] = {
    "tenant_occupancy": "1 in a scenario without deployments (the site's tenants are the AI "
    "load), else 0 (the site only hosts the plans' accelerators)",
    "ramp_months": "0 (all capacity at commissioning)",
    "grid_lead_months": "0 (under a connection limit it asks the grid when its ramp starts)",
    "build_probability, delay_months": "by status (table below)",
    "pue, load_factor, inference_share": "the scenario's [operations] values",
}


def site_defaults(scenario: Scenario, site: Site) -> dict[str, Distribution]:
    """The quantities a site leaves out, as the projection draws them (README "Defaults"): its
    status's build probability and commissioning delay, its tenants' occupancy and no ramp."""
    status = STATUS_DEFAULTS[site.status]
    by_status = f"default for status {site.status!r}: {STATUS_DEFAULTS_SOURCE}"
    occupancy = (
        "default: the scenario's deployments fill the site"
        if scenario.deployments
        else "default: no deployments, so the site's own tenants are the AI load"
    )
    return {
        "build_probability": _fixed(status["build_probability"], by_status),
        "delay_months": _tri(
            status["delay_months"][0],
            status["delay_months"][1],
            status["delay_months"][2],
            source=by_status,
        ),
        "tenant_occupancy": _fixed(0.0 if scenario.deployments else 1.0, occupancy),
        "ramp_months": _fixed(0.0, "default: all capacity at commissioning"),
        "grid_lead_months": _fixed(0.0, "default: it asks the grid when its ramp starts"),
    }


def single_operation(operations: Operations, name: str) -> Distribution:
    """:func:`operation` for a field the format takes as one quantity, never a trend."""
    quantity = operation(operations, name)
    if isinstance(quantity, Trend):  # the schema refuses it; a default must not be one either
        raise TypeError(f"operations.{name} is a trend; one quantity expected")
    return quantity


def quantile_of(quantity: Distribution, probability: np.ndarray) -> np.ndarray:
    """The quantity's value at each probability (its inverse distribution function). float64[D]

    Every draw of a quantity is this function at a uniform random number, so that the points
    of a :class:`~forecast.scenario.Trend` can share one number per draw.
    """
    u = np.asarray(probability, dtype=np.float64)
    match quantity:
        case Fixed(value=value):
            return np.full(u.shape, value, dtype=np.float64)
        case Triangular(low=low, mode=mode, high=high):
            if low == high:
                return np.full(u.shape, low, dtype=np.float64)
            # Inverse of the triangular CDF, the two sides of the mode apart.
            split = (mode - low) / (high - low)
            left = low + np.sqrt(u * (high - low) * (mode - low))
            right = high - np.sqrt((1.0 - u) * (high - low) * (high - mode))
            return np.where(u < split, left, right)
        case Uniform(low=low, high=high):
            return low + (high - low) * u
        case Lognormal(median=median, sigma=sigma):
            from scipy.special import ndtri

            return median * np.exp(sigma * ndtri(u))
        case Beta(alpha=alpha, beta=beta, low=low, high=high):
            from scipy.special import betaincinv

            return low + (high - low) * betaincinv(alpha, beta, u)
    raise TypeError(f"unknown quantity {quantity!r}")


def sample(quantity: Distribution, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``n_draws`` values of a quantity. float64[D]"""
    if isinstance(quantity, Fixed):
        return np.full(n_draws, quantity.value, dtype=np.float64)
    return quantile_of(quantity, rng.random(n_draws))


def central(quantity: Distribution | Trend) -> float:
    """The quantity's central value (mode, median or mean), used where a draw cannot vary."""
    return float(quantity.central())


@dataclass(frozen=True)
class PathDraw:
    """Per-draw values of a quantity or trend at its dates, evaluated on any month grid.

    A constant quantity is a trend of one point. Between dates the value is linear in time
    (month numbers); before the first date it is the first value, after the last the last.
    """

    months: np.ndarray  # float64[P] month number of each point
    values: np.ndarray  # float64[D, P]

    @property
    def is_constant(self) -> bool:
        return self.values.shape[1] == 1

    def at(self, months: np.ndarray, draws: slice = slice(None)) -> np.ndarray:
        """Values at the month numbers ``months`` for the draws ``draws``. float64[D, M]"""
        values = self.values[draws]
        grid = np.asarray(months, dtype=np.float64)
        if self.is_constant:
            return np.repeat(values, grid.size, axis=1)
        upper = np.clip(np.searchsorted(self.months, grid, side="right"), 1, self.months.size - 1)
        lower = upper - 1
        span = self.months[upper] - self.months[lower]
        weight = np.clip((grid - self.months[lower]) / span, 0.0, 1.0)
        # take, not values[:, lower]: NumPy lays an index on the last axis out draw-fastest
        # (Fortran order), and the PUE lines made from it then cost a copy in every kernel
        # call and strided reads in every sum over sites (the same values either way).
        below, above = values.take(lower, axis=1), values.take(upper, axis=1)
        return below + weight * (above - below)

    def over_time(self, months: np.ndarray) -> np.ndarray:
        """Values at the month numbers ``months``, as :meth:`at`, but a quantity constant in
        time as its one value a draw, float64[D, 1], which broadcasts against [D, M]: an
        elementwise operation on it then gives the same values as on :meth:`at`'s [D, M],
        made once a draw instead of once a draw and month. float64[D, M] or [D, 1]"""
        return self.values if self.is_constant else self.at(months)

    def first(self) -> np.ndarray:
        """The first point's value in each draw (what a spread-driver table shows). float64[D]"""
        return self.values[:, 0]


def over_months(values: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Values of :meth:`PathDraw.over_time` on every month of ``months``, as
    :meth:`PathDraw.at` gives them: one value a draw [D, 1] repeated, [D, M] as it is.
    float64[D, M]"""
    return np.repeat(values, months.size, axis=1) if values.shape[1] == 1 else values


def sample_path(quantity: Distribution | Trend, n_draws: int, rng: np.random.Generator) -> PathDraw:
    """Draw a quantity or a trend: every point at the same probability within a draw."""
    if isinstance(quantity, Trend):
        probability = rng.random(n_draws)
        months = np.array([month_number(p.date) for p in quantity.points], dtype=np.float64)
        values = np.stack([quantile_of(p.quantity, probability) for p in quantity.points], 1)
        return PathDraw(months=months, values=values)
    return PathDraw(months=np.zeros(1), values=sample(quantity, n_draws, rng)[:, None])


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

    def keyed(self, name: str) -> Callable[[str], np.random.Generator]:
        """The streams ``name:<key>``, one per key (a part, a calendar year)."""
        return lambda key: self.generator(f"{name}:{key}")
