"""The JSON of a projection: its streamed chunks, joined, are the document orjson writes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import orjson
import pytest
import xarray as xr
from hypothesis import given
from hypothesis import strategies as st

from forecast.io import export
from forecast.projection import ProjectionOptions, project
from forecast.scenario import load_scenario
from service import render


def _plain_document(dataset) -> bytes:
    """The projection's JSON document built as one dict of plain values, for orjson at once."""
    attrs = {str(key): render._plain(value) for key, value in dataset.attrs.items()}
    variables = {
        str(key): {
            "dims": list(variable.dims),
            "units": variable.attrs.get("units", ""),
            "description": variable.attrs.get("description", ""),
            "values": variable.values.tolist(),
        }
        for key, variable in dataset.data_vars.items()
    }
    coords = render._coords(dataset)
    coords["local_time"] = [str(label) for label in dataset["local_time_iso"].values]
    return orjson.dumps(
        {
            "scenario_id": attrs.get("scenario_id"),
            "scenario_sha256": attrs.get("scenario_sha256"),
            "model_version": attrs.get("baseline_model", "none"),
            "attrs": attrs,
            "coords": coords,
            "coord_attrs": render._coord_attrs(dataset, coords),
            "variables": variables,
            "spread_drivers": render._drivers(dataset["spread_driver_rank_correlation"]),
        },
        option=render._ORJSON_OPTIONS,
    )


@pytest.mark.parametrize("resolution", ["hourly", "monthly"])
def test_joined_chunks_are_the_whole_document(monkeypatch, resolution):
    dataset = project(
        load_scenario("kr-national"),
        ProjectionOptions(
            draws=20, start=dt.date(2030, 3, 1), end=dt.date(2030, 3, 20), resolution=resolution
        ),
    )
    # Small chunks, so that arrays are cut into blocks of rows and rows into pieces.
    monkeypatch.setattr(render, "JSON_CHUNK_VALUES", 7)
    chunks = list(render.projection_json_chunks(dataset))
    assert len(chunks) > 100
    assert b"".join(chunks) == _plain_document(dataset)


