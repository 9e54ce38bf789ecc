"""Projections in daylight-saving zones: local timestamps, aggregation and the weather choice.

A small NSW scenario runs across the April fall-back (25 local hours) and the October
spring-forward (23 local hours) of Australia/Sydney; a Chilean one across a DST change at
midnight. The CSV's local timestamps carry the right offsets, no hour is missing or doubled,
and daily, monthly and annual figures add up the hours of their local periods.
"""

from __future__ import annotations

import datetime as dt
import textwrap

import numpy as np
import pandas as pd
import pytest

from forecast.cli import main
from forecast.errors import ScenarioError
from forecast.io import export
from forecast.projection import ProjectionOptions, project
from forecast.scenario import parse_scenario, read_scenario_file

NSW = textwrap.dedent(
    """
    schema_version = 1
    id = "nsw-small"
    title = "Small NSW test scenario"
    description = "One site in NSW, for DST tests."
    country = "AU"
    timezone = "Australia/Sydney"
    basis = "sites"

    [horizon]
    start = 2030-01-01
    end = 2030-12-31

    [[sites]]
    name = "site"
    it_mw = 100
    commissioning = 2029-01-01
    status = "operating"
    """
)


@pytest.fixture
def nsw(scenario_file):
    return read_scenario_file(scenario_file(NSW, name="nsw-small"))


def _options(**changes) -> ProjectionOptions:
    base = {"draws": 20, "seed": 1, "weather": "typical", "include_baseline": False}
    return ProjectionOptions(**(base | changes))


def test_hourly_csv_has_local_offsets_across_the_fall_back_and_spring_forward(nsw, tmp_path):
    dataset = project(nsw, _options(start=dt.date(2030, 4, 6), end=dt.date(2030, 4, 7)))
    path = export.write(dataset, tmp_path / "nsw.csv")
    frame = pd.read_csv(path)
    hours = frame.loc[
        (frame["variable"] == "ai_facility_mw") & (frame["quantile"] == 0.5), "period_start"
    ].tolist()
    assert len(hours) == 24 + 25  # April 6 and the 25-hour April 7
    assert hours[24:28] == [
        "2030-04-07T00:00+11:00",
        "2030-04-07T01:00+11:00",
        "2030-04-07T02:00+11:00",
        "2030-04-07T02:00+10:00",
    ]
    assert hours[-1] == "2030-04-07T23:00+10:00"
    utc = pd.to_datetime(pd.Series(hours), utc=True)
    assert (utc.diff().dropna() == pd.Timedelta(hours=1)).all()

    spring = project(nsw, _options(start=dt.date(2030, 10, 6), end=dt.date(2030, 10, 6)))
    local = list(spring["local_time_iso"].values)
    assert len(local) == 23
    assert local[1:3] == ["2030-10-06T01:00+10:00", "2030-10-06T03:00+11:00"]


def test_daily_monthly_and_annual_figures_add_up_their_local_hours(nsw):
    """Energy by day, month and year equals the sum of hourly MW over the local periods."""
    options = {"start": dt.date(2030, 3, 30), "end": dt.date(2030, 4, 12), "draws": 1}
    hourly = project(nsw, _options(**options))
    daily = project(nsw, _options(**options, resolution="daily"))
    local = pd.DatetimeIndex(pd.to_datetime(hourly["local_time_iso"].values, utc=True)).tz_convert(
        "Australia/Sydney"
    )
    power = hourly["ai_facility_mw"].sel(quantile=0.5).values
    by_day = pd.Series(power, index=local.tz_localize(None).normalize()).groupby(level=0)
    assert by_day.size().loc["2030-04-07"] == 25
    np.testing.assert_allclose(daily["ai_facility_mw"].sel(quantile=0.5).values, by_day.mean())
    assert list(daily["local_time_iso"].values[7:10]) == [
        "2030-04-06T00:00+11:00",
        "2030-04-07T00:00+11:00",
        "2030-04-08T00:00+10:00",
    ]
    year = project(nsw, _options(draws=1, resolution="annual"))
    assert float(year["ai_energy_twh"].sel(quantile=0.5).item()) == pytest.approx(
        year["ai_facility_mw"].sel(quantile=0.5).item() * 8760 * 1e-6
    )


