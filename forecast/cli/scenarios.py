"""``forecast scenarios list|show``: the shipped scenarios."""

from __future__ import annotations

from typing import Annotated

import typer

scenarios_app = typer.Typer(no_args_is_help=True, help="Shipped scenarios.")


@scenarios_app.command("list")
def scenarios_list() -> None:
    """List every shipped scenario with a one-line description."""
    from forecast.scenario import list_scenarios

    scenarios = list_scenarios()
    width = max(len(s.id) for s in scenarios)
    for item in scenarios:
        span = f"{item.horizon.start.year}-{item.horizon.end.year}"
        print(f"{item.id.ljust(width)}  {item.hosting_reading:13}  {span}  {item.description}")


@scenarios_app.command("show")
def scenarios_show(
    scenario_id: Annotated[str, typer.Argument(help="Shipped scenario id or .toml path.")],
) -> None:
    """Print a scenario, validated, with every default filled in and its source."""
    import json

    from forecast.engine.sampling import OPERATION_DEFAULTS, site_defaults
    from forecast.scenario import load_scenario

    scenario = load_scenario(scenario_id)
    data = scenario.model_dump(mode="json", exclude_none=True)
    operations = data.setdefault("operations", {})
    for name, default in OPERATION_DEFAULTS.items():
        if name not in operations:
            value = default.quantity.model_dump(mode="json")
            # A trend's points are a list, each marked as the default it is.
            if isinstance(value, list):
                operations[name] = [{**point, "default": True} for point in value]
            else:
                operations[name] = {**value, "default": True}
    for site, shown in zip(scenario.sites, data.get("sites", []), strict=True):
        for name, quantity in site_defaults(scenario, site).items():
            if name not in shown:
                shown[name] = {**quantity.model_dump(mode="json"), "default": True}
    print(json.dumps(data, indent=2, ensure_ascii=False))
