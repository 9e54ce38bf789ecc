"""Rolling-origin backtest of the baseline model, printed as a table; the promotion rule.

The backtest itself, with the interval calibration it carries, is
:func:`models.fit.rolling_origin` (shared with :mod:`models.train`): each backtest year is fitted
on the years before it and forecast ex post (actual weather) and ex ante (the prior years'
weather), next to the seasonal-naive reference.

Run alone: ``python -m models.backtest --config models/configs/kr.toml``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from models.fit import BacktestResult, rolling_origin


def main(argv: list[str] | None = None) -> int:
    """Run the backtest alone and print the table (and ``--json``)."""
    from models.train import load_config, load_training_data

    parser = argparse.ArgumentParser(prog="python -m models.backtest")
    parser.add_argument("--config", type=Path, default=Path("models/configs/kr.toml"))
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args(argv)
    config = load_config(arguments.config)
    demand, temperature = load_training_data(config)
    command = " ".join(["python -m models.backtest", *(argv if argv is not None else sys.argv[1:])])
    result = rolling_origin(demand, temperature, config, command=command)
    if arguments.json:
        print(
            json.dumps(
                {
                    "summary": result.summary,
                    "calibration_factor": result.calibration_factor,
                    "level_scale": result.level_scale,
                }
            )
        )
    else:
        print(result.table_text)
        print(
            f"calibration factor {result.calibration_factor:.3f}, "
            f"level scale {result.level_scale:.4f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["BacktestResult"]
