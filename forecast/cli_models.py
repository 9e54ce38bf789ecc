"""``forecast models list|show`` and ``forecast evaluate``: baseline model artifacts on the CLI.

Registered on the main app by :mod:`forecast.cli`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer

from forecast import artifacts
from forecast.baseline import load_baseline_model
from forecast.errors import DataError, OptionsError
from forecast.evaluation import (
    format_table,
    metrics_table,
    model_forecasts,
    seasonal_naive_forecasts,
)
from forecast.loaders import load_demand, load_hourly_temperature

models_app = typer.Typer(no_args_is_help=True, help="Baseline demand model artifacts.")

# Longest temperature gap ``forecast evaluate`` fills by linear interpolation. [h]
_MAX_INTERPOLATED_GAP_HOURS = 6


def _headline(metrics: dict | None) -> str:
    if not metrics:
        return "no metrics"
    ex_post, ex_ante = metrics.get("ex_post", {}), metrics.get("ex_ante", {})
    return (
        f"MAPE ex post {ex_post.get('mape_pct', float('nan')):.2f} % / ex ante "
        f"{ex_ante.get('mape_pct', float('nan')):.2f} %; 80 % coverage ex ante "
        f"{ex_ante.get('coverage_80_pct', float('nan')):.1f} %"
    )


@models_app.command("list")
def models_list(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List model ids, their versions, the promoted one and its backtest metrics."""
    root = artifacts.artifacts_dir()
    rows = []
    for model_id, versions in artifacts.list_models(root).items():
        promoted = artifacts.current_version(model_id, root=root)
        for version in versions:
            manifest = artifacts.read_manifest(root / model_id / version)
            rows.append(
                {
                    "model_id": model_id,
                    "version": version,
                    "promoted": version == promoted,
                    "created": manifest.get("created"),
                    "metrics": manifest.get("metrics"),
                }
            )
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    if not rows:
        print(f"no model artifacts in {root}")
        return
    for row in rows:
        marker = "*" if row["promoted"] else " "
        print(f"{marker} {row['model_id']}@{row['version']}  {_headline(row['metrics'])}")
    print("(* = promoted)")


@models_app.command("show")
def models_show(
    reference: Annotated[
        str | None, typer.Argument(help="MODEL_ID[@VERSION] (default: the promoted default).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the manifest as JSON.")] = False,
) -> None:
    """Verify an artifact (sha256 of every file) and show its manifest and model card."""
    model = load_baseline_model(reference)
    if as_json:
        print(json.dumps(model.manifest, indent=2, ensure_ascii=False))
        return
    directory = artifacts.resolve(f"{model.model_id}@{model.version}")
    print(f"{model.model_id}@{model.version}  (verified: {len(model.manifest['files'])} files)")
    print(f"created {model.manifest.get('created')}; time zone {model.timezone}")
    print((directory / "MODEL_CARD.md").read_text(encoding="utf-8"))


def _temperature_for(path: Path, demand: pd.Series, timezone: str) -> np.ndarray:
    temperature = load_hourly_temperature(path, timezone=timezone).reindex(demand.index)
    temperature = temperature.interpolate(limit=_MAX_INTERPOLATED_GAP_HOURS, limit_area="inside")
    if temperature.isna().any():
        first = temperature.index[int(np.flatnonzero(temperature.isna().to_numpy())[0])]
        missing = int(temperature.isna().sum())
        raise DataError(
            f"{path}: temperature is missing at {first.isoformat()} ({missing}"
            f" demand hours in all); gaps up to {_MAX_INTERPOLATED_GAP_HOURS} h are interpolated, "
            "longer ones are not allowed for an ex post evaluation"
        )
    return temperature.to_numpy()


def evaluate(
    model: Annotated[
        str | None, typer.Option("--model", help="MODEL_ID[@VERSION] (default: promoted).")
    ] = None,
    demand: Annotated[
        Path, typer.Option("--demand", help="Demand CSV: long timestamp,demand_mw or wide KPX.")
    ] = Path("demand.csv"),
    temperature: Annotated[
        Path | None,
        typer.Option("--temperature", help="Hourly timestamp,temp_c CSV: ex post evaluation."),
    ] = None,
    draws: Annotated[int, typer.Option(help="Monte Carlo draws per year (10..100000).")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Score a baseline model on a demand file, per complete calendar year.

    Ex post when --temperature is given (actual weather); ex ante otherwise (the weather
    ensemble of the model's location). The seasonal-naive reference (same hour 364 days
    earlier) is shown for the years the file covers with a year before them.
    """
    if not 10 <= draws <= 100_000:
        raise OptionsError(f"--draws={draws}; allowed: 10..100000")
    baseline = load_baseline_model(model)
    observed = load_demand(demand, timezone=baseline.timezone)
    if temperature is not None:
        values = pd.Series(_temperature_for(temperature, observed, baseline.timezone),
                           index=observed.index)  # fmt: skip
        label, weather_source = "ex_post", str(temperature)

        def weather_for_year(_year, local_times):
            return values[local_times].to_numpy()[None, :]
    else:
        from forecast.weather import load_weather

        ensemble = load_weather(location=baseline.manifest.get("weather_location") or "seoul")
        label, weather_source = "ex_ante", ensemble.source
        weather_for_year = ensemble
    forecasts = model_forecasts(
        baseline, observed, weather_for_year=weather_for_year, n_draws=draws, seed=seed
    )
    table = pd.concat([
        metrics_table(forecasts, label=label),
        metrics_table(seasonal_naive_forecasts(observed, years=[f.year for f in forecasts]),
                      label="seasonal_naive"),
    ])  # fmt: skip
    if as_json:
        records = [
            {"forecast": name, "year": year,
             **{key: (None if pd.isna(value) else float(value)) for key, value in row.items()}}
            for (name, year), row in table.iterrows()
        ]  # fmt: skip
        print(json.dumps({
            "model": f"{baseline.model_id}@{baseline.version}",
            "demand_file": str(demand),
            "mode": label,
            "weather": weather_source,
            "draws": draws,
            "seed": seed,
            "metrics": records,
        }, indent=2, ensure_ascii=False))  # fmt: skip
        return
    print(f"model {baseline.model_id}@{baseline.version}; {label}; weather: {weather_source}")
    print(format_table(table))
