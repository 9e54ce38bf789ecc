"""Train the baseline national demand model, backtest it, publish it, promote it if better.

Usage::

    forecast-train --config models/configs/kr.toml
    python -m models.train --config models/configs/au-nsw.toml [--artifact-dir DIR] [--no-promote]

Steps: record the training code's git commit (:func:`training_code_revision`; none, with the
reason, outside a checkout), load demand (path, columns, time zone and holiday country from the
config) and the temperature of the config's weather location (:mod:`models.config`), report
and handle their gaps (:mod:`forecast.io.gaps`), run the rolling-origin backtest with its
interval calibration (:func:`models.fit.rolling_origin`), fit the final model on all years
(:func:`models.fit.fit_baseline`), write ``parameters.json`` + ``MODEL_CARD.md`` +
``manifest.json`` atomically to ``<artifact-dir>/<model_id>/<version>/`` and promote it when
its backtest beats the promoted version (or the seasonal-naive reference when none is
promoted).

Bad input (a config field, a data file row) ends the command with one line naming the file,
the row or field, the value and what is allowed, and exit status 2.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer

from forecast.baseline import artifacts, signing
from forecast.baseline.evaluation import TOP_DEMAND_HOURS
from forecast.baseline.model import PARAMETERS_FILE, BaselineModel
from forecast.cli.run import run_app
from forecast.errors import ArtifactError, OptionsError
from forecast.io.files import sha256_file
from forecast.io.gaps import RULE, GapReport
from forecast.paths import artifacts_dir, installed_package_dir, publishing_problem
from forecast.weather import historical_record, load_location
from models.config import (
    MIN_PART_YEAR_DAYS,
    TRAINABLE_LEVEL_MOMENTUM_MODES,
    TrainingConfig,
    clock_warning,
    copied_config_warning,
    days_to_year_end,
    demand_summary,
    load_config,
    load_training_data,
    part_year_end,
    part_year_start,
)
from models.fit import fit_baseline, rolling_origin, with_calibration

_LIBRARIES = ("numpy", "pandas", "statsmodels", "holidays", "ai-grid-forecast")
PROMOTION_METRIC = ("ex_ante", "mape_pct")
#: The training code's directory, whose git checkout's commit the manifest records.
TRAINING_CODE_DIR = Path(__file__).resolve().parent
#: Longest wait for one git command; a hung git never stops training. [s]
GIT_TIMEOUT_S = 10.0


def file_sha256(path: Path) -> str:
    """sha256 of a data file (recorded in the manifest)."""
    return sha256_file(path)


def _library_versions() -> dict[str, str]:
    versions = {"python": sys.version.split()[0]}
    for name in _LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _git(git: str, directory: Path, *arguments: str) -> subprocess.CompletedProcess:
    # S603: a fixed git command on the training code's own directory, no user input.
    return subprocess.run(  # noqa: S603
        [git, "-C", str(directory), *arguments],
        capture_output=True,
        text=True,
        timeout=GIT_TIMEOUT_S,
        check=False,
    )


def training_code_revision(
    directory: Path = TRAINING_CODE_DIR, *, outputs: Path | None = None
) -> dict:
    """The git commit of the training code, for the manifest and the model card; never
    raises (a model trains without git).

    Returns
    -------
    dict
        From a git checkout: ``{"git_commit": <git rev-parse HEAD>, "dirty": <whether tracked
        files differ from it, git status --untracked-files=no>}`` (``dirty`` None where git
        status fails). Otherwise ``{"git_commit": None, "reason": <why none is recorded>}``:
        not a checkout (an installed package), or git not installed or not answering.

    ``outputs``, the artifact store the training publishes into, is left out of ``dirty`` where
    it lies inside the checkout (the shipped ``models/artifacts``): a store is what training
    writes, not code, and training a second grid after a first (whose ``CURRENT`` file moved)
    would otherwise call the second model's code dirty.
    """
    git = shutil.which("git")
    if git is None:
        return {"git_commit": None, "reason": "git is not installed"}
    try:
        head = _git(git, directory, "rev-parse", "HEAD")
        if head.returncode != 0:
            said = head.stderr.strip().splitlines()
            return {
                "git_commit": None,
                "reason": f"{directory} is not in a git checkout with a commit ("
                + (said[0] if said else f"git exit status {head.returncode}")
                + ")",
            }
        status = _git(
            git,
            directory,
            "status",
            "--porcelain",
            "--untracked-files=no",
            *_status_pathspec_without(git, directory, outputs),
        )
    except (OSError, subprocess.SubprocessError) as error:
        return {"git_commit": None, "reason": f"git could not run: {error}"}
    dirty = bool(status.stdout.strip()) if status.returncode == 0 else None
    return {"git_commit": head.stdout.strip(), "dirty": dirty}


def _status_pathspec_without(git: str, directory: Path, outputs: Path | None) -> tuple[str, ...]:
    """The pathspec of ``git status`` that leaves ``outputs`` out where it lies inside the
    checkout of ``directory`` (below its top: a store that is the whole checkout leaves
    nothing to check, so it is not left out); none (the whole checkout) otherwise."""
    if outputs is None:
        return ()
    top = _git(git, directory, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        return ()
    try:
        inside = outputs.resolve().relative_to(Path(top.stdout.strip()).resolve())
    except ValueError:
        return ()
    if not inside.parts:
        return ()
    return ("--", ":(top)", f":(top,exclude){inside.as_posix()}")


def _code_line(training_code: dict) -> str:
    """The model card's line on the training code's commit (:func:`training_code_revision`)."""
    commit = training_code.get("git_commit")
    if commit is None:
        return f"git commit not recorded: {training_code.get('reason')}"
    state = {
        False: "clean: no tracked file differed from it",
        True: "dirty: tracked files differed from it, so the commit alone does not reproduce "
        "this model",
        None: "whether tracked files differed from it is not known",
    }[training_code.get("dirty")]
    return f"git commit `{commit}` ({state})"


def _gap_lines(gaps: tuple[GapReport, ...]) -> str:
    """Markdown bullets: each report's one-line summary, then the rule."""
    if not gaps:
        return "- none reported"
    return "\n".join([*(f"- {report.summary()}" for report in gaps), f"- Rule: {RULE}."])


