"""Baseline national demand: inference from a trained artifact (numpy only, no training code).

The model, fitted by ``models/fit.py`` and stored as JSON parameters, is

.. math::

    \\text{load}_{d,h} = L_{d,\\,y(h)} \\; s_{w(d),h} \\; \\varepsilon_{d,\\,\\text{day}(h)}

* :math:`L_{d,y}`, the **level**: temperature-normalised annual mean load of year ``y``
  [MW], drawn from a log-linear predictive distribution (:meth:`BaselineModel.
  level_draws`; training stores the combination of a trend and a random walk in this form):
  parameter uncertainty (multivariate normal with the stored covariance) plus a
  Student-t year innovation with the regression's residual scale and degrees of freedom,
  both deviations scaled by ``spread_factor``: the training sets it to
  ``calibrated scale / residual scale``, so that the year innovation has the scale the
  rolling-origin backtest found for out-of-sample level errors (a six-point regression's own
  residual scale is largest right after a shock and smallest before one);
* :math:`s_{w,h}`, the **shape**: ``exp(X(t, T_w) β) / k``, a log-linear model of calendar,
  season, temperature and trend features (:func:`forecast.baseline.features.design_matrix`) for
  weather trace ``w``; ``k`` makes the mean shape over the training years 1;
* :math:`\\varepsilon_{d,\\text{day}}`, the **daily noise**: ``exp(z − σ²/2)`` with ``z`` a
  stationary AR(1) across days (coefficient φ, standard deviation σ), σ scaled by a factor
  calibrated in the rolling-origin backtest so that hourly ex post 80 % intervals cover about
  80 % in the median year when the level and the weather are right; the weather ensemble adds
  the weather's spread, and the level scale brings the ex ante coverage with the level
  forecast to about 80 % in the median year.

:func:`sample_baseline` does exactly this Monte Carlo composition for a period; the backtest,
``forecast evaluate`` and the projection engine all use it (the engine through the same arrays).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from forecast import kernels
from forecast.baseline import artifacts
from forecast.baseline.features import (
    CalendarFeatures,
    FeatureSpec,
    calendar_features,
    feature_names,
    predict_ensemble,
)
from forecast.calendar import hourly_times, local_dates
from forecast.errors import ArtifactError, DataError, OptionsError
from forecast.memo import SharedArrays
from forecast.paths import user_cache_dir

PARAMETERS_FILE = "parameters.json"
FORMAT_VERSION = 1

#: How the hour-of-day noise scale is split (``noise.hour_scale_split``; measurement only,
#: issue 13's eighth round): one row of 24 for every day, workdays / days off, or the four
#: seasons DJF, MAM, JJA, SON by local month.
NOISE_HOUR_SPLITS = {"none": 1, "day_off": 2, "season": 4}
#: The trend's weight in the level forecast of an artifact that stores none (every one written
#: before ``level.trend_weight`` existed): half trend, half random walk. [1]
HALVES_TREND_WEIGHT = 0.5


def noise_hour_group(
    local_times: pd.DatetimeIndex, calendar: CalendarFeatures, split: str
) -> np.ndarray:
    """Row of the hour-of-day noise scale each hour takes, int64[H] (see
    :data:`NOISE_HOUR_SPLITS`)."""
    if split == "none":
        return np.zeros(len(local_times), dtype=np.int64)
    if split == "day_off":
        return calendar.is_off.astype(np.int64)
    if split == "season":
        return (local_times.month.to_numpy().astype(np.int64) % 12) // 3
    raise OptionsError(f"noise hour split {split!r}; allowed: {', '.join(NOISE_HOUR_SPLITS)}")


@dataclass(frozen=True)
class LevelModel:
    """Log-linear trend of the temperature-normalised annual mean load.

    ``log L_y = intercept + slope × (y − origin_year) + e_y``, ``e_y ~ t(dof) × residual_scale``;
    draws scale the parameter and innovation deviations by ``spread_factor``.
    """

    intercept: float  # [log MW]
    slope: float  # [log MW / year]
    origin_year: int  # [year]
    covariance: np.ndarray  # float64[2, 2], covariance of (intercept, slope)
    residual_scale: float  # [log MW]
    degrees_of_freedom: int  # [1]
    spread_factor: float = 1.0  # [1], calibrated; absent in format 1 artifacts before it existed
    #: The normalised level of each year the model was fitted on, up to the origin: history,
    #: not a forecast (:meth:`observed`). [MW]
    observed_mw: Mapping[int, float] = field(default_factory=dict)
    #: Weight of the trend in the level forecast, the random walk's the rest
    #: (:func:`models.fit.combined_level`; 1/3 with a year-over-year momentum member). [1]
    trend_weight: float = HALVES_TREND_WEIGHT

    def regressors(self, years: np.ndarray) -> np.ndarray:
        """Design rows ``[1, y − origin]`` of the years, float64[Y, 2]."""
        years = np.asarray(years, dtype=np.float64)
        return np.column_stack([np.ones_like(years), years - self.origin_year])

    def parameter_draws(self, n_draws: int, rng: np.random.Generator) -> np.ndarray:
        """Draws of the trend's (intercept, slope), the covariance widened by the spread
        factor, float64[D, 2]."""
        centre = np.array([self.intercept, self.slope])
        spread = self.spread_factor
        return rng.multivariate_normal(centre, spread * spread * self.covariance, n_draws)

    def shock_years(self, years: np.ndarray) -> range:
        """The calendar years whose shocks ``years``' levels need: each of them, and every year
        from the origin's next on (:func:`_horizon_innovations` sums them)."""
        years = np.asarray(years, dtype=np.int64)
        return range(min(int(years.min()), self.origin_year + 1), int(years.max()) + 1)

    def levels(
        self, years: np.ndarray, parameters: np.ndarray, shocks: np.ndarray, scale
    ) -> np.ndarray:
        """The annual mean load of ``years`` from the draws' trend ``parameters`` [D, 2] and
        standard yearly ``shocks`` [D, S] of :meth:`shock_years`, times ``scale`` (a number,
        or [D, 1] per draw). float64[D, Y] [MW]"""
        years = np.asarray(years, dtype=np.int64)
        first = self.shock_years(years).start
        innovation = _horizon_innovations(
            shocks, first, years, self.origin_year, trend_weight=self.trend_weight
        )
        return np.exp(parameters @ self.regressors(years).T + scale * innovation)

    def observed(self, years: np.ndarray, levels: np.ndarray) -> np.ndarray:
        """``levels`` [D, Y] with each year the model was fitted on (up to the origin) set to
        its observed normalised level in every draw, in place. [MW]

        Such a year is history: its level is known, and its spread in a projection is the
        weather's and the daily noise's. A forecast draw for it would be a band around half
        the trend's value and half the observed one. The backtest and ``forecast evaluate``
        score forecasts and never call this."""
        for column, year in enumerate(np.asarray(years, dtype=np.int64)):
            known = self.observed_mw.get(int(year))
            if known is not None:
                levels[:, column] = known
        return levels

    def describe(self, years: np.ndarray) -> str:
        """One line on which of ``years`` take the observed level and which are forecast."""
        listed = [int(year) for year in np.asarray(years, dtype=np.int64)]
        known = [year for year in listed if year in self.observed_mw]
        ahead = [year for year in listed if year not in self.observed_mw]
        parts = []
        if known:
            levels = ", ".join(f"{year} {self.observed_mw[year]:,.0f} MW" for year in known)
            parts.append(
                f"observed (the model's training data; the weather-normalised annual mean "
                f"load, {levels}; spread from weather and daily noise only)"
            )
        if ahead:
            span = f"{ahead[0]}" if len(ahead) == 1 else f"{ahead[0]}-{ahead[-1]}"
            weights = (
                "half trend, half random walk"
                if self.trend_weight == HALVES_TREND_WEIGHT
                else f"trend {self.trend_weight:.2f}, random walks {1 - self.trend_weight:.2f}"
            )
            parts.append(
                f"{span} forecast from the origin year {self.origin_year} ({weights}; the "
                "level's spread grows with the horizon)"
            )
        return "; ".join(parts)


