"""``forecast scenarios list|show``: the shipped scenarios."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from forecast.cli.options import load_scenario_argument

if TYPE_CHECKING:
    from forecast.scenario import Scenario

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


#: Width of ``forecast scenarios show --format text``.
TEXT_WIDTH = 100


@scenarios_app.command("show")
def scenarios_show(
    scenario_id: Annotated[str, typer.Argument(help="Shipped scenario id or .toml path.")],
    output: Annotated[
        str,
        typer.Option(
            "--format",
            help="json (every field, for programs) or text (the same, for reading: the notes "
            "as paragraphs, each quantity on one line with its source below it).",
        ),
    ] = "json",
) -> None:
    """Print a scenario, validated, with every default filled in and its source, and under
    ``resolved`` the weather location and baseline model a projection runs it on."""
    import json

    from forecast.engine.sampling import OPERATION_DEFAULTS, site_defaults
    from forecast.errors import OptionsError

    if output not in ("json", "text"):
        raise OptionsError(f"--format = {output!r}: allowed: json, text")

    scenario = load_scenario_argument(scenario_id)
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
    data["resolved"] = resolved(scenario)
    if output == "json":
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print("\n".join(text_lines(data)))


def resolved(scenario: Scenario) -> dict[str, dict[str, str]]:
    """The weather location and the baseline model ``forecast project`` runs the scenario on
    (with its default options), each with where it comes from: the scenario, its country's
    default, or none and why.

    Raises
    ------
    ForecastError
        Where ``forecast project`` refuses them (:func:`~forecast.engine.baseline.choose_baseline`).
    """
    from forecast.engine.baseline import choose_baseline
    from forecast.engine.options import ProjectionOptions
    from forecast.weather import resolve_weather_location
    from forecast.weather.locations import NO_WEATHER

    location = resolve_weather_location(
        scenario.country, scenario.weather_location, origin=f"scenario {scenario.id}"
    )
    if location == NO_WEATHER:
        weather_source = (
            "the scenario's weather_location: no temperature response (the PUE at its annual "
            "value every hour)"
        )
    elif scenario.weather_location is None:
        weather_source = f"the default of country {scenario.country}"
    else:
        weather_source = "the scenario's weather_location"
    choice = choose_baseline(scenario, ProjectionOptions())
    return {
        "weather_location": {"value": location, "source": weather_source},
        "baseline_model": {"value": choice.reference or "none", "source": choice.source},
    }


def _quantity_text(value: dict) -> str | None:
    """A quantity on one line (``triangular 0.53 / 0.7 / 0.775``), a resolved name (a
    ``value`` that is text), or None for a table that is neither."""
    if isinstance(value.get("value"), str):
        return value["value"]
    kind = value.get("dist", "fixed" if "value" in value else None)
    if kind is None:
        return None
    numbers = [value[key] for key in ("value", "low", "mode", "high", "median", "sigma",
                                        "alpha", "beta") if key in value]  # fmt: skip
    shown = f"{kind} " + " / ".join(f"{number:g}" for number in numbers)
    at = f"at {value['date']}: " if "date" in value else ""  # a trend's point
    return at + shown + (" (default)" if value.get("default") else "")


def text_lines(value: object, indent: str = "", key: str = "") -> list[str]:
    """A scenario's data as indented text: tables as ``key:`` and their fields below, lists as
    numbered entries, a quantity on one line with its ``source`` wrapped below it, long text
    (notes, descriptions) as wrapped paragraphs."""
    import textwrap

    label = f"{indent}{key}:" if key else indent.rstrip()
    if isinstance(value, dict):
        quantity = _quantity_text(value)
        if quantity is not None:
            lines = [f"{label} {quantity}"]
            if "source" in value:
                lines += textwrap.wrap(str(value["source"]), TEXT_WIDTH,
                                       initial_indent=indent + "    source: ",
                                       subsequent_indent=indent + "      ")  # fmt: skip
            return lines
        lines = [label] if key else []
        inner = indent + "  " if key else indent
        for name, item in value.items():
            lines += text_lines(item, inner, str(name))
        return lines
    if isinstance(value, list):
        lines = [label]
        for number, item in enumerate(value):
            lines += text_lines(item, indent + "  ", f"[{number}]")
        return lines
    text = str(value)
    if len(label) + len(text) < TEXT_WIDTH and "\n" not in text:
        return [f"{label} {text}"]
    lines = [label]
    for paragraph in text.split("\n\n"):
        lines += textwrap.wrap(
            " ".join(paragraph.split()),
            TEXT_WIDTH,
            initial_indent=indent + "    ",
            subsequent_indent=indent + "    ",
        )
        lines.append("")  # fmt: skip
    return lines[:-1]