def _demand_size(manifest: dict) -> str:
    """The model card's words on the demand's unit and size, where the manifest has them."""
    unit = (manifest["config"].get("data") or {}).get("demand_unit", "MW")
    size = manifest["data"].get("demand_mean_mw")
    read = f", read in {unit} and converted to MW" if unit != "MW" else ""
    if size is None:
        return read
    return f"{read}; mean {size:,.0f} MW, peak {manifest['data']['demand_peak_mw']:,.0f} MW"


def _worst_year(table: pd.DataFrame) -> str:
    """The backtest's largest ex ante energy error, as the model card names it."""
    ex_ante = table.xs("ex_ante", level="forecast").drop("mean |.|", errors="ignore")
    if ex_ante.empty:
        return ""
    errors = ex_ante["energy_error_pct"].to_numpy(dtype=float)
    worst = int(abs(errors).argmax())
    return (
        f" (in the backtest above, the largest ex ante energy error is {ex_ante.index[worst]}'s, "
        f"{errors[worst]:+.2f} %)"
    )


def _momentum_line(level: dict) -> str:
    """The model card's words on the level's year-over-year momentum member, if any."""
    if "momentum_growth" not in level:
        return ""
    return (
        ",\n  and the same walk moved by the weather-normalised growth of the origin year's last "
        f"{level['momentum_months']} months\n  over the same months a year earlier "
        f"({100 * level['momentum_growth']:+.2f} %)"
    )