#: Hourly shapes kept (see BaselineModel.shape): 12 weather years x 12 years of hours is 10 MB
#: each. Shared by every model object with the same parameters, so that a model loaded again
#: for each projection (the library's and the command line's path) still finds them.
_SHAPES = SharedArrays(kept=4)

#: Where hourly shapes are kept between runs (``baseline-shapes`` in the per-user cache,
#: :func:`forecast.paths.user_cache_dir`, which a reinstall does not remove): one ``.npz`` file
#: per shape, named by a digest of everything it is computed from.
SHAPE_CACHE = user_cache_dir() / "baseline-shapes"
#: Shape files kept on disk, the least recently used removed first (10 MB each for 12 years).
SHAPE_FILES_KEPT = 8


def _shape_cache_on() -> bool:
    """Whether shapes are kept on disk: ``FORECAST_SHAPE_CACHE=0`` turns it off."""
    return os.environ.get("FORECAST_SHAPE_CACHE", "1").strip() != "0"


def _shape_file(digest: bytes) -> Path:
    """The file of the shape whose in-memory key is ``digest``: keyed as well on the code that
    computes it and the packages whose numbers it takes (``holidays``' calendars, NumPy's
    ``exp``), so that an upgrade computes it again."""
    from importlib.metadata import version

    from forecast.provenance import code_fingerprint

    key = hashlib.sha256(digest)
    key.update(f"{code_fingerprint()} {version('holidays')} {np.__version__}".encode())
    return SHAPE_CACHE / f"{key.hexdigest()}.npz"


