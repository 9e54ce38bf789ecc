"""What a projection says about the inputs behind its numbers, and where it finds the data.

Before: ``weather = 'auto'`` without temperature files ran synthetic years in silence (only
``weather_kind`` said it; the command line printed a note of its own), the default data
directory was ``../shared/data`` from the working directory (a cron job's ``cd`` changed the
answer), and ``code_version`` was the release (``0.1.0`` for every commit).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import warnings
from pathlib import Path

import pytest

import forecast
from forecast import paths, provenance
from forecast.errors import WeatherFallback
from forecast.projection import ProjectionOptions, project
from forecast.scenario import load_scenario

OPTIONS = ProjectionOptions(
    draws=2,
    resolution="annual",
    include_baseline=False,
    start=dt.date(2030, 1, 1),
    end=dt.date(2030, 1, 31),
)


def test_auto_weather_without_files_warns_and_names_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("FORECAST_DATA_DIR", str(tmp_path))
    with pytest.warns(WeatherFallback, match=f"no temperature files for seoul in {tmp_path} "):
        dataset = project(load_scenario("kr-national"), OPTIONS)
    assert dataset.attrs["weather_kind"] == "synthetic"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        named = project(
            load_scenario("kr-national"), dataclasses.replace(OPTIONS, weather="synthetic")
        )
    # The same synthetic years, asked for by name: the same weather digest, no warning.
    assert named.attrs["weather_sha256"] == dataset.attrs["weather_sha256"]


def test_the_default_data_directory_does_not_depend_on_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("FORECAST_DATA_DIR", raising=False)
    here = paths.real_data_dir()
    monkeypatch.chdir(tmp_path)
    assert paths.real_data_dir() == here
    assert here.is_absolute()
    assert here == Path(paths.__file__).resolve().parent.parent.parent / "shared" / "data"


def test_code_version_names_the_source_and_the_attributes_the_inputs():
    dataset = project(load_scenario("kr-national"), dataclasses.replace(OPTIONS, weather="typical"))
    release, _, source = provenance.code_version().partition("+src.")
    assert len(source) == 12
    assert release == forecast.__version__
    assert dataset.attrs["code_version"] == provenance.code_version()
    assert dataset.attrs["data_sha256"] == provenance.data_digest()
    assert len(dataset.attrs["weather_sha256"]) == 64


def test_an_installed_package_reads_the_data_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A wheel has no checkout beside it: the README's quick start (``pip install .`` in a
    clone with ``../shared`` beside it) finds the real data from the working directory, and the
    messages say so."""
    monkeypatch.delenv("FORECAST_DATA_DIR", raising=False)
    monkeypatch.setattr(paths, "_CHECKOUT", tmp_path / "site-packages")
    assert paths.real_data_dir() == Path("../shared/data")
    assert "installed package" in paths.data_dir_origin()
