"""How much each gap-closing assumption moves a published-study scenario (README, "Published
studies reproduced").

Each uncertain input that closes a gap in ``facts.csv`` is fixed at the low and then the high end
of its range, the others drawn as in the file, with the same seed (common random numbers: the
difference is the input's effect, not sampling noise). Prints the P50 of ``dc_energy_twh`` and
its change, per year. The inputs are found in the file, not at fixed positions: every
deployment's count factor and every non-AI load's installed base, power, utilisation, energy and
PUE that carries a range (each named by its ``name``), the load factor, life and PUE of
``[operations]`` where they carry one (a single value or a trend), a deployment's count factor
held at one value other than 1 (an anchor on a floor, such as the US files' >40 TWh: +0 and
+10 %), and the assumed US share (of world deliveries in a US file, of the world's installed base
in the world file). Run from the repository root::

    python -m tests.support.study_sensitivity us-lbnl-2024 --years 2023,2028 --targets 2023=176
    python -m tests.support.study_sensitivity global-iea-2025 --years 2024,2030 --draws 500
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
from collections.abc import Callable

from forecast.projection import ProjectionOptions, project
from forecast.scenario import load_scenario, parse_scenario

Edit = Callable[[dict], None]


def dc_energy_p50(data: dict, years: list[int], *, draws: int, seed: int) -> dict[int, float]:
    """P50 of the data-centre energy (AI + non-AI) in each year. [TWh]"""
    scenario = parse_scenario(copy.deepcopy(data), origin=data["id"])
    result = {}
    for year in years:
        dataset = project(
            scenario,
            ProjectionOptions(
                draws=draws,
                seed=seed,
                resolution="annual",
                include_baseline=False,
                start=dt.date(year, 1, 1),
                end=dt.date(year, 12, 31),
            ),
        )
        result[year] = float(dataset["dc_energy_twh"].sel(year=year, quantile=0.5))
    return result


def _end(quantity: dict, end: str) -> float:
    if quantity["dist"] == "fixed":
        return quantity["value"]
    return quantity[end]


def _points(quantity: dict | list[dict]) -> list[dict]:
    """The points of a trend, or a single quantity as its one point."""
    return quantity if isinstance(quantity, list) else [quantity]


def has_range(quantity: dict | list[dict] | None) -> bool:
    """Whether a quantity, or any point of a trend, is drawn from a range."""
    return quantity is not None and any(p["dist"] != "fixed" for p in _points(quantity))


def _node(data: dict, path: tuple):
    for key in path[:-1]:
        data = data[key]
    return data, path[-1]


def fixed_at(path: tuple, end: str) -> Edit:
    """Fix a quantity, or every point of a trend, at the ``low`` or ``high`` end of its range."""

    def edit(data: dict) -> None:
        parent, key = _node(data, path)
        value = parent[key]
        source = {"source": "assumption: sensitivity run"}
        if isinstance(value, list):
            parent[key] = [{"date": p["date"], "value": _end(p, end), **source} for p in value]
        else:
            parent[key] = {"value": _end(value, end), **source}

    return edit


def scaled(paths: list[tuple], factor: float) -> Edit:
    """Multiply the quantity, or every point of the trend, at each of ``paths`` by ``factor``."""

    def edit(data: dict) -> None:
        for path in paths:
            parent, key = _node(data, path)
            for point in _points(parent[key]):
                for name in ("value", "low", "mode", "high"):
                    if name in point:
                        point[name] *= factor

    return edit


def deliveries_scaled(factor: float, deployments: list[int]) -> Edit:
    """Multiply every shipment of the deployments at the indexes ``deployments`` by ``factor``."""

    def edit(data: dict) -> None:
        for index in deployments:
            for shipment in data["deployments"][index]["shipments"]:
                shipment["count"] *= factor

    return edit


def factor_scaled(path: tuple, factor: float) -> Edit:
    """Multiply a fixed quantity by ``factor`` (an anchor that is a floor moves one way only)."""

    def edit(data: dict) -> None:
        parent, key = _node(data, path)
        parent[key] = {"value": parent[key]["value"] * factor, "source": "assumption: sensitivity"}

    return edit


def unchanged(data: dict) -> None:
    """The file as it is (the end of a one-sided range that the file already sits at)."""


def both_ends(path: tuple) -> tuple[Edit, Edit]:
    return fixed_at(path, "low"), fixed_at(path, "high")


def is_anchor(deployment: dict) -> bool:
    """A count factor held at one value other than 1: the level is anchored on a component
    figure that is a floor (the US files' >40 TWh of AI servers in 2023), so the factor can
    only be higher."""
    factor = deployment.get("count_factor")
    return factor is not None and factor["dist"] == "fixed" and factor["value"] != 1.0


NON_AI_INPUTS = ("installed", "power_w", "utilisation", "energy_twh", "pue")


def gaps(data: dict) -> dict[str, tuple[Edit, Edit]]:
    """The gap-closing assumptions of a study scenario, each as (low end, high end) edits."""
    found: dict[str, tuple[Edit, Edit]] = {}
    free = []
    for index, deployment in enumerate(data.get("deployments", [])):
        path = ("deployments", index, "count_factor")
        if is_anchor(deployment):
            label = f"{deployment['name']}: anchored count factor, +0 / +10 %"
            found[label] = (unchanged, factor_scaled(path, 1.1))
            continue
        free.append(index)
        if has_range(deployment.get("count_factor")):
            found[f"{deployment['name']}: count factor"] = both_ends(path)
    for index, load in enumerate(data.get("non_ai_loads", [])):
        for name in NON_AI_INPUTS:
            if has_range(load.get(name)):
                found[f"{load['name']}: {name}"] = both_ends(("non_ai_loads", index, name))
    operations = data.get("operations", {})
    for name, label in (
        ("load_factor", "load factor (input range)"),
        ("lifetime_years", "accelerator life (input range)"),
        ("pue", "PUE"),
    ):
        if has_range(operations.get(name)):
            found[label] = both_ends(("operations", name))
    if data["country"] == "US" and free:
        # The US share of world deliveries, 0.55 in the files: 0.45 and 0.65 (an anchored
        # stock does not depend on it).
        found["US share of deliveries (0.45 / 0.65 of 0.55)"] = (
            deliveries_scaled(0.45 / 0.55, free),
            deliveries_scaled(0.65 / 0.55, free),
        )
    elif data["country"] == "world":
        # The US share of the world's installed base, 0.40 in the file: 0.50 and 0.30, on every
        # non-AI installed base and energy (servers, drives and network together).
        non_ai = [
            ("non_ai_loads", index, name)
            for index, load in enumerate(data.get("non_ai_loads", []))
            for name in ("installed", "energy_twh")
            if load.get(name) is not None
        ]
        found["US share of the world's installed base (0.50 / 0.30 of 0.40)"] = (
            scaled(non_ai, 0.40 / 0.50),
            scaled(non_ai, 0.40 / 0.30),
        )
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", help="a published-study scenario id")
    parser.add_argument("--years", required=True, help="comma-separated years, e.g. 2023,2028")
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--targets",
        default="",
        help="published P50 by year, e.g. 2023=176,2028=452.5: adds the share of the gap that "
        "each input closes at the end of its range that moves towards the target",
    )
    args = parser.parse_args(argv)
    years = [int(year) for year in args.years.split(",")]
    targets = {int(y): float(v) for y, v in (p.split("=") for p in args.targets.split(",") if p)}
    data = load_scenario(args.scenario).model_dump(mode="json", exclude_none=True)
    run = lambda edited: dc_energy_p50(edited, years, draws=args.draws, seed=args.seed)  # noqa: E731
    base = run(data)
    print(f"{args.scenario}: P50 dc_energy_twh " + ", ".join(f"{y} {base[y]:.1f}" for y in years))
    for year, target in targets.items():
        print(f"  gap {year}: {target - base[year]:+.1f} to the published {target:g}")
    print("input at its low / high end: change of the P50 [TWh]")
    for label, ends in gaps(data).items():
        changes = []
        for edit in ends:
            edited = copy.deepcopy(data)
            edit(edited)
            changes.append(run(edited))
        shown = "; ".join(
            f"{y} {lo[y] - base[y]:+.1f} / {hi[y] - base[y]:+.1f}"
            + gap_closed(base[y], lo[y], hi[y], targets.get(y))
            for y in years
            for lo, hi in [changes]
        )
        print(f"  {label}: {shown}")


def gap_closed(base: float, low: float, high: float, target: float | None) -> str:
    """The share of the gap to ``target`` that the better end of the input's range closes. [%]"""
    if target is None or target == base:
        return ""
    best = max(low - base, high - base) if target > base else min(low - base, high - base)
    return f" ({100.0 * best / (target - base):.0f} % of the gap)"


if __name__ == "__main__":
    main()