def _stored_shape(digest: bytes, expected: tuple[int, int]) -> np.ndarray | None:
    """The shape kept on disk under ``digest``, or None where there is none or it cannot be
    read, is damaged (the zip member's CRC-32 is checked) or is not float64[``expected``]."""
    if not _shape_cache_on():
        return None
    path = _shape_file(digest)
    with contextlib.suppress(OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        # Opened here: np.load left a file it could not read open.
        with path.open("rb") as handle:
            stored = np.load(handle, allow_pickle=False)
            if not isinstance(stored, np.lib.npyio.NpzFile):
                return None
            shape = np.ascontiguousarray(stored["shape"])
        if shape.dtype == np.float64 and shape.shape == expected:
            os.utime(path)  # recently used: removed last
            return shape
    return None


def _store_shape(digest: bytes, shape: np.ndarray) -> None:
    """Keep ``shape`` on disk under ``digest`` (skipped where the cache cannot be written),
    and remove all but the :data:`SHAPE_FILES_KEPT` most recently used files."""
    if not _shape_cache_on():
        return
    from forecast.io.files import atomic_write

    path = _shape_file(digest)

    def write(temporary: Path) -> None:
        with temporary.open("wb") as handle:
            np.savez(handle, shape=shape)

    # A temporary file of each writer's own renamed over the file: a concurrent writer of the
    # same shape writes the same bytes, and a reader sees a whole file or none.
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, write)
        kept = sorted(
            SHAPE_CACHE.glob("*.npz"), key=lambda item: item.stat().st_mtime, reverse=True
        )
        for old in kept[SHAPE_FILES_KEPT:]:
            old.unlink(missing_ok=True)