def _model_card(
    manifest: dict,
    table_text: str,
    *,
    station: str,
    gaps: tuple[GapReport, ...] = (),
    worst_year: str = "",
) -> str:
    level = manifest["parameters_summary"]
    trend_share, level_parts, joint, walk_part = (
        ("a third", "a third trend, two thirds random walks", "", "members add")
        if "momentum_growth" in level
        else ("half", "half trend, half random walk", " and", "half adds")
    )
    walk_weight = 1.0 - level["trend_weight"]
    subdivision = manifest["config"]["model"].get("subdivision")
    subdivision = f" (subdivision {subdivision})" if subdivision else ""
    features = manifest["config"].get("features", {})
    daily_range = " daily temperature range × hour," if features.get("daily_range_terms") else ""
    data = manifest["config"].get("data", {})
    years = f"{data.get('first_year')}..{data.get('last_year')}"
    return f"""# Model card: {manifest["model_id"]} {manifest["version"]}

{manifest["description"]}

## What it predicts
Hourly demand of the grid [MW] (hour-beginning, {manifest["timezone"]}) for whole future years,
as Monte Carlo draws: annual level × hourly shape(calendar, temperature) × daily noise. Future
weather enters as an ensemble of historical weather years.

## Training data
- Demand: `{manifest["data"]["demand_file"]}` sha256 `{manifest["data"]["demand_sha256"]}`,
  its first and last hour in [data] first_year..last_year = {years}:
  {manifest["data"]["rows"][0]} .. {manifest["data"]["rows"][1]}{_demand_size(manifest)}.
- Temperature: {manifest["data"]["temperature"]}.
- Holidays: `holidays` package, country {manifest["country"]}{subdivision}.

## Gaps in the training data
{_gap_lines(gaps)}

## Training code
{_code_line(manifest["training_code"])}.

## Model
- Shape: ridge regression of log load on {len(manifest["features"])} features (day type ×
  hour, seasonal harmonics × hour, heating/cooling degrees × hour,{daily_range} trend × hour
  as a profile that sums to zero over the day), years {level["shape_window_years"]}.
- Level: equal-weight combination of a statsmodels OLS trend of log temperature-normalised
  annual mean load, years {level["level_window_years"]},{joint} a random walk from the last
  year's level{_momentum_line(level)}; slope {level["level_slope_pct_per_year"]:.2f} %/year
  ({trend_share} of the trend's).
- Noise: daily AR(1), φ = {level["noise_autocorrelation"]:.2f}, σ = {level["noise_sd"]:.4f}
  (residual sd × calibration factor {level["calibration_factor"]:.2f}); level scale
  {100 * level["level_scale"]:.2f} % (level spread factor {level["level_spread_factor"]:.2f}
  of the regression's parameter and year deviations).

## Backtest (rolling origin: each year's model fitted on the years before it, one year ahead)
Measured by `{manifest["backtest"]["command"]}`:

{table_text}

Ex post: actual temperatures (where the record was rebuilt from daily values, the rebuilt
ones; see the gaps above). Ex ante: ensemble of the prior years' weather. Seasonal naive: the
same local clock hour 364 days earlier (728 where that day is in the forecast year itself),
with no weather (compare it with ex ante). The second table: MAE, RMSE and mean bias of the
point forecast (MW; bias % = energy error), the draws' sample CRPS (MW), the shares of hours
below P10 and above P90, the 80 % coverage on the year's {TOP_DEMAND_HOURS} highest-demand
hours, the coverages' Monte Carlo standard errors (10 batches of draws) and whether the actual
annual peak fell inside the draws' P10-P90 of it.

Interval calibration (noise factor on ex post coverage with the actual level, then level scale
on ex ante coverage, each the median over years): for each year, the median over the *other*
backtest years (leave-one-year-out), later years included, so a year's coverage is not fully
out of time. The features and level model were chosen on these same folds (the README's "What
was tried" reports earlier folds as a check).

## Years ahead
Every forecast above is one year ahead. Farther years' bands are wider: the level's
random-walk {walk_part} up the yearly shocks since the origin, so h years ahead the
level's variance is 1 + {walk_weight**2:.3f} (h - 1) times the year ahead's
({1 + 5 * walk_weight**2:.2f} at 6 years; {walk_weight:.3f} is the random-walk weight,
`forecast.baseline.model._horizon_innovations`). They were checked, not calibrated, by the
multi-horizon check (`python -m models.horizons --config CONFIG --origins FIRST-LAST`: each
origin's model forecasts the next years ex ante; README, "What was tried", seventh round). On
the shipped models it found au-nsw-baseline's bands too narrow from 2 years ahead and
kr-national-baseline's wide (the README's "Model" has the figures of the versions it checked).
Run it on this model's config before quoting a band more than a year past its origin.

## Limits
- Single-station temperature ({station}) as a proxy for the whole grid.
- The level is {level_parts}: it does not know about economic shocks{worst_year}.
- Behind-the-meter solar is captured only through linear trends (of the daily profile and of
  the response to the daily temperature range, a sunshine proxy); they extrapolate linearly.
"""