@given(
    st.lists(
        st.one_of(
            st.text(min_size=1, max_size=12),
            st.text(alphabet="0123456789-:+T", min_size=5, max_size=5),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_labels_are_the_json_orjson_writes(texts):
    # A NumPy string array pads shorter labels with NULs and drops trailing NULs of a text;
    # the labels are what NumPy holds.
    labels = np.array(texts)
    written = render._labels(labels)
    as_list = [str(label) for label in labels]
    if isinstance(written, render._Text):
        assert bytes(written) == orjson.dumps(as_list)
    else:
        assert written == as_list


def test_labels_of_one_width_in_plain_ascii_are_written_by_numpy():
    labels = np.array(["2024-01-01T00:00+09:00", "2024-01-01T01:00+09:00"])
    assert isinstance(render._labels(labels), render._Text)
    for uneven in (["a", "bb"], ['a"', "bb"], ["a\\", "bb"], ["é", "e"], ["a\n", "bb"]):
        assert isinstance(render._labels(np.array(uneven)), list)


def test_the_api_csv_is_the_command_lines_csv(tmp_path):
    """The same projection as CSV from the API and from ``forecast project --out x.csv``:
    they printed 10 and 9 significant digits, so 3,086 of an NSW file's lines differed."""
    from forecast.io import export

    dataset = project(
        load_scenario("au-nsw-ai-dc"),
        ProjectionOptions(
            draws=20,
            start=dt.date(2030, 1, 1),
            end=dt.date(2030, 12, 31),
            resolution="annual",
            weather="typical",
        ),
    )
    written = export.write(dataset, tmp_path / "cli.csv", file_format="csv")
    assert render.projection_csv(dataset) == written.read_bytes()


def test_the_api_csv_writes_a_whole_float_with_a_point(tmp_path):
    """The API's CSV of an AI load that is 0 through 2025: ``0.0``, not ``0`` (as the
    command line's, byte for byte), so that DuckDB's ``read_csv_auto`` reads ``value`` as
    DOUBLE rather than guess BIGINT from the zeros and round the later loads."""
    import duckdb

    from forecast.io import export
    from tests.conftest import LATE_FLEET_SCENARIO

    scenario = tmp_path / "small.toml"
    scenario.write_text(LATE_FLEET_SCENARIO, encoding="utf-8")
    dataset = export.select_variables(
        project(
            load_scenario(scenario),
            ProjectionOptions(draws=4, resolution="hourly", weather="typical"),
        ),
        ("ai_facility_mw",),
    )
    answer = tmp_path / "api.csv"
    answer.write_bytes(render.projection_csv(dataset))
    assert answer.read_bytes() == export.write(dataset, tmp_path / "cli.csv").read_bytes()
    assert answer.read_text().splitlines()[1].split(",")[5] == "0.0"
    described = duckdb.sql(f"DESCRIBE SELECT value FROM read_csv_auto('{answer}')").fetchall()
    assert described[0][1] == "DOUBLE"
    assert duckdb.sql(f"SELECT max(value) % 1 FROM read_csv_auto('{answer}')").fetchall()[0][0]


@pytest.fixture(scope="module")
def outlook() -> xr.Dataset:
    """kr-outlook (AI and data-centre spread drivers), 20 draws, annual 2030-2031."""
    return project(
        load_scenario("kr-outlook"),
        ProjectionOptions(
            draws=20, start=dt.date(2030, 1, 1), end=dt.date(2031, 12, 31), resolution="annual"
        ),
    )


def test_the_spread_drivers_inputs_are_labelled_as_the_dataset_labels_them(outlook):
    """The AI load's spread-driver tables (dim ``input``: the last year's
    ``spread_driver_rank_correlation`` and every year's ``<output>_rank_correlation``) were
    left out of the answer, and ``input`` out of its ``coords``, while the data-centre load's
    (``dc_input``) were in: the answer carries them now, labelled as in the Dataset."""
    dataset = outlook
    document = render.projection_payload(dataset)
    coords, variables = document["coords"], document["variables"]
    assert coords["input"] == [str(label) for label in dataset["input"].to_numpy()]
    assert document["coord_attrs"]["input"] == {
        "dims": ["input"], "units": "", "long_name": "sampled input, by its label",
    }  # fmt: skip
    ranked = [
        name
        for name, variable in dataset.data_vars.items()
        if {"input", "dc_input"} & set(variable.dims)
    ]
    assert {"spread_driver_rank_correlation", "ai_energy_twh_rank_correlation"} <= set(ranked)
    assert "dc_energy_twh_rank_correlation" in ranked
    for name in ranked:
        variable = dataset[name]
        assert variables[name]["dims"] == list(variable.dims)
        assert variables[name]["units"] == variable.attrs["units"]
        expected = np.where(np.isnan(variable.values), None, variable.values).tolist()
        assert variables[name]["values"] == expected
    # The label of each rank correlation is the key it has in spread_drivers.
    last = variables["spread_driver_rank_correlation"]["values"]
    drivers = {
        label: rho for label, rho in zip(coords["input"], last, strict=True) if rho is not None
    }
    assert drivers == document["spread_drivers"]
    # Every dim of every variable is labelled.
    dims = {dim for variable in variables.values() for dim in variable["dims"]}
    assert dims <= set(coords)
    # A selection answers the variables asked for (with their driver tables: see
    # test_a_selection_carries_the_driver_tables_of_what_it_asked_for); the last year's stay.
    selected = render.projection_payload(export.select_variables(dataset, ("total_peak_gw",)))
    assert set(selected["variables"]) == {"total_peak_gw"}
    assert selected["coords"]["input"] == coords["input"]
    assert selected["spread_drivers"] == document["spread_drivers"]


def test_a_selection_carries_the_driver_tables_of_what_it_asked_for(outlook):
    """A ``?variables=`` answer held the variables asked for and none of the spread-driver
    tables, which came in a whole answer only, while the files' metadata kept them: asking for
    ``ai_energy_twh`` now brings the tables that rank its spread (every year's and the last
    year's), ``dc_energy_twh`` the data-centre load's, and no others; the values as in the
    whole answer."""
    dataset = outlook
    whole = render.projection_payload(dataset)["variables"]
    expected = {
        ("ai_energy_twh",): {
            "ai_energy_twh", "ai_energy_twh_rank_correlation", "spread_driver_rank_correlation",
        },
        ("ai_at_national_peak_gw", "dc_energy_twh"): {
            "ai_at_national_peak_gw", "ai_at_national_peak_gw_rank_correlation",
            "dc_energy_twh", "dc_energy_twh_rank_correlation",
            "dc_spread_driver_rank_correlation",
        },
        ("ai_energy_twh_mean",): {"ai_energy_twh_mean"},
    }  # fmt: skip
    for patterns, names in expected.items():
        document = render.projection_payload(export.select_variables(dataset, patterns))
        assert set(document["variables"]) == names, patterns
        assert all(document["variables"][name] == whole[name] for name in names)
        dims = {dim for variable in document["variables"].values() for dim in variable["dims"]}
        assert dims <= set(document["coords"])