@dataclass(frozen=True)
class BaselineModel:
    """A loaded, verified baseline model (see the module docstring for the equations)."""

    model_id: str
    version: str
    manifest: dict
    timezone: str
    spec: FeatureSpec
    coefficients: np.ndarray  # float64[P]
    log_normaliser: float  # log k
    level: LevelModel
    noise_autocorrelation: float  # φ of the daily AR(1) [1]
    noise_sd: float  # σ of the daily AR(1), calibrated [log]
    #: r[g, h]: the daily noise's scale at local hour h in group g (``noise_hour_split``),
    #: relative to σ; None (every artifact so far): 1 at every hour. Measurement only (issue
    #: 13's eighth round): :func:`sample_baseline` applies it, a projection does not.
    noise_hour_scale: np.ndarray | None = None  # float64[G, 24] [1]
    noise_hour_split: str = "none"

    @classmethod
    def from_parameters(
        cls,
        parameters: dict,
        *,
        model_id: str = "",
        version: str = "",
        manifest: dict | None = None,
    ) -> BaselineModel:
        """Build the model from the JSON parameter document written by training.

        Raises
        ------
        ArtifactError
            When a field is missing or has the wrong size.
        """
        where = f"{model_id}@{version} parameters" if model_id else "parameters"
        artifacts.check_baseline_parameters(parameters, where=where)
        try:
            if parameters["format_version"] != FORMAT_VERSION:
                raise ArtifactError(
                    f"parameters format_version={parameters['format_version']!r}; this library "
                    f"reads format_version {FORMAT_VERSION}"
                )
            spec = FeatureSpec(**parameters["feature_spec"])
            names = feature_names(spec)
            shape = parameters["shape"]
            if shape["feature_names"] != names:
                raise ArtifactError(
                    "parameters shape.feature_names differ from the features this library "
                    "computes; the artifact was trained with another feature set"
                )
            level = parameters["level"]
            noise = parameters["noise"]
            return cls(
                model_id=model_id,
                version=version,
                manifest=manifest or {},
                timezone=str(parameters["timezone"]),
                spec=spec,
                coefficients=np.asarray(shape["coefficients"], dtype=np.float64),
                log_normaliser=float(shape["log_normaliser"]),
                level=LevelModel(
                    intercept=float(level["intercept"]),
                    slope=float(level["slope"]),
                    origin_year=int(level["origin_year"]),
                    covariance=np.asarray(level["covariance"], dtype=np.float64).reshape(2, 2),
                    residual_scale=float(level["residual_scale"]),
                    degrees_of_freedom=int(level["degrees_of_freedom"]),
                    spread_factor=float(level.get("spread_factor", 1.0)),
                    trend_weight=float(level.get("trend_weight", HALVES_TREND_WEIGHT)),
                    observed_mw={
                        int(year): float(value)
                        for year, value in level.get("normalised_level_mw", {}).items()
                        if int(year) <= int(level["origin_year"])
                    },
                ),
                noise_autocorrelation=float(noise["autocorrelation"]),
                noise_sd=float(noise["sd"]),
                noise_hour_scale=(
                    None
                    if noise.get("hour_scale") is None
                    else np.asarray(noise["hour_scale"], dtype=np.float64).reshape(-1, 24)
                ),
                noise_hour_split=str(noise.get("hour_scale_split", "none")),
            )
        except (KeyError, TypeError, ValueError) as error:
            if isinstance(error, ArtifactError):
                raise
            raise ArtifactError(f"baseline parameters are malformed: {error!r}") from None

    def shape(
        self, local_times: pd.DatetimeIndex, temperature_c: np.ndarray, *, after: int = 0
    ) -> np.ndarray:
        """Dimensionless hourly shape for each weather trace (multiplies the level).

        Parameters
        ----------
        local_times
            Hour-beginning tz-aware times of the period (converted to the model's time zone).
        temperature_c
            float64[W, H] (or [H]) temperature per weather trace and hour. [°C]
        after
            Hours at the start that only warm the features up (the smoothed temperature, the
            day types): the shape returned starts after them.

        Returns
        -------
        numpy.ndarray
            float64[W, H - after] shape (C-contiguous), mean about 1 over a typical year. [1]
        """
        local_times = pd.DatetimeIndex(local_times).tz_convert(self.timezone)
        temperature = np.atleast_2d(np.asarray(temperature_c, dtype=np.float64))
        if temperature.shape[1] != len(local_times):
            raise DataError(
                f"temperature_c has {temperature.shape[1]} hours; local_times has "
                f"{len(local_times)}"
            )
        # A served model gets the same period and weather again and again (a new seed, another
        # scenario): the shape is then looked up, keyed on the model's parameters and the exact
        # times and temperatures. It is 37 % of a 100-draw, one-year projection (23 of 62 ms, a
        # cProfile 2026-11-23) and 0.16 s of a dashboard-sized one (benchmark, 2026-12-05).
        # The times are in the model's time zone by now: their instants fix the calendar.
        # sha256, not blake2b: OpenSSL's runs on the CPU's SHA instructions, twice as fast on
        # the 10 MB of a 12-year ensemble (5.6 ms against 10.8 ms, measured 2026-12-05).
        key = hashlib.sha256(local_times.asi8.tobytes())
        key.update(np.ascontiguousarray(temperature).data.cast("B"))
        key.update(repr((temperature.shape, after, self.spec, self.log_normaliser)).encode())
        key.update(self.coefficients.tobytes())
        digest = key.digest()
        cached = _SHAPES.get(digest)
        if cached is not None:
            return cached
        # A command-line run is a new process: the shape comes from disk (SHAPE_CACHE), 2 ms
        # where computing it took 0.9 s of CPU of a 5.6 s quick start (2026-12-07).
        stored = _stored_shape(digest, (temperature.shape[0], len(local_times) - after))
        if stored is not None:
            return _SHAPES.put(digest, stored)
        linear = predict_ensemble(local_times, temperature, self.coefficients, spec=self.spec)
        shape = np.exp(linear - self.log_normaliser)
        shape = np.ascontiguousarray(shape[:, after:]) if after else shape
        _store_shape(digest, shape)
        return _SHAPES.put(digest, shape)

    def level_median(self, years: np.ndarray) -> np.ndarray:
        """Median temperature-normalised annual mean load of each year, float64[Y]. [MW]"""
        level = self.level
        return np.exp(level.regressors(years) @ np.array([level.intercept, level.slope]))

    def level_draws(self, years: np.ndarray, n_draws: int, rng: np.random.Generator) -> np.ndarray:
        """Draws of the annual mean load from the level model's predictive distribution.

        Parameters
        ----------
        years
            Calendar years, int[Y].
        n_draws
            Number of draws D.
        rng
            Random generator.

        Returns
        -------
        numpy.ndarray
            float64[D, Y] annual mean load. [MW]
        """
        level = self.level
        # Parameter uncertainty is shared by all years of a draw (a steeper trend stays steeper),
        # so the spread widens with the horizon; the yearly shocks accumulate beyond the first
        # year ahead (:func:`_horizon_innovations`).
        parameters = level.parameter_draws(n_draws, rng)
        shock_years = level.shock_years(years)
        shocks = rng.standard_t(level.degrees_of_freedom, size=(n_draws, len(shock_years)))
        return level.levels(years, parameters, shocks, level.spread_factor * level.residual_scale)

    def level_paths(
        self, years: np.ndarray, n_draws: int, stream: Callable[[str], np.random.Generator]
    ) -> np.ndarray:
        """A projection's draws of the annual mean load, keyed so that a draw keeps its values
        whatever the number of draws and the years around it. float64[D, Y] [MW]

        The same predictive distribution as :meth:`level_draws` year by year (the trend's
        parameters ~ normal, the yearly shocks ~ the scale x Student t with the level's
        degrees of freedom, accumulated beyond the first year ahead as
        :func:`_horizon_innovations` says), drawn jointly as the textbook predictive of a
        regression whose scale is estimated: one scale per draw, ``sqrt(ν / χ²_ν)``, shared
        by its years, and a normal shock per year. A draw in which the scale is large is
        large in every year, instead of one wild year between two ordinary ones.

        Each part has its own stream, named ``parameters``, ``scale`` and the calendar year
        (``stream(name)`` returns a generator), and each draw takes its values in order, so
        draw ``d`` of year ``y`` is the same in a projection of 300 or 600 draws and of
        2029–2030 or 2024–2035.

        A year the model was fitted on (the origin year, 2024 for Korea's, and earlier) takes
        its observed level in every draw (:meth:`LevelModel.observed`); the streams are drawn
        all the same, so the years after it are the same with or without it.
        """
        level = self.level
        parameters = level.parameter_draws(n_draws, stream("parameters"))
        freedom = level.degrees_of_freedom
        scale = (
            level.spread_factor
            * level.residual_scale
            * np.sqrt(freedom / stream("scale").chisquare(freedom, n_draws))
        )
        shocks = np.stack(
            [stream(str(year)).standard_normal(n_draws) for year in level.shock_years(years)],
            axis=1,
        )
        return level.observed(years, level.levels(years, parameters, shocks, scale[:, None]))

    def daily_noise_by_year(
        self,
        days: Sequence[tuple[int, int, int, int]],
        n_draws: int,
        stream: Callable[[str], np.random.Generator],
    ) -> np.ndarray:
        """A projection's daily noise, keyed by calendar year: float64[D, n_days] (a transposed
        day-major array, as :meth:`daily_noise_draws`). [1]

        ``days`` lists, per calendar year of the window, ``(year, first, count, in_year)``: the
        window's first day as a day of that year (0 = Jan 1), its days in the year and the
        year's days. Each year's AR(1) path starts stationary on Jan 1 from the year's own
        stream (``stream(str(year))``), each draw's normals in one run, so a day's noise is
        the same whatever the window and the number of draws. The price: Dec 31 and Jan 1 are
        independent, where the fitted process has them correlated.
        """
        sd = self.noise_sd
        total = sum(count for _, _, count, _ in days)
        by_day = np.empty((total, n_draws))
        at = 0
        for year, first, count, in_year in days:
            path = _keyed_ar1(in_year, n_draws, self.noise_autocorrelation, stream(str(year)))
            by_day[at : at + count] = path[first : first + count]
            at += count
        return _lognormal(by_day, sd).T

    def hour_scale(
        self, local_times: pd.DatetimeIndex, calendar: CalendarFeatures
    ) -> np.ndarray | None:
        """r at each hour of ``local_times`` (local clock), float64[H]; None where the model
        has no hour-of-day noise scale. [1]"""
        if self.noise_hour_scale is None:
            return None
        group = noise_hour_group(local_times, calendar, self.noise_hour_split)
        return self.noise_hour_scale[group, calendar.hour]

    def daily_noise_draws(self, n_days: int, n_draws: int, rng: np.random.Generator) -> np.ndarray:
        """Multiplicative daily noise, AR(1) across days, mean 1, float64[D, n_days]. [1]

        The array is a transposed view of a C-contiguous float64[n_days, D] (one day's draws
        side by side, the layout the projection streams by day); see :func:`standard_ar1`.
        """
        return _lognormal(
            standard_ar1(n_days, n_draws, self.noise_autocorrelation, rng), self.noise_sd
        )