def promotion_decision(score: dict, model_id: str, *, root: Path) -> tuple[bool, str]:
    """Promote when the mean ex ante hourly MAPE beats the promoted version's (or naive's).

    Returns
    -------
    tuple
        (promote?, a sentence saying why).
    """
    section, metric = PROMOTION_METRIC
    candidate = score[section][metric]
    current = artifacts.current_version(model_id, root=root)
    if current is None:
        reference = score["seasonal_naive"][metric]
        better = candidate < reference
        return better, (
            f"no version of {model_id} promoted yet, {section} {metric} {candidate:.3f} vs "
            f"seasonal naive {reference:.3f}"
        )
    manifest = artifacts.verify(root / model_id / current)
    reference = manifest["metrics"][section][metric]
    better = candidate < reference
    return better, f"{section} {metric} {candidate:.3f} vs promoted {current} {reference:.3f}"


def publish_model(
    *,
    config: TrainingConfig,
    parameters: dict,
    backtest_result,
    root: Path,
    version: str,
    demand_sha256: str,
    rows: tuple[pd.Timestamp, pd.Timestamp],
    promote_if_better: bool = True,
    gaps: tuple[GapReport, ...] = (),
    demand_size: tuple[float, float] | None = None,
    training_code: dict | None = None,
) -> tuple[Path, bool, str]:
    """Publish the artifact atomically; promote it when its backtest beats the current one.

    ``rows`` are the first and last hour of the demand file within ``[data]
    first_year..last_year`` (the manifest's ``rows``, and its ``window`` as local days).
    ``gaps`` (from :func:`load_training_data`) go into the manifest and the model card, and
    so do ``demand_size``, the mean and peak demand trained on [MW], and ``training_code``,
    the training code's git commit (:func:`training_code_revision`; default: read now).

    Returns
    -------
    tuple
        (artifact directory, promoted?, reason).
    """
    import json

    location = load_location(config.weather_location)
    record_files = historical_record(location, config.data_dir).source_files
    score = backtest_result.summary
    manifest = {
        "description": config.description,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "country": config.country,
        "timezone": config.timezone,
        "weather_location": config.weather_location,
        "libraries": _library_versions(),
        "training_code": training_code or training_code_revision(),
        "data": {
            "demand_file": config.demand_file,
            "demand_sha256": demand_sha256,
            "window": [rows[0].date().isoformat(), rows[1].date().isoformat()],
            "rows": [rows[0].isoformat(), rows[1].isoformat()],
            **(
                {"demand_mean_mw": demand_size[0], "demand_peak_mw": demand_size[1]}
                if demand_size is not None
                else {}
            ),
            "temperature": f"{location.station}: {', '.join(name for name, _ in record_files)}",
            "temperature_sha256": dict(record_files),
            "gaps": [report.to_dict() for report in gaps],
        },
        "config": config.raw,
        "features": parameters["shape"]["feature_names"],
        "parameters_summary": {
            "shape_window_years": parameters["shape"]["window_years"],
            "level_window_years": parameters["level"]["window_years"],
            "level_slope_pct_per_year": 100.0 * parameters["level"]["slope"],
            "trend_weight": parameters["level"]["trend_weight"],
            **(
                {
                    "momentum_growth": parameters["level"]["momentum_growth"],
                    "momentum_months": config.level_momentum_months,
                }
                if "momentum_growth" in parameters["level"]
                else {}
            ),
            "noise_autocorrelation": parameters["noise"]["autocorrelation"],
            "noise_sd": parameters["noise"]["sd"],
            "calibration_factor": parameters["noise"]["calibration_factor"],
            "level_spread_factor": parameters["level"]["spread_factor"],
            "level_scale": parameters["level"].get(
                "calibrated_scale", parameters["level"]["residual_scale"]
            ),
        },
        "metrics": score,
        "backtest": {"command": backtest_result.command, "years": list(config.backtest_years)},
    }
    table_text = backtest_result.table_text

    def write_files(directory: Path) -> None:
        (directory / PARAMETERS_FILE).write_text(
            json.dumps(parameters, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
        card = _model_card(
            {**manifest, "model_id": config.model_id, "version": version},
            table_text,
            station=location.station,
            gaps=gaps,
            worst_year=_worst_year(backtest_result.table),
        )
        (directory / "MODEL_CARD.md").write_text(card, encoding="utf-8")
        # The published parameters must load and predict; check before the rename.
        BaselineModel.from_parameters(parameters)

    directory = artifacts.publish(
        model_id=config.model_id,
        version=version,
        manifest=manifest,
        write_files=write_files,
        root=root,
        # Signed when FORECAST_SIGNING_KEY_FILE is set; the service refuses unsigned models.
        signing_key=signing.signing_key_from_environment(),
    )
    promote, reason = promotion_decision(score, config.model_id, root=root)
    if promote and promote_if_better:
        artifacts.promote(config.model_id, version, root=root)
    return directory, promote and promote_if_better, reason


def _default_store() -> Path:
    """The store training publishes into when ``--artifact-dir`` is not given.

    Raises
    ------
    OptionsError
        The default store is an installed package's folder, or a checkout that the installed
        ``forecast`` command does not read (:func:`forecast.paths.publishing_problem`).
    """
    problem = publishing_problem(installed_package_dir())
    if problem:
        raise OptionsError(
            f"artifact store: {problem}; allowed: a store of your own, made with `forecast "
            "models init DIR` and named by FORECAST_ARTIFACT_DIR=DIR (or --artifact-dir DIR)"
        )
    return artifacts_dir()


def _check_signing_key() -> None:
    """Refuse before any work a model that could not be promoted for want of a trusted key.

    Raises
    ------
    ArtifactError
        No signing key (and unsigned artifacts not allowed), or a key that is not trusted.
    """
    key = signing.signing_key_from_environment()
    trust = signing.Trust.from_environment()
    if key is None and not trust.allow_unsigned:
        raise ArtifactError(
            "FORECAST_SIGNING_KEY_FILE: not set, so the model would be unsigned and neither "
            "promoted nor loaded; allowed: a key made by `forecast keys generate FILE`, its "
            ".pub in FORECAST_TRUSTED_KEYS (or --no-promote)"
        )
    if key is not None and signing.key_id(key.public_key()) not in trust.keys:
        raise ArtifactError(
            f"FORECAST_SIGNING_KEY_FILE: key {signing.key_id(key.public_key())} signs, but is "
            "not trusted, so the model could be neither promoted nor loaded; allowed: its public "
            "key (the .pub that `forecast keys generate` wrote) in FORECAST_TRUSTED_KEYS"
        )


app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help=__doc__.split("\n")[0],
)


@app.command()
def train(
    config_path: Annotated[
        Path, typer.Option("--config", help="Training config TOML (models/configs/*.toml).")
    ] = Path("models/configs/kr.toml"),
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Real data directory (default: [data] dir or FORECAST_DATA_DIR)."),
    ] = None,
    artifact_dir: Annotated[
        Path | None,
        typer.Option(
            help="Artifact store to publish into (default: FORECAST_ARTIFACT_DIR; else a "
            "checkout's models/artifacts, when the installed forecast command reads it)."
        ),
    ] = None,
    version: Annotated[
        str | None, typer.Option(help="Version name (default: UTC time YYYYMMDDTHHMMSSZ).")
    ] = None,
    no_promote: Annotated[
        bool, typer.Option("--no-promote", help="Publish, but never promote.")
    ] = False,
) -> None:
    """Train, backtest, publish and (if better) promote a baseline model."""
    started = time.perf_counter()
    root = artifact_dir or _default_store()
    # the code that runs, before anything changes it; the store it publishes into is no code
    training_code = training_code_revision(TRAINING_CODE_DIR, outputs=root)
    if not no_promote:
        _check_signing_key()
    config = load_config(config_path, data_dir=data_dir)
    if config.noise_by_hour:
        raise OptionsError(
            f"{config_path}: [model] noise_by_hour = true is for python -m models.backtest "
            "only: the projection engine does not apply the hour-of-day noise scale, so an "
            "artifact trained with it would project with other intervals than it was scored "
            "with; allowed: false (or leave it out)"
        )
    measurement_only = config.level_momentum not in TRAINABLE_LEVEL_MOMENTUM_MODES
    if measurement_only or config.shape_windows:
        setting = (
            f"level_momentum = {config.level_momentum!r}"
            if measurement_only
            else f"shape_windows = {list(config.shape_windows)}"
        )
        raise OptionsError(
            f"{config_path}: [training] {setting} is for python -m models.backtest only "
            "(issue 13's ninth round, a measurement: the README's \"What was tried\"); "
            'allowed: level_momentum = "none" or "member" and shape_windows = [] (or leave '
            "them out)"
        )
    copied = copied_config_warning(config)
    if copied is not None:
        print(copied, file=sys.stderr)
    version = version or dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    data = load_training_data(config)
    valid = int(np.isfinite(data.demand.to_numpy()).sum())
    # The demand file's first and last hour in the years: gaps[0] is the demand's report.
    rows = data.gaps[0].rows
    assert rows is not None  # load_training_data refuses years without demand
    window = (rows[0].date(), rows[1].date())
    short = ""
    if (window[0].year, window[1].year) != (config.first_year, config.last_year):
        short = (
            f" (the file has no demand in the rest of [data] first_year..last_year = "
            f"{config.first_year}..{config.last_year})"
        )
    print(
        f"loaded {valid} of {len(data.demand)} hours of demand, {window[0].year}.."
        f"{window[1].year}{short}, for fitting and scoring (the others masked: the demand's "
        f"and the temperature's long gaps below); weather {config.weather_location}"
    )
    usable = data.demand.index[np.isfinite(data.demand.to_numpy())]
    starts = part_year_start(usable)
    if starts is not None:
        print(
            f"note: the usable hours (demand with temperature) start on {starts.date()}: "
            f"{starts.year} is a part year, whose level is fitted from its last "
            f"{days_to_year_end(starts)} days (at least {MIN_PART_YEAR_DAYS} are required); "
            f"[data] first_year = {starts.year + 1} starts on a whole year"
        )
    ends = part_year_end(usable)
    if ends is not None:
        print(
            f"note: the usable hours (demand with temperature) end on {ends.date()}: "
            f"{ends.year} is a part year, whose level is fitted from its first "
            f"{ends.day_of_year} days (at least {MIN_PART_YEAR_DAYS} are required) and starts "
            f"the level forecast; [data] last_year = {ends.year - 1} ends on a whole year"
        )
    print(demand_summary(config, data.demand))
    warning = clock_warning(config, data)
    if warning is not None:
        print(warning, file=sys.stderr)
    for report in data.gaps:
        print(f"gaps: {report.summary()}")
    command = f"forecast-train --config {config_path}"
    result = rolling_origin(data.demand, data.temperature, config, command=command)
    print(result.table_text)
    parameters = with_calibration(
        fit_baseline(data.demand, data.temperature, config, last_year=config.last_year),
        result.calibration_factor,
        level_scale=result.level_scale,
    )
    directory, promoted, reason = publish_model(
        config=config,
        parameters=parameters,
        backtest_result=result,
        root=root,
        version=version,
        demand_sha256=file_sha256(config.data_dir / config.demand_file),
        rows=rows,
        promote_if_better=not no_promote,
        gaps=data.gaps,
        demand_size=(float(np.nanmean(data.demand)), float(np.nanmax(data.demand))),
        training_code=training_code,
    )
    elapsed = time.perf_counter() - started
    print(f"published {directory}; {'promoted' if promoted else 'not promoted'}: {reason}")
    print(f"wall time {elapsed:.1f} s")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point of ``forecast-train``; returns the exit status."""
    return run_app(app, argv)


if __name__ == "__main__":
    raise SystemExit(main())
