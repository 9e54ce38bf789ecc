"""Sampled inputs: each scenario quantity the engine draws has its unit, its range and its
place in the draw, so that a new one is added in the model and found everywhere else.

A contributor's new non-AI quantity (report M2) passed every test and crashed only
``forecast project --per-draw`` with ``KeyError: 'idle_power_w'``: its unit was missing.
"""

from __future__ import annotations

import dataclasses

import pytest
import xarray as xr

from forecast.engine.inputs import NonAiDraw, driver_units
from forecast.errors import ForecastError
from forecast.outputs import DRIVER_UNITS, INPUT_VARIABLES, input_variable_name, known_variable
from forecast.scenario import NON_AI_QUANTITIES, RANGES, NonAiLoad
from forecast.scenario.model import quantity_fields
from forecast.scenario.quantities import Fixed, QuantityOrTrend
from tests.golden import record


def test_the_non_ai_quantities_are_read_off_the_model():
    """Declared once, as fields typed QuantityOrTrend; a field added to the model is one
    more, and the schema coerces a bare number in it to a quantity with no other edit."""
    assert NON_AI_QUANTITIES == ("installed", "power_w", "utilisation", "energy_twh", "pue")

    class WithIdle(NonAiLoad):
        idle_power_w: QuantityOrTrend | None = None

    assert quantity_fields(WithIdle) == (*NON_AI_QUANTITIES, "idle_power_w")
    load = WithIdle.model_validate(
        {"name": "servers", "kind": "servers", "installed": 10, "power_w": 400.0,
         "utilisation": 0.5, "idle_power_w": 200.0}
    )  # fmt: skip
    assert isinstance(load.idle_power_w, Fixed)
    assert load.idle_power_w.value == 200.0


@pytest.mark.parametrize("quantity", NON_AI_QUANTITIES)
def test_every_non_ai_quantity_has_a_unit_a_range_and_a_draw(quantity):
    """Its unit for the spread drivers and the per-draw export, its allowed range for the
    schema, and a path in each draw for the engine."""
    assert quantity in DRIVER_UNITS, f"add {quantity!r} to forecast/outputs.py DRIVER_UNITS"
    assert quantity in RANGES["NonAiLoad"], f"add {quantity!r} to RANGES['NonAiLoad']"
    assert quantity in {field.name for field in dataclasses.fields(NonAiDraw)}


def _golden_input_labels() -> set[str]:
    """Every sampled input's label in the committed golden projections (``input`` and
    ``dc_input``)."""
    labels = set()
    for case in record.CASES:
        with xr.open_dataset(record.path(case), engine="h5netcdf") as recorded:
            for dim in ("input", "dc_input"):
                if dim in recorded.coords:
                    labels |= {str(label) for label in recorded[dim].to_numpy()}
    return labels


def test_every_sampled_input_of_the_golden_projections_has_a_unit():
    """The spread drivers of the golden cases (operations, deliveries, grid limits and
    reinforcements, sites, non-AI loads, flexibility, baseline, weather) name their input;
    each has a unit. Reads only the committed files."""
    labels = _golden_input_labels()
    assert any(label.startswith("energy_twh: ") for label in labels)  # kr-outlook-flex's
    assert {label: driver_units(label) for label in labels}


def test_every_sampled_input_of_the_golden_projections_is_a_declared_variable():
    """Its ``input_*_per_draw`` variable is one :data:`forecast.outputs.INPUT_VARIABLES`
    declares, with the input's unit (they were written with ``--per-draw`` but listed
    nowhere, report-interop 9). Reads only the committed files."""
    labels = _golden_input_labels()
    assert len(labels) > 20
    for label in labels:
        assert known_variable(input_variable_name(label)), label
    declared = {variable.name: variable.units for variable in INPUT_VARIABLES}
    assert declared["input_weather_year_mean_excess_c_per_draw"] == "K"
    assert declared["input_pue_temperature_slope_per_c_per_draw"] == "1/K"
    assert not known_variable("input_idle_power_w_servers_per_draw")


def test_an_input_without_a_unit_is_a_clear_error_not_a_key_error():
    with pytest.raises(ForecastError) as error:
        driver_units("idle_power_w: servers")
    message = str(error.value)
    assert message.startswith(
        "sampled input 'idle_power_w: servers': no unit for 'idle_power_w' in DRIVER_UNITS "
        "(forecast/outputs.py); known: "
    )
    assert not isinstance(error.value, KeyError)