def _horizon_innovations(
    shocks: np.ndarray,
    first: int,
    years: np.ndarray,
    origin: int,
    *,
    trend_weight: float = HALVES_TREND_WEIGHT,
) -> np.ndarray:
    """The level's innovation in ``years``, from the standard yearly shocks of the calendar
    years ``first``, ``first + 1``, ... (``shocks`` [D, S]). [1] float64[D, Y]

    The level forecast weighs a trend by ``trend_weight`` w and random walks from the origin
    year by 1 − w (:func:`models.fit.combined_level`: w = ½ with one walk, ⅓ with the
    momentum member, whose two walks share the shocks). The trend's error in a year is that
    year's shock; a random walk's is the sum of the shocks since the origin, which grows with
    the horizon ``h = year − origin``. The same shocks drive both:

        e_y = z_y                                         h ≤ 1 (the year ahead, observed years)
        e_y = w z_y + (1 − w) (z_{origin+1} + ... + z_y)  h ≥ 1

    so the year ahead keeps the calibrated, backtested spread (exactly: w z + (1 − w) z = z),
    and h years ahead the variance is 1 + (1 − w)² (h − 1) times it (w = ½: (3 + h) / 4, 2.25
    at 6 years; w = ⅓: (5 + 4h) / 9, 3.22 at 6 years), where independent yearly shocks kept it
    flat (a forecaster found NSW's 80 % bands covering the annual energy of 2 of 7 years two
    years ahead and none six years ahead).
    """
    span = first + np.arange(shocks.shape[1])
    walk = np.cumsum(np.where(span > origin, shocks, 0.0), axis=1)
    columns = np.asarray(years, dtype=np.int64) - first
    ahead = (np.asarray(years) - origin >= 1)[None, :]
    own = shocks[:, columns]
    return np.where(ahead, trend_weight * own + (1.0 - trend_weight) * walk[:, columns], own)


