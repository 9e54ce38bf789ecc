"""Rolling-origin backtest of the baseline model, printed as a table.

The backtest itself, with the interval calibration it carries, is
:func:`models.fit.rolling_origin` (shared with :mod:`models.train`, which this module does not
import): each backtest year is fitted on the years before it and forecast ex post (actual
weather) and ex ante (the prior years' weather), next to the seasonal-naive reference.

Run alone: ``python -m models.backtest --config models/configs/kr.toml``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from forecast.cli.run import run_app
from models.config import (
    clock_warning,
    demand_summary,
    load_config,
    load_training_data,
    with_backtest_years,
)
from models.fit import rolling_origin

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
) -> None:
    """Run the backtest alone and print the table (and ``--json``)."""
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
    if as_json:
        print(
            json.dumps(
                {
                    "summary": result.summary,
                    "calibration_factor": result.calibration_factor,
                    "level_scale": result.level_scale,
                    "gaps": [report.to_dict() for report in data.gaps],
                }
            )
        )
    else:
        print(demand_summary(config, data.demand))
        for report in data.gaps:
            print(f"gaps: {report.summary()}")
        print(result.table_text)
        print(
            f"calibration factor {result.calibration_factor:.3f}, "
            f"level scale {result.level_scale:.4f}"
        )


def main(argv: list[str] | None = None) -> int:
    """``python -m models.backtest``; returns the exit status."""
    return run_app(app, argv)


if __name__ == "__main__":
    raise SystemExit(main())
