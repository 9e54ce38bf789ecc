"""A calendar of a year's hours (local month x clock hour) comes with its coordinates named and
labelled in the JSON answer: ``flexibility_hours_called_by_month_hour`` and, with duration
curves, ``peak_hours_share_pct`` were 12 x 24 numbers per year with ``month_of_year`` and
``hour_of_day`` in their dims but in no ``coords``, and no coordinate said its unit. The draws
of ``per_draw`` (``draw``, with each draw's weather year, and a per-draw duration curve's
``duration_draw``) were dims without coords too (interop review 1). On the real server."""

from __future__ import annotations

import re

import httpx
import pytest

BODY = {"scenario_id": "kr-outlook-flex", "draws": 8, "seed": 0, "resolution": "annual",
        "start": "2030-01-01", "end": "2031-12-31", "weather": "synthetic"}  # fmt: skip
CALENDAR = "flexibility_hours_called_by_month_hour"


@pytest.fixture(scope="module")
def client(served: httpx.Client) -> httpx.Client:
    return served


def test_the_flexibility_calendar_has_its_coordinates_named_and_labelled(client: httpx.Client):
    answer = client.post(
        "/v1/projections",
        params={"variables": f"{CALENDAR},flexibility_hours_called_mean"},
        json=BODY,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    calendar = body["variables"][CALENDAR]
    assert calendar["dims"] == ["year", "month_of_year", "hour_of_day"]
    assert calendar["units"] == "h"
    coords = body["coords"]
    assert coords["month_of_year"] == list(range(1, 13))
    assert coords["hour_of_day"] == list(range(24))
    assert coords["year"] == [2030, 2031]
    labels = body["coord_attrs"]
    assert labels["month_of_year"] == {
        "dims": ["month_of_year"],
        "units": "1",
        "long_name": "local month of the year (1 = January)",
    }
    assert labels["hour_of_day"] == {
        "dims": ["hour_of_day"],
        "units": "h",
        "long_name": "local clock hour the hour starts at (0-23)",
    }
    # Every coordinate is labelled, each with the dimension it labels.
    assert set(labels) == set(coords)
    assert labels["quantile"]["units"] == "1" and labels["year"]["dims"] == ["year"]
    assert labels["time"]["long_name"] == "start of the period, UTC"
    # The labels say which number is which: a year's cells add up to its mean hours called.
    means = body["variables"]["flexibility_hours_called_mean"]["values"]
    for index in range(len(coords["year"])):
        rows = calendar["values"][index]
        assert len(rows) == 12 and all(len(row) == 24 for row in rows)
        assert sum(map(sum, rows)) == pytest.approx(means[index])
        assert means[index] > 0


def test_the_peak_hour_calendar_and_duration_bands_are_labelled_too(client: httpx.Client):
    answer = client.post(
        "/v1/projections",
        params={"variables": "peak_hours_share_pct,duration_band_hours"},
        json=BODY | {"duration_curves": True},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["variables"]["peak_hours_share_pct"]["dims"] == [
        "year", "month_of_year", "hour_of_day",
    ]  # fmt: skip
    assert body["coords"]["month_of_year"] == list(range(1, 13))
    assert body["coords"]["hour_of_day"] == list(range(24))
    bands = body["variables"]["duration_band_hours"]
    assert bands["dims"] == ["year", "duration_band"]
    ranks = body["coords"]["duration_hours_from"]
    assert body["coords"]["duration_band"] == list(range(len(ranks)))
    assert ranks[0] == 0 and ranks == sorted(ranks)
    assert body["coord_attrs"]["duration_hours_from"] == {
        "dims": ["duration_band"],
        "units": "h",
        "long_name": "rank of the band's first hour (0 = highest hour)",
    }


def test_a_result_without_a_calendar_has_no_calendar_coordinates(client: httpx.Client):
    body = BODY | {"scenario_id": "kr-outlook"}
    answer = client.post("/v1/projections", params={"variables": "ai_energy_twh"}, json=body)
    assert answer.status_code == 200, answer.text
    assert "month_of_year" not in answer.json()["coords"]
    assert "month_of_year" not in answer.json()["coord_attrs"]
    assert answer.json()["coord_attrs"]["region"]["long_name"] == (
        "region (national: the whole grid)"
    )


def test_per_draw_answers_have_their_draws_in_coords(client: httpx.Client):
    """``*_per_draw`` (dim ``draw``) and the per-draw duration curves (dim ``duration_draw``)
    had no coordinate in ``coords`` nor ``coord_attrs``: a client could not tell which draw a
    duration curve was, nor each draw's weather year, which the NetCDF file holds; nor was
    ``dc_input``, the inputs of ``dc_spread_driver_rank_correlation``."""
    answer = client.post(
        "/v1/projections",
        params={"variables": "ai_energy_twh_per_draw,total_load_duration_mw_per_draw"},
        json=BODY | {"per_draw": True, "duration_curves": True, "duration_draws": 3},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    coords, labels = body["coords"], body["coord_attrs"]
    assert body["variables"]["ai_energy_twh_per_draw"]["dims"] == ["draw", "year"]
    assert body["variables"]["total_load_duration_mw_per_draw"]["dims"] == [
        "duration_draw", "year", "duration_band",
    ]  # fmt: skip
    assert coords["draw"] == list(range(BODY["draws"]))
    assert coords["duration_draw"] == [0, 1, 2]
    weather_years = coords["draw_weather_year"]
    assert len(weather_years) == BODY["draws"]
    # Synthetic weather's years (BODY's weather) are labelled synthetic-NN.
    assert all(re.fullmatch(r"synthetic-\d{2}", year) for year in weather_years)
    assert labels["draw"]["dims"] == ["draw"]
    assert labels["draw"]["long_name"].startswith("Monte Carlo draw")
    assert labels["duration_draw"]["dims"] == ["duration_draw"]
    assert labels["duration_draw"]["long_name"].startswith("draw (index into draw)")
    assert labels["draw_weather_year"]["dims"] == ["draw"]
    # The spread drivers' inputs are labelled too (dims input and dc_input had no coordinate;
    # a selection leaves their tables out: tests/service/test_render.py has them).
    assert "pue" in coords["dc_input"] and labels["dc_input"]["dims"] == ["dc_input"]
    assert "pue" in coords["input"] and labels["input"]["dims"] == ["input"]
    # Every dim of every variable is labelled now, and every coordinate described.
    dims = {dim for variable in body["variables"].values() for dim in variable["dims"]}
    assert dims <= set(coords) and set(labels) == set(coords)


def test_a_comparisons_draws_are_in_its_coords_with_each_scenarios_weather_years(
    client: httpx.Client,
):
    """Scenarios on different weather (Seoul's and Sydney's) draw other weather years: the
    comparison's ``draw_weather_year`` is by scenario, one list each, as its dims say."""
    body = {"scenarios": [{"scenario_id": "kr-national"}, {"scenario_id": "au-nsw-ai-dc"}],
            "draws": 4, "seed": 0, "resolution": "annual", "start": "2030-01-01",
            "end": "2030-12-31", "include_baseline": False, "per_draw": True,
            "duration_curves": True, "duration_draws": 2}  # fmt: skip
    answer = client.post(
        "/v1/comparisons", params={"variables": "ai_load_duration_mw_per_draw"}, json=body
    )
    assert answer.status_code == 200, answer.text
    coords, labels = answer.json()["coords"], answer.json()["coord_attrs"]
    assert coords["draw"] == [0, 1, 2, 3] and coords["duration_draw"] == [0, 1]
    assert labels["draw_weather_year"]["dims"] == ["scenario", "draw"]
    weather_years = coords["draw_weather_year"]
    assert [len(years) for years in weather_years] == [4, 4]
    assert all(re.fullmatch(r"\d{4}", year) for years in weather_years for year in years)
    assert weather_years[0] != weather_years[1]