def hourly_lognormal(z: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """``exp(sd_h · z − sd_h² / 2)`` with a scale per hour: ``z`` float64[D, H] (the day's
    standard AR(1) value at each hour), ``sd`` float64[H]; mean 1 at every hour for standard
    normal ``z``. A new array. [1]"""
    return np.exp(sd * z - 0.5 * sd * sd)


def _lognormal(z: np.ndarray, sd: float) -> np.ndarray:
    """``exp(sd · z − sd² / 2)``, mean 1 for standard normal ``z``, in place (the same
    operations in the same order as the expression). [1]"""
    z *= sd
    z -= 0.5 * sd * sd
    return np.exp(z, out=z)


#: Draws whose shocks are drawn at a time by :func:`standard_ar1` (bounds its temporary).
_AR1_DRAW_BLOCK = 256
#: Days transposed at a time by :func:`standard_ar1`: a 256 x 256 tile of float64 (512 KB)
#: stays in cache, where one whole-block transposed copy took 1.35 s at 10,000 draws x 4,383
#: days instead of 0.18 s (measured 2026-11-23 on the 2-core development machine).
_AR1_DAY_TILE = 256


def standard_ar1(n_days: int, n_draws: int, autocorrelation: float, rng) -> np.ndarray:
    """Stationary AR(1) paths with unit variance, float64[n_draws, n_days]. [1]

    ``z_0 ~ N(0, 1)``, ``z_t = φ z_{t−1} + sqrt(1 − φ²) e_t``, ``e_t ~ N(0, 1)``.

    The shocks ``e`` are drawn draw-major (all days of draw 0, then draw 1, ...), then the
    ``z_0``. The paths are computed in a day-major buffer, so that the recursion runs over
    contiguous rows of draws, and returned as its transposed view: the same numbers, bit for
    bit, as a draw-major loop, in one array instead of three.
    """
    phi = float(autocorrelation)
    by_day = _normals_by_day(n_days, n_draws, rng, np.sqrt(1.0 - phi * phi), scaled_from=0)
    first = rng.standard_normal(n_draws)
    if n_days == 0:
        return by_day.T
    by_day[0] = first
    kernels.ar1_recursion(by_day, phi)
    return by_day.T


def _keyed_ar1(n_days: int, n_draws: int, autocorrelation: float, rng) -> np.ndarray:
    """Stationary AR(1) paths with unit variance, day-major float64[n_days, n_draws]. [1]

    As :func:`standard_ar1`, but each draw's normals are one run (its start value, then its
    shocks), so that draw ``d`` gets the same path from the same generator whatever the
    number of draws.
    """
    phi = float(autocorrelation)
    by_day = _normals_by_day(n_days, n_draws, rng, np.sqrt(1.0 - phi * phi), scaled_from=1)
    if n_days:
        kernels.ar1_recursion(by_day, phi)
    return by_day


def _normals_by_day(
    n_days: int, n_draws: int, rng, scale: float, *, scaled_from: int
) -> np.ndarray:
    """Standard normals drawn draw-major (all days of draw 0, then draw 1, ...), the days from
    ``scaled_from`` on times ``scale``, laid out day-major: float64[n_days, n_draws]. [1]"""
    by_day = np.empty((n_days, n_draws))
    for start in range(0, n_draws, _AR1_DRAW_BLOCK):
        stop = min(start + _AR1_DRAW_BLOCK, n_draws)
        normals = rng.standard_normal((stop - start, n_days))
        normals[:, scaled_from:] *= scale
        for first_day in range(0, n_days, _AR1_DAY_TILE):
            days = slice(first_day, first_day + _AR1_DAY_TILE)
            by_day[days, start:stop] = normals[:, days].T
    return by_day


#: Days of weather before a period that the shape's features see first: the smoothed daily
#: temperature forgets its start by a factor 1 - exp(-1/3) a day, below float64's resolution
#: after about 110 days, so the period's first days get the values a longer period gives them.
WARM_UP_DAYS = 120


def warm_up_hours(local_times: pd.DatetimeIndex) -> tuple[pd.DatetimeIndex, int]:
    """The hours from ``WARM_UP_DAYS`` before ``local_times`` (whole local days) to their end,
    and the first of ``local_times``' place in them: the shape computed on all of them does
    not start cold at the period's first day (its smoothed temperatures, its day types), so an
    hour's shape is the same in any period that holds it."""
    first_day = local_dates(local_times[:1])[0].astype(dt.date)
    hours = hourly_times(
        first_day - dt.timedelta(days=WARM_UP_DAYS),
        local_dates(local_times[-1:])[0].astype(dt.date),
        str(local_times.tz),
    )
    return hours, len(hours) - len(local_times)


def weather_matrix(weather, local_times: pd.DatetimeIndex) -> np.ndarray:
    """Temperature float64[W, H] from a weather ensemble (``for_hours``) or an array. [°C]"""
    if hasattr(weather, "for_hours"):
        return np.asarray(weather.for_hours(local_times), dtype=np.float64)
    return np.atleast_2d(np.asarray(weather, dtype=np.float64))


@dataclass(frozen=True)
class BaselineSample:
    """Result of :func:`sample_baseline` for one period."""

    local_times: pd.DatetimeIndex
    point_mw: np.ndarray  # float64[H]: median level × mean shape over weather traces [MW]
    quantiles: np.ndarray  # float64[Q]: probabilities [1]
    quantile_mw: np.ndarray  # float64[Q, H] [MW]
    annual_peak_draws_mw: np.ndarray  # float64[D, Y]: highest hourly load per draw and year [MW]
    annual_mean_draws_mw: np.ndarray  # float64[D, Y]: mean load per draw and year [MW]
    years: np.ndarray  # int[Y]
    # float64[D, H]: every draw's hourly load, kept only on request (keep_draws) [MW]
    draws_mw: np.ndarray | None = None


def sample_baseline(
    model: BaselineModel,
    local_times: pd.DatetimeIndex,
    weather,
    n_draws: int,
    rng: np.random.Generator,
    quantiles=(0.05, 0.1, 0.5, 0.9, 0.95),
    *,
    history: bool = False,
    keep_draws: bool = False,
) -> BaselineSample:
    """Monte Carlo baseline for a period, as the backtest scores it.

    ``baseline[d, h] = level_draws[d, year(h)] × shape[w(d), h] × daily_noise[d, day(h)]``
    with ``w(d)`` drawn uniformly over the weather traces: the projection engine's composition,
    drawn from one generator (a Student t per year, the period's own noise path), so its
    numbers are not a projection's with the same seed. With a weather ensemble (``for_hours``)
    the shape sees the ``WARM_UP_DAYS`` before the period, as a projection's does; with
    temperatures given as an array (the backtest's actual or prior years' weather) it starts
    at the period's first hour.

    Parameters
    ----------
    model
        The baseline model.
    local_times
        Hour-beginning tz-aware times, whole local days.
    weather
        A :class:`forecast.weather.WeatherEnsemble` or temperature float64[W, H]. [°C]
    n_draws
        Number of Monte Carlo draws D (≥ 1).
    rng
        Random generator (seeded by the caller for reproducibility).
    quantiles
        Probabilities of the quantiles to return, each in (0, 1). [1]
    history
        Whether a year the model was fitted on takes its observed level (a projection's rule,
        :meth:`LevelModel.observed`; ``/v1/baseline``). The backtest and ``forecast
        evaluate`` score forecasts and leave it False.
    keep_draws
        Whether to return the hourly draws themselves (``draws_mw``, D × H values: what
        :mod:`forecast.baseline.evaluation` scores the CRPS and the coverages' Monte Carlo
        error from). They change no other number.

    Returns
    -------
    BaselineSample
        Point forecast, hourly quantiles and per-draw annual peaks and means.
    """
    if n_draws < 1:
        raise OptionsError(f"n_draws={n_draws!r}; allowed: an integer >= 1")
    probabilities = np.asarray(quantiles, dtype=np.float64)
    if not ((probabilities > 0) & (probabilities < 1)).all():
        raise OptionsError(f"quantiles={list(quantiles)!r}; allowed: probabilities in (0, 1)")
    local_times = pd.DatetimeIndex(local_times).tz_convert(model.timezone)
    if hasattr(weather, "for_hours"):
        hours, first = warm_up_hours(local_times)
        shape = model.shape(hours, weather_matrix(weather, hours), after=first)
    else:
        shape = model.shape(local_times, weather_matrix(weather, local_times))
    year_of_hour = local_times.year.to_numpy()
    years, year_index = np.unique(year_of_hour, return_inverse=True)
    calendar = calendar_features(local_times, spec=model.spec)
    day_index = calendar.day_of_period
    n_days = int(day_index.max()) + 1

    level = model.level_draws(years, n_draws, rng)
    if history:
        level = model.level.observed(years, level)
    weather_of_draw = rng.integers(0, shape.shape[0], size=n_draws)
    hour_scale = model.hour_scale(local_times, calendar)
    if hour_scale is None:
        noise = model.daily_noise_draws(n_days, n_draws, rng)
        draws = level[:, year_index] * shape[weather_of_draw] * noise[:, day_index]
    else:
        # The same standard AR(1) numbers as daily_noise_draws, scaled by r at each hour.
        standard = standard_ar1(n_days, n_draws, model.noise_autocorrelation, rng)
        noise = hourly_lognormal(standard[:, day_index], model.noise_sd * hour_scale)
        draws = level[:, year_index] * shape[weather_of_draw] * noise

    annual_peak = np.empty((n_draws, len(years)))
    annual_mean = np.empty((n_draws, len(years)))
    for position in range(len(years)):
        in_year = year_index == position
        annual_peak[:, position] = draws[:, in_year].max(axis=1)
        annual_mean[:, position] = draws[:, in_year].mean(axis=1)
    median = model.level_median(years)
    if history:
        median = model.level.observed(years, median[None, :])[0]
    point = median[year_index] * shape.mean(axis=0)
    return BaselineSample(
        local_times=local_times,
        point_mw=point,
        quantiles=probabilities,
        quantile_mw=np.quantile(draws, probabilities, axis=0),
        annual_peak_draws_mw=annual_peak,
        annual_mean_draws_mw=annual_mean,
        years=years,
        draws_mw=draws if keep_draws else None,
    )


def load_baseline_model(
    ref: str | None = None, *, root: Path | None = None, trust: artifacts.Trust | None = None
) -> BaselineModel:
    """Load and verify a baseline artifact.

    Parameters
    ----------
    ref
        ``"MODEL_ID[@VERSION]"``; ``None`` = the promoted version of the default model in
        :func:`forecast.paths.artifacts_dir` (the shipped one unless
        ``FORECAST_ARTIFACT_DIR`` is set).
    root
        Artifact root instead of :func:`forecast.paths.artifacts_dir`.
    trust
        Keys whose signatures are accepted (default: from the environment).

    Raises
    ------
    NotFoundError
        Unknown model id or version, or nothing promoted.
    ArtifactError
        Unsigned or wrongly signed, a file is missing, tampered with (sha256 mismatch) or
        malformed, or a parameter is out of range.
    """
    directory = artifacts.resolve(ref, root=root)
    manifest = artifacts.verify(directory, trust=trust)
    try:
        parameters = json.loads((directory / PARAMETERS_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ArtifactError(
            f"artifact {artifacts.label(directory)}: cannot read {PARAMETERS_FILE}: {error}"
        ) from None
    return BaselineModel.from_parameters(
        parameters,
        model_id=str(manifest.get("model_id", directory.parent.name)),
        version=str(manifest.get("version", directory.name)),
        manifest=manifest,
    )
