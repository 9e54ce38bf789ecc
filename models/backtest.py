"""Rolling-origin backtest of the baseline model, printed as a table.

The backtest itself, with the interval calibration it carries, is
:func:`models.fit.rolling_origin` (shared with :mod:`models.train`, which this module does not
import): each backtest year is fitted on the years before it and forecast ex post (actual
weather) and ex ante (the prior years' weather), next to the seasonal-naive reference.

Run alone: ``python -m models.backtest --config models/configs/kr.toml``; ``--series DIR``
also writes the backtest years' out-of-sample hourly forecasts, as ``forecast evaluate
--series`` writes its own (:func:`forecast.baseline.evaluation.series_frame`). ``--by hour``
and ``--by season`` print the ex post and ex ante calibration over the backtest years by local
clock hour or season, and ``--json`` carries both with the PIT histograms
(:func:`forecast.baseline.evaluation.calibration_json`).
"""

from __future__ import annotations

import json
import sys
from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from forecast.baseline.evaluation import (
    calibration_json,
    calibration_table,
    check_groupings,
    draws_note,
    format_calibration_table,
    format_pit,
    pit_histogram,
    series_frame,
)
from forecast.baseline.features import FeatureSpec
from forecast.cli.options import CalibrationByOption
from forecast.cli.run import run_app
from forecast.errors import OptionsError
from forecast.io.files import atomic_write
from models.config import (
    clock_warning,
    demand_summary,
    load_config,
    load_training_data,
    with_backtest_years,
)
from models.fit import BacktestResult, rolling_origin

#: The backtest's model forecasts, whose calibration ``--by`` and ``--json`` show (seasonal
#: naive has no intervals or draws).
MODEL_LABELS = ("ex_post", "ex_ante")

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Run the rolling-origin backtest of a training config and print its table.",
)


@app.command()
def backtest(
    config_path: Annotated[
        Path, typer.Option("--config", help="Training config TOML (models/configs/*.toml).")
    ] = Path("models/configs/kr.toml"),
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Real data directory (default: [data] dir or FORECAST_DATA_DIR)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    years: Annotated[
        str | None,
        typer.Option(
            "--years",
            help="Backtest these years instead of the config's [backtest] years, comma-separated "
            "(e.g. 2016,2017,2018: a check on folds no modelling choice looked at).",
        ),
    ] = None,
    series: Annotated[
        Path | None,
        typer.Option(
            "--series",
            help="Also write each backtest year's out-of-sample hourly actual, point forecast "
            "and P10/P50/P90 to ex_post.csv, ex_ante.csv and seasonal_naive.csv in this "
            "existing directory (timestamp with its UTC offset; MW).",
        ),
    ] = None,
    by: CalibrationByOption = None,
) -> None:
    """Run the backtest alone and print the table (and ``--json``)."""
    groupings = check_groupings(by or [])
    if series is not None and not series.is_dir():
        raise OptionsError(f"--series = {str(series)!r}: allowed: an existing directory")
    config = load_config(config_path, data_dir=data_dir)
    command = f"python -m models.backtest --config {config_path}"
    if years is not None:
        config = with_backtest_years(config, years)
        command += f" --years {years}"
    data = load_training_data(config)
    warning = clock_warning(config, data)
    if warning is not None:
        print(warning, file=sys.stderr)
    result = rolling_origin(data.demand, data.temperature, config, command=command)
    written = _write_series(result, series, spec=config.spec) if series is not None else []
    models = {label: result.forecasts[label] for label in MODEL_LABELS}
    if as_json:
        print(
            json.dumps(
                {
                    "summary": result.summary,
                    "calibration_factor": result.calibration_factor,
                    "level_scale": result.level_scale,
                    "gaps": [report.to_dict() for report in data.gaps],
                    "calibration": {
                        label: calibration_json(forecasts) for label, forecasts in models.items()
                    },
                }
            )
        )
    else:
        print(demand_summary(config, data.demand))
        for report in data.gaps:
            print(f"gaps: {report.summary()}")
        print(result.table_text)
        for grouping in groupings:
            tables = {
                label: calibration_table(forecasts, by=grouping)
                for label, forecasts in models.items()
            }
            print(f"\n{format_calibration_table(tables, by=grouping)}")
        if groupings:
            print()
        for label, forecasts in models.items():
            print(format_pit(label, pit_histogram(forecasts)))
        print(
            f"calibration factor {result.calibration_factor:.3f}, "
            f"level scale {result.level_scale:.4f}"
        )
        if note := draws_note(config.backtest_draws):
            print(note)
        for path in written:
            print(f"wrote {path}")


def _write_series(result: BacktestResult, directory: Path, *, spec: FeatureSpec) -> list[Path]:
    """Each forecast's hourly series of the backtest years, one CSV per label (ex post, ex
    ante, seasonal naive), atomically; the files written."""
    written = []
    for label, forecasts in result.forecasts.items():
        if not forecasts:
            continue
        frame = series_frame(forecasts, spec=spec)
        path = directory / f"{label}.csv"
        try:
            atomic_write(path, partial(frame.to_csv, index=False))
        except OSError as error:
            raise OptionsError(f"--series = {str(directory)!r}: {error.strerror}") from None
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m models.backtest``; returns the exit status."""
    return run_app(app, argv)


if __name__ == "__main__":
    raise SystemExit(main())