def test_the_weather_choice_is_visible(nsw, scenario_file, capsys, tmp_path):
    """AU defaults to the Bankstown location; attributes and the CLI summary say so."""
    dataset = project(nsw, _options(start=dt.date(2030, 1, 1), end=dt.date(2030, 1, 2)))
    assert dataset.attrs["weather_location"] == "sydney-bankstown"
    assert dataset.attrs["weather_kind"] == "typical"
    assert "Bankstown" in dataset.attrs["weather_source"]
    path = scenario_file(NSW, name="nsw-small")
    out = tmp_path / "out.csv"
    status = main(["project", str(path), "--draws", "5", "--weather", "typical", "--no-baseline",
                   "--start", "2030-01-01", "--end", "2030-01-02", "--out", str(out)])  # fmt: skip
    assert status == 0
    assert "weather sydney-bankstown: typical, 1 year" in capsys.readouterr().out


def test_a_country_without_a_default_location_must_name_one(scenario_file, capsys):
    text = NSW.replace('country = "AU"', 'country = "CL"').replace(
        "Australia/Sydney", "America/Santiago"
    )
    with pytest.raises(ScenarioError, match=r"weather_location is not given and country 'CL'"):
        read_scenario_file(scenario_file(text, name="chile"))
    status = main(["project", str(scenario_file(text, name="chile")), "--draws", "5"])
    error = capsys.readouterr().err.strip()
    assert status == 2
    assert error.startswith("error: chile.toml: weather_location is not given")
    assert "seoul, sydney-bankstown" in error
    unknown = text.replace('basis = "sites"', 'basis = "sites"\nweather_location = "lima"')
    status = main(["project", str(scenario_file(unknown, name="lima")), "--draws", "5"])
    error = capsys.readouterr().err.strip()
    assert status == 2
    assert "lima.toml: weather_location = 'lima': unknown weather location; allowed: seoul" in (
        error
    )


def test_a_zone_whose_clocks_change_at_midnight_projects_and_exports(scenario_file, tmp_path):
    """America/Santiago springs forward at midnight on 2030-09-08: that day starts at 01:00."""
    text = NSW.replace('country = "AU"', 'country = "CL"\nweather_location = "seoul"').replace(
        "Australia/Sydney", "America/Santiago"
    )
    scenario = read_scenario_file(scenario_file(text, name="chile"))
    dataset = project(
        scenario, _options(start=dt.date(2030, 9, 1), end=dt.date(2030, 9, 30), resolution="daily")
    )
    labels = list(dataset["local_time_iso"].values)
    assert "2030-09-08T01:00-03:00" in labels
    frame = export.tidy_frame(dataset)
    months = frame.loc[frame["resolution"] == "monthly", "period_start"].unique().tolist()
    assert months == ["2030-09-01T00:00-04:00"]
    body = scenario.model_dump(mode="json", exclude_none=True)
    assert parse_scenario(body, origin="body").weather_location == "seoul"


def test_the_shipped_nsw_scenario_projects_on_the_nsw_model_across_a_dst_change(tmp_path, capsys):
    """Must-show 5: `forecast project au-nsw-ai-dc` writes correct local timestamps."""
    out = tmp_path / "nsw.csv"
    status = main(["project", "au-nsw-ai-dc", "--draws", "20", "--start", "2030-04-06",
                   "--end", "2030-04-07", "--out", str(out)])  # fmt: skip
    assert status == 0
    summary = capsys.readouterr().out
    assert "baseline au-nsw-baseline@" in summary
    assert "weather sydney-bankstown" in summary
    frame = pd.read_csv(out)
    total = frame[(frame["variable"] == "total_mw") & (frame["quantile"] == 0.5)]
    stamps = total["period_start"].tolist()
    assert len(stamps) == 49
    assert stamps[26:28] == ["2030-04-07T02:00+11:00", "2030-04-07T02:00+10:00"]
    assert (total["value"] > 4_000).all() and (total["value"] < 16_000).all()  # NSW: 5-14 GW
