"""Training on a small synthetic slice: artifact round trip, tamper refusal, promotion rule."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.baseline import artifacts
from forecast.baseline.model import BaselineModel, load_baseline_model
from forecast.errors import ArtifactError
from models.config import load_config, load_training_data, with_backtest_years
from models.fit import fit_baseline, with_calibration
from models.train import _code_line, main, training_code_revision

CONFIG = """
[model]
id = "toy-grid"
country = "KR"
timezone = "Asia/Seoul"
weather_location = "toy-station"

[data]
demand_file = "demand.csv"
first_year = 2019
last_year = 2022

[training]
shape_window_years = 3
level_window_years = 3
ridge_penalty = {ridge}

[backtest]
years = [2022]
draws = 60
"""


@pytest.fixture(scope="module")
def synthetic_dir(tmp_path_factory):
    """Four years of synthetic hourly demand driven by hour, weekday, trend and temperature."""
    directory = tmp_path_factory.mktemp("synthetic")
    times = pd.date_range("2019-01-01", "2022-12-31 23:00", freq="h", tz="Asia/Seoul")
    rng = np.random.default_rng(0)
    day_of_year = times.day_of_year.to_numpy()
    hour = times.hour.to_numpy()
    temperature = (
        12
        - 14 * np.cos(2 * np.pi * (day_of_year - 15) / 365)
        + 4 * np.sin(2 * np.pi * (hour - 9) / 24)
        + rng.normal(0, 1.5, len(times))
    )
    years = times.year.to_numpy() - 2019
    weekend = times.day_of_week.to_numpy() >= 5
    demand = (60_000 * 1.02**years * (1 + 0.12 * np.sin(2 * np.pi * (hour - 8) / 24))
              * np.where(weekend, 0.85, 1.0)
              * (1 + 0.01 * np.maximum(16 - temperature, 0)
                 + 0.015 * np.maximum(temperature - 22, 0))
              * np.exp(rng.normal(0, 0.01, len(times))))  # fmt: skip
    stamps = [stamp.isoformat() for stamp in times]
    pd.DataFrame({"timestamp": stamps, "demand_mw": np.round(demand).astype(int)}).to_csv(
        directory / "demand.csv", index=False
    )
    pd.DataFrame({"timestamp": stamps, "temp_c": np.round(temperature, 1)}).to_csv(
        directory / "temperature.csv", index=False
    )
    return directory


@pytest.fixture(autouse=True)
def toy_station(tmp_path_factory, monkeypatch):
    """The weather location of the toy grid, in a FORECAST_WEATHER_DIR of its own."""
    root = tmp_path_factory.getbasetemp() / "toy-weather"
    (root / "toy-station").mkdir(parents=True, exist_ok=True)
    (root / "toy-station" / "location.toml").write_text(
        'station = "Toy AWS 1 (stand-in: made up by the tests)"\ntimezone = "Asia/Seoul"\n'
        'hourly_file = "temperature.csv"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("FORECAST_WEATHER_DIR", str(root))


def _config(tmp_path, *, ridge: float, name: str):
    path = tmp_path / f"{name}.toml"
    path.write_text(CONFIG.format(ridge=ridge), encoding="utf-8")
    return path


def test_training_publishes_an_artifact_that_predicts_the_same_numbers(
    synthetic_dir, tmp_path, monkeypatch, capsys
):
    root = tmp_path / "artifacts"
    config_path = _config(tmp_path, ridge=1e-3, name="good")
    arguments = ["--config", str(config_path), "--data-dir", str(synthetic_dir),
                 "--artifact-dir", str(root)]  # fmt: skip
    assert main([*arguments, "--version", "v1"]) == 0
    # It said "promoted: no promoted version; ...", which read as not promoted.
    assert "; promoted: no version of toy-grid promoted yet, ex_ante mape_pct" in (
        capsys.readouterr().out
    )
    loaded = load_baseline_model("toy-grid", root=root)
    assert loaded.version == "v1"
    assert loaded.manifest["metrics"]["ex_ante"]["mape_pct"] < loaded.manifest["metrics"][
        "seasonal_naive"]["mape_pct"]  # fmt: skip

    config = load_config(config_path, data_dir=synthetic_dir)
    demand, temperature, gaps = load_training_data(config)
    assert [report.missing_hours for report in gaps] == [0, 0]
    factor = loaded.manifest["parameters_summary"]["calibration_factor"]
    refit = BaselineModel.from_parameters(
        with_calibration(fit_baseline(demand, temperature, config, last_year=2022), factor)
    )
    times = demand.index[-24 * 30 :]
    weather = temperature[times].to_numpy()[None, :]
    np.testing.assert_allclose(loaded.shape(times, weather), refit.shape(times, weather),
                               rtol=1e-12)  # fmt: skip
    np.testing.assert_allclose(loaded.level_median(np.array([2023, 2024])),
                               refit.level_median(np.array([2023, 2024])), rtol=1e-12)  # fmt: skip
    assert loaded.noise_sd == pytest.approx(refit.noise_sd)

    # A worse model (ridge penalty so strong that the shape is nearly flat) is published but
    # not promoted.
    worse = _config(tmp_path, ridge=1e4, name="worse")
    assert main(["--config", str(worse), "--data-dir", str(synthetic_dir),
                 "--artifact-dir", str(root), "--version", "v2"]) == 0  # fmt: skip
    assert artifacts.list_models(root) == {"toy-grid": ["v1", "v2"]}

    # The card's limits name this grid's station whole (it was cut at the first ':', leaving
    # "(Toy AWS 1 (stand-in") and its own worst backtest year (it said Korea's 2020 for all).
    card = (root / "toy-grid" / "v1" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert (
        "- Single-station temperature (Toy AWS 1 (stand-in: made up by the tests)) as a proxy "
        "for the whole grid.\n"
    ) in card
    assert "Korea" not in card
    # A utility forecaster read "farther years' bands are wider ... but not backtested": they
    # were horizon-checked (and failed for NSW); the card says so, and how to run the check.
    assert "not backtested" not in card
    assert "python -m models.horizons --config CONFIG --origins FIRST-LAST" in card
    assert "au-nsw-baseline's bands too narrow from 2 years ahead" in card
    # It quoted the horizon figures of an earlier model; now this model's variance growth.
    assert "variance is 1 + 0.250 (h - 1) times the year ahead's\n(2.25 at 6 years;" in card
    assert "| forecast | year | MAE MW | RMSE MW | bias MW | bias % | CRPS MW |" in card
    # The training code's commit (a forecaster could not tell which code made a model): this
    # checkout's HEAD, or, where the tests run outside a checkout, the reason there is none.
    code = loaded.manifest["training_code"]
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent,
                          capture_output=True, text=True, check=False)  # fmt: skip
    if head.returncode == 0:
        assert code["git_commit"] == head.stdout.strip() and code["dirty"] in (True, False)
        assert f"## Training code\ngit commit `{code['git_commit']}` (" in card
    else:
        assert code["git_commit"] is None and code["reason"]
        assert "## Training code\ngit commit not recorded: " in card
    energy_error = loaded.manifest["metrics"]["ex_ante"]["energy_error_pct"]  # |.| of 2022's
    assert (
        "it does not know about economic shocks (in the backtest above, the largest ex ante "
        f"energy error is 2022's, {energy_error:+.2f} %)."
    ) in card.replace("-", "+")
    assert artifacts.current_version("toy-grid", root=root) == "v1"

    # `forecast models list` says which versions no loader will accept for want of a signature.
    from forecast.cli import main as forecast_main

    (root / "toy-grid" / "v2" / "manifest.sig").unlink()
    monkeypatch.setenv("FORECAST_ARTIFACT_DIR", str(root))
    capsys.readouterr()
    assert forecast_main(["models", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].startswith("* toy-grid@v1") and "unsigned" not in listed[0]
    assert listed[1].startswith("  toy-grid@v2") and listed[1].endswith(
        "[unsigned: set FORECAST_SIGNING_KEY_FILE to sign]"
    )

    # Changed bytes in the published parameters are refused with a clear error.
    parameters_path = root / "toy-grid" / "v1" / "parameters.json"
    parameters = json.loads(parameters_path.read_text())
    parameters["level"]["slope"] += 0.01
    parameters_path.write_text(json.dumps(parameters))
    with pytest.raises(ArtifactError, match=r"sha256 .* modified after publishing"):
        load_baseline_model("toy-grid@v1", root=root)


@pytest.mark.parametrize("installed", ["package", "other checkout"])
def test_training_refuses_to_publish_where_the_forecast_command_would_lose_or_miss_it(
    tmp_path, monkeypatch, capsys, installed
):
    """forecast-train published into site-packages (wiped by the next pip install) and
    `python -m models.train` from a checkout into its models/artifacts, which the installed
    `forecast` never read. Without --artifact-dir or FORECAST_ARTIFACT_DIR it now refuses
    before any work, in one line naming the way out."""
    import models.train
    from forecast import paths

    monkeypatch.delenv("FORECAST_ARTIFACT_DIR", raising=False)
    site = tmp_path / "site-packages" / "forecast"
    monkeypatch.setattr(models.train, "installed_package_dir", lambda: site)
    if installed == "package":
        (site / "_shipped" / "artifacts").mkdir(parents=True)
        monkeypatch.setattr(paths, "_SHIPPED", site / "_shipped")
    config = _config(tmp_path, ridge=1e-3, name="store")
    assert main(["--config", str(config), "--data-dir", str(tmp_path / "no-data")]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert err.startswith("error: artifact store: the default artifact store ")
    assert (
        "allowed: a store of your own, made with `forecast models init DIR` and named by "
        "FORECAST_ARTIFACT_DIR=DIR (or --artifact-dir DIR)"
    ) in err


@pytest.mark.parametrize("key", ["none", "untrusted"])
def test_training_that_may_promote_refuses_a_missing_or_untrusted_key_before_any_work(
    tmp_path, monkeypatch, capsys, key
):
    """A newcomer who set FORECAST_SIGNING_KEY_FILE but not FORECAST_TRUSTED_KEYS (or no key)
    trained for half a minute, then promotion refused the model it had just published."""
    if key == "none":
        monkeypatch.delenv("FORECAST_SIGNING_KEY_FILE")
    else:
        monkeypatch.delenv("FORECAST_TRUSTED_KEYS")
    config = _config(tmp_path, ridge=1e-3, name="keys")
    arguments = ["--config", str(config), "--data-dir", str(tmp_path / "no-data"),
                 "--artifact-dir", str(tmp_path / "artifacts")]  # fmt: skip
    assert main(arguments) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "FORECAST_TRUSTED_KEYS" in err
    assert ("not set" if key == "none" else "is not trusted") in err.replace("but is not", "is not")
    assert not (tmp_path / "artifacts").exists()
    # Publishing without promoting needs no key: it gets as far as the (missing) data.
    assert main([*arguments, "--no-promote"]) == 2
    assert "no-data" in capsys.readouterr().err


def test_a_part_last_year_is_named_when_training(synthetic_dir, tmp_path, capsys):
    """Demand and temperature files that end in March of [data] last_year: the weather
    record kept only whole-enough calendar years, so 2022's temperatures were dropped, its
    demand masked and its level fitted from one hour, and the note said the demand ended on
    2022-01-01. Now the part year's temperatures are used, the hours after the files end are
    a gap like any other, and the note names the real end."""
    data = tmp_path / "data"
    data.mkdir()
    for name in ("demand.csv", "temperature.csv"):
        table = pd.read_csv(synthetic_dir / name)
        kept = table["timestamp"] < "2022-04"
        if name == "demand.csv":  # and a 10-hour hole inside: 2020-06-05 08:00 .. 17:00
            kept &= ~table["timestamp"].between("2020-06-05T08", "2020-06-05T17:59")
        table[kept].to_csv(data / name, index=False)
    config = _config(tmp_path, ridge=1e-3, name="short")
    arguments = ["--config", str(config), "--data-dir", str(data), "--no-promote",
                 "--artifact-dir", str(tmp_path / "artifacts")]  # fmt: skip
    assert main([*arguments, "--version", "v1"]) == 0
    out = capsys.readouterr().out
    assert (
        "note: the usable hours (demand with temperature) end on 2022-03-31: 2022 is a part "
        "year, whose level is fitted from its first 90 days (at least 90 are required) and "
        "starts the level forecast; [data] last_year = 2021 ends on a whole year"
    ) in out
    # 2022-04-01 00:00 .. 12-31 23:00 KST: 275 days after the files end, masked in both, told
    # apart from the hole inside the demand file, which the line names (it said "1 gap(s),
    # 6,600 of 35,064 hours missing; longest 2022-04-01 ..." and never the hole).
    rows = "2019-01-01T00:00:00+09:00 .. 2022-03-31T23:00:00+09:00"
    assert (
        f"gaps: demand (demand.csv): 1 gap(s) inside the file's rows ({rows}), 10 of their "
        "28,464 hours missing; longest 2020-06-05T08:00:00+09:00 .. 2020-06-05T17:00:00+09:00 "
        "(10 h, masked); not covered by the file: 6,600 h after its last (masked)"
    ) in out
    assert (
        f"gaps: temperature (toy-station) (temperature.csv): no gaps inside the file's rows "
        f"({rows}, 28,464 hours); not covered by the file: 6,600 h after its last (masked)"
    ) in out
    artifact = tmp_path / "artifacts" / "toy-grid" / "v1"
    published = artifact / "parameters.json"
    assert json.loads(published.read_text())["level"]["window_years"] == [2020, 2021, 2022]
    # The card and the manifest state the data's span, not the config's years (the card said
    # "window 2019-01-01 .. 2022-12-31").
    manifest = json.loads((artifact / "manifest.json").read_text())
    assert manifest["data"]["window"] == ["2019-01-01", "2022-03-31"]
    assert manifest["data"]["rows"] == rows.split(" .. ")
    card = (artifact / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert (
        f"its first and last hour in [data] first_year..last_year = 2019..2022:\n  {rows}; mean "
    ) in card
    assert "longest 2020-06-05T08:00:00+09:00 .. 2020-06-05T17:00:00+09:00 (10 h, masked)" in card
    whole = [*arguments[:3], str(synthetic_dir), *arguments[4:], "--version", "v2"]
    assert main(whole) == 0  # the whole file
    assert "part year" not in capsys.readouterr().out


def test_training_in_a_zone_whose_clocks_change_at_midnight(tmp_path, monkeypatch):
    """America/Santiago: a 23-hour day that starts at 01:00 every September, a 25-hour day
    every April; the demand file lacks an afternoon (7 hours, masked) and still fits."""
    import datetime as dt

    from forecast.calendar import hourly_times

    times = hourly_times(dt.date(2019, 1, 1), dt.date(2021, 12, 31), "America/Santiago")
    rng = np.random.default_rng(3)
    hour = times.hour.to_numpy()
    temperature = 14 + 6 * np.cos(2 * np.pi * (times.day_of_year.to_numpy() - 15) / 365)
    temperature = (
        temperature + 4 * np.sin(2 * np.pi * (hour - 9) / 24) + rng.normal(0, 1, len(times))
    )
    demand = (
        8_000
        * (1 + 0.1 * np.sin(2 * np.pi * (hour - 8) / 24))
        * np.exp(rng.normal(0, 0.01, len(times)))
    )
    stamps = np.array([stamp.isoformat() for stamp in times])
    keep = np.ones(len(times), dtype=bool)
    keep[5000:5007] = False
    pd.DataFrame({"timestamp": stamps[keep], "demand_mw": np.round(demand[keep], 1)}).to_csv(
        tmp_path / "demand.csv", index=False
    )
    pd.DataFrame({"timestamp": stamps, "temp_c": np.round(temperature, 1)}).to_csv(
        tmp_path / "temperature.csv", index=False
    )
    root = tmp_path / "weather" / "santiago"
    root.mkdir(parents=True)
    (root / "location.toml").write_text(
        'station = "test"\ntimezone = "America/Santiago"\nhourly_file = "temperature.csv"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("FORECAST_WEATHER_DIR", str(tmp_path / "weather"))
    config_path = tmp_path / "cl.toml"
    config_path.write_text(
        CONFIG.format(ridge=1e-3)
        .replace('"KR"', '"CL"')
        .replace("Asia/Seoul", "America/Santiago")
        .replace("toy-station", "santiago")
        .replace("2022", "2021")
        # Three years load and fit; a backtest of 2021 would have two before it (refused).
        .replace("years = [2021]", "years = []"),
        encoding="utf-8",
    )
    config = load_config(config_path, data_dir=tmp_path)
    data = load_training_data(config)
    assert data.gaps[0].missing_hours == 7
    # Longer than 6 h: masked, not interpolated. 2019-01-01 00:00-03:00 is 2018 in standard
    # time (-04:00), outside the weather record's years, but in its file: used, not masked.
    assert int(data.demand.isna().sum()) == 7
    assert not np.isnan(data.demand.iloc[0])
    parameters = fit_baseline(data.demand, data.temperature, config, last_year=2021)
    assert np.isfinite(parameters["shape"]["coefficients"]).all()
    assert 0.0 <= parameters["noise"]["autocorrelation"] < 1.0


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (('country = "KR"', 'country = "XY"'), "[model] country = 'XY': not a country"),
        (('country = "KR"', 'country = "AU"\nsubdivision = "NWS"'),
         "[model] subdivision = 'NWS': not one of AU's; allowed: ACT, NSW,"),
        (('"Asia/Seoul"', '"Asia/Seol"'), "[model] timezone = 'Asia/Seol': not an IANA"),
        # The holidays package takes alpha-3 too, but a scenario names its country in alpha-2:
        # a model for "USA" could never be a scenario's default.
        (('country = "KR"', 'country = "USA"'),
         "[model] country = 'USA': use the ISO 3166-1 alpha-2 code 'US'; allowed: ISO 3166-1 "
         "alpha-2 codes"),
        (('country = "KR"', 'country = "US"\nsubdivision = "Virgina"'),
         "[model] subdivision = 'Virgina': not one of US's; allowed: AK, AL, AR,"),
        # Issue 13's ninth round: the level's momentum and the shape windows.
        (("ridge_penalty =", 'level_momentum = "fast"\nridge_penalty ='),
         "[training] level_momentum = 'fast'; allowed: 'none', 'year_end', 'drift', 'member'"),
        (("ridge_penalty =", "level_momentum_months = 4\nridge_penalty ="),
         "[training] level_momentum_months = 4; allowed: 3 or 6"),
        (("ridge_penalty =", "shape_windows = [3, 3]\nridge_penalty ="),
         "[training] shape_windows = [3, 3]; allowed: a list of distinct window lengths"),
    ],
)  # fmt: skip
def test_a_config_naming_an_unknown_calendar_is_refused_naming_the_field(
    synthetic_dir, tmp_path, change, words
):
    from forecast.errors import OptionsError

    path = tmp_path / "bad.toml"
    path.write_text(CONFIG.format(ridge=1e-3).replace(*change), encoding="utf-8")
    with pytest.raises(OptionsError) as refused:
        load_config(path, data_dir=synthetic_dir)
    assert str(refused.value).startswith(f"{path}: ") and words in str(refused.value)


def test_a_subdivision_alias_the_holidays_package_takes_is_accepted(synthetic_dir, tmp_path):
    """'Bayern' is not in the package's list of codes (BY), but its calendar takes it."""
    path = tmp_path / "bavaria.toml"
    changed = CONFIG.format(ridge=1e-3).replace('country = "KR"', 'country = "DE"')
    path.write_text(changed.replace("[model]", '[model]\nsubdivision = "Bayern"'), "utf-8")
    assert load_config(path, data_dir=synthetic_dir).spec.subdivision == "Bayern"


def test_a_subdivision_named_in_full_is_the_calendar_of_its_code(synthetic_dir, tmp_path):
    """'Virginia' is an alias the holidays package resolves to 'VA' (the same holidays), so it
    is taken, like 'Bayern'; a misspelt one is refused above."""
    from forecast.calendar import holiday_dates

    path = tmp_path / "virginia.toml"
    changed = CONFIG.format(ridge=1e-3).replace('country = "KR"', 'country = "US"')
    path.write_text(changed.replace("[model]", '[model]\nsubdivision = "Virginia"'), "utf-8")
    assert load_config(path, data_dir=synthetic_dir).spec.subdivision == "Virginia"
    virginia = holiday_dates("US", 2015, 2020, subdivision="Virginia")
    assert virginia == holiday_dates("US", 2015, 2020, subdivision="VA")
    assert virginia != holiday_dates("US", 2015, 2020)


def test_the_model_id_none_is_reserved(synthetic_dir, tmp_path):
    """A scenario's baseline_model = "none" asks for no model: no model may be called so."""
    from forecast.errors import OptionsError

    path = tmp_path / "none.toml"
    path.write_text(CONFIG.format(ridge=1e-3).replace('id = "toy-grid"', 'id = "none"'))
    with pytest.raises(OptionsError, match=r"\[model\] id = 'none': reserved"):
        load_config(path, data_dir=synthetic_dir)


def test_relative_paths_in_a_config_resolve_against_its_own_directory(
    synthetic_dir, tmp_path, monkeypatch
):
    """``[data] dir = "."`` is the config's folder wherever the command runs (it was the
    working directory); a missing file is named by its absolute path. ``--data-dir`` and
    FORECAST_DATA_DIR, given on the command line, stay relative to the working directory."""
    from forecast.errors import DataError

    folder = tmp_path / "utility" / "configs"
    folder.mkdir(parents=True)
    path = folder / "xx.toml"
    path.write_text(
        CONFIG.format(ridge=1e-3).replace("[data]", '[data]\ndir = "../data"'), encoding="utf-8"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("FORECAST_DATA_DIR", raising=False)
    config = load_config(path)
    assert config.data_dir == tmp_path / "utility" / "data"
    with pytest.raises(DataError) as refused:
        load_training_data(config)
    assert str(refused.value).startswith(
        f"cannot read data file {tmp_path / 'utility' / 'data' / 'demand.csv'}: "
    )
    (tmp_path / "utility" / "data").symlink_to(synthetic_dir, target_is_directory=True)
    assert load_training_data(load_config(path)).demand.notna().sum() > 0
    monkeypatch.setenv("FORECAST_DATA_DIR", "shared")
    assert load_config(path).data_dir == elsewhere / "shared"
    assert load_config(path, data_dir=Path("given")).data_dir == elsewhere / "given"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("first_year = 2019", "first_year = 2005"),
         "[data] first_year = 2005: the demand file {data}/demand.csv covers 2019-01-01 .. "
         "2022-12-31; allowed: 2019..2022"),
        (("last_year = 2022", "last_year = 2025"),
         "[data] last_year = 2025: the demand file {data}/demand.csv covers 2019-01-01 .. "
         "2022-12-31; allowed: 2019..2022"),
        (("[training]", "[features]\ntrend_origin_year = 1990\n\n[training]"),
         "[features] trend_origin_year = 1990: outside the data's years; allowed: a year of "
         "[data] first_year..last_year (2019..2022)"),
        (("first_year = 2019", "first_year = 2021"),
         "[features] trend_origin_year = 2020 (the default): outside the data's years"),
    ],
)  # fmt: skip
def test_config_years_outside_the_data_are_refused_with_the_datas_span(
    synthetic_dir, tmp_path, change, words
):
    """They trained and published: first_year 2005 failed later with a misleading "temperature
    is missing at 2005-01-01", and last_year 2025 or trend_origin_year 1990 said nothing."""
    from forecast.errors import OptionsError

    path = tmp_path / "years.toml"
    path.write_text(CONFIG.format(ridge=1e-3).replace(*change), encoding="utf-8")
    with pytest.raises(OptionsError) as refused:
        load_training_data(load_config(path, data_dir=synthetic_dir))
    assert str(refused.value).startswith(f"{path}: ")
    assert words.format(data=synthetic_dir) in str(refused.value)


def test_a_part_last_year_too_short_to_fit_a_level_is_refused(synthetic_dir, tmp_path):
    """Files ending 2022-03-10, 69 days into [data] last_year = 2022: fewer than the 90 days
    a part year's level needs; refused in one line naming the end and what is allowed."""
    from forecast.errors import DataError
    from models.config import MIN_PART_YEAR_DAYS

    data = tmp_path / "data"
    data.mkdir()
    for name in ("demand.csv", "temperature.csv"):
        table = pd.read_csv(synthetic_dir / name)
        table[table["timestamp"] < "2022-03-11"].to_csv(data / name, index=False)
    config = load_config(_config(tmp_path, ridge=1e-3, name="short"), data_dir=data)
    with pytest.raises(DataError) as refused:
        load_training_data(config)
    assert MIN_PART_YEAR_DAYS == 90
    assert str(refused.value) == (
        f"{config.path}: [data] last_year = 2022: the usable hours (demand with temperature) "
        "end on 2022-03-10, 69 days into 2022: too few to fit the year's level (a part last "
        "year needs 90 days); allowed: last_year = 2021 (the last whole year), or data "
        "through 2022-03-31"
    )


def _cut_from(synthetic_dir, tmp_path, first_day: str) -> Path:
    """The synthetic files from ``first_day`` on, in a data folder of their own."""
    data = tmp_path / f"from-{first_day}"
    data.mkdir()
    for name in ("demand.csv", "temperature.csv"):
        table = pd.read_csv(synthetic_dir / name)
        table[table["timestamp"] >= first_day].to_csv(data / name, index=False)
    return data


def test_a_part_first_year_too_short_to_fit_a_level_is_refused(synthetic_dir, tmp_path):
    """Files starting 2019-11-15, 47 days before the end of [data] first_year = 2019, trained
    silently: the year's level came from six weeks of winter. The last year's rule now holds
    for the first: fewer than 90 days are refused in one line naming the start and what is
    allowed."""
    from forecast.errors import DataError

    data = _cut_from(synthetic_dir, tmp_path, "2019-11-15")
    config = load_config(_config(tmp_path, ridge=1e-3, name="late-start"), data_dir=data)
    with pytest.raises(DataError) as refused:
        load_training_data(config)
    assert str(refused.value) == (
        f"{config.path}: [data] first_year = 2019: the usable hours (demand with temperature) "
        "start on 2019-11-15, 47 days before the end of 2019: too few to fit the year's level "
        "(a part first year needs 90 days); allowed: first_year = 2020 (the first whole "
        "year), or data from 2019-10-03"
    )


@pytest.mark.parametrize(("first_day", "refused"), [("2019-10-03", False), ("2019-10-04", True)])
def test_a_part_first_year_needs_90_days_to_the_end_of_the_year(
    synthetic_dir, tmp_path, capsys, first_day, refused
):
    """Hand-checkable edge: 3 October .. 31 December 2019 is 29 + 30 + 31 = 90 days (trained
    on, with a note naming the part year), from 4 October 89 (refused, status 2)."""
    data = _cut_from(synthetic_dir, tmp_path, first_day)
    config_path = _config(tmp_path, ridge=1e-3, name="edge")
    status = main(["--config", str(config_path), "--data-dir", str(data),
                   "--artifact-dir", str(tmp_path / "artifacts"), "--no-promote"])  # fmt: skip
    captured = capsys.readouterr()
    if refused:
        assert status == 2
        assert "start on 2019-10-04, 89 days before the end of 2019" in captured.err
        return
    assert status == 0, captured.err
    assert (
        "note: the usable hours (demand with temperature) start on 2019-10-03: 2019 is a part "
        "year, whose level is fitted from its last 90 days (at least 90 are required); [data] "
        "first_year = 2020 starts on a whole year"
    ) in captured.out


def test_the_climatology_and_training_gap_reports_say_which_hours_each_counts(
    tmp_path, monkeypatch, capsys
):
    """One Sydney temperature file, two counts: `models.climatology build` counts the observed
    years on standard time (+10:00), training its config's years on local time (+11:00 on
    Jan 1), so each had an hour the other had not (NSW: 109 gaps / 279 h against 110 / 280)
    and neither said so. Now each line names its period, and the extra hour is outside the
    file's rows, apart from the gaps inside them, which agree."""
    import datetime as dt

    from forecast.calendar import hourly_times
    from models.climatology import main as climatology_main

    zone = "Australia/Sydney"
    times = hourly_times(dt.date(2019, 1, 1), dt.date(2021, 12, 31), zone)
    rng = np.random.default_rng(5)
    hour = times.hour.to_numpy()
    temperature = (
        18
        + 6 * np.cos(2 * np.pi * (times.day_of_year.to_numpy() - 15) / 365)
        + 4 * np.sin(2 * np.pi * (hour - 9) / 24)
        + rng.normal(0, 1, len(times))
    )
    demand = 8_000 * (1 + 0.1 * np.sin(2 * np.pi * (hour - 8) / 24))
    stamps = np.array([stamp.isoformat() for stamp in times])
    pd.DataFrame({"timestamp": stamps, "demand_mw": np.round(demand, 1)}).to_csv(
        tmp_path / "demand.csv", index=False
    )
    # The file starts an hour into local 2019, at 00:00 of standard time, as Bankstown's does.
    pd.DataFrame({"timestamp": stamps[1:], "temp_c": np.round(temperature[1:], 1)}).to_csv(
        tmp_path / "temperature.csv", index=False
    )
    (tmp_path / "weather" / "bankstownish").mkdir(parents=True)
    (tmp_path / "weather" / "bankstownish" / "location.toml").write_text(
        f'station = "test"\ntimezone = "{zone}"\nhourly_file = "temperature.csv"\n', "utf-8"
    )
    monkeypatch.setenv("FORECAST_WEATHER_DIR", str(tmp_path / "weather"))
    monkeypatch.setenv("FORECAST_DATA_DIR", str(tmp_path))
    arguments = ["build", "bankstownish", "--output", str(tmp_path / "climatology.json")]
    assert climatology_main(arguments) == 0
    built = capsys.readouterr().out.splitlines()[0]
    assert built == (
        "gaps over the observed years 2019..2021 on the weather clock (standard time, "
        "UTC+10:00; forecast-train counts its config's years on local time): temperature "
        "(temperature.csv): no gaps inside the file's rows (2019-01-01T01:00:00+11:00 .. "
        "2021-12-31T23:00:00+11:00, 26,303 hours); not covered by the file: 1 h after its last "
        "(masked) (hours counted: 2019-01-01T01:00:00+11:00 .. 2022-01-01T00:00:00+11:00)"
    )
    config_path = tmp_path / "au.toml"
    config_path.write_text(
        CONFIG.format(ridge=1e-3)
        .replace('"KR"', '"AU"')
        .replace("Asia/Seoul", zone)
        .replace("toy-station", "bankstownish")
        .replace("2022", "2021")
        # Three years load and fit; a backtest of 2021 would have two before it (refused).
        .replace("years = [2021]", "years = []"),
        encoding="utf-8",
    )
    trained = load_training_data(load_config(config_path)).gaps[1].summary()
    assert trained == (
        "temperature (bankstownish) (temperature.csv): no gaps inside the file's rows "
        "(2019-01-01T01:00:00+11:00 .. 2021-12-31T23:00:00+11:00, 26,303 hours); not covered "
        "by the file: 1 h before its first row (masked) (hours counted: "
        "2019-01-01T00:00:00+11:00 .. 2021-12-31T23:00:00+11:00)"
    )


def _edited(tmp_path, *changes: tuple[str, str], name: str = "edited") -> Path:
    text = CONFIG.format(ridge=1e-3)
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_backtest_year_without_three_years_before_it_is_refused_before_the_data_loads(
    tmp_path,
):
    """``[backtest] years = [2021]`` after ``first_year = 2019`` said, after loading the data,
    only "training needs at least 3 years up to 2020; found [2019, 2020]", naming neither the
    setting nor the file. Refused by load_config (no data directory exists here), naming
    the config, the setting, the year and what is allowed."""
    from forecast.errors import OptionsError

    path = _edited(tmp_path, ("years = [2022]", "years = [2021]"))
    with pytest.raises(OptionsError) as refused:
        load_config(path, data_dir=tmp_path / "nowhere")
    assert str(refused.value) == (
        f"{path}: [backtest] years = 2021: allowed: a year 2022..2022 (each is fitted on the 3 "
        "or more years from [data] first_year = 2019 before it, up to last_year)"
    )
    config = load_config(_edited(tmp_path, name="fine"), data_dir=tmp_path / "nowhere")
    with pytest.raises(OptionsError, match=r"^--years = 2020: allowed: a year 2022\.\.2022 \("):
        with_backtest_years(config, "2020")
    with pytest.raises(OptionsError, match=r"^--years = 2023: allowed: a year 2022\.\.2022 \("):
        with_backtest_years(config, "2022,2023")
    late = _edited(tmp_path, ("years = [2022]", "years = [2030]"), name="late")
    with pytest.raises(OptionsError, match=r"\[backtest\] years = 2030: allowed: a year 2022"):
        load_config(late, data_dir=tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ('timestamp_timezone = "AEST"', "[data] timestamp_timezone = 'AEST': not an IANA time"),
        ('interval_label = "end"', "[data] interval_label = 'end'; allowed: 'beginning', "),
    ],
)
def test_bad_timestamp_conventions_are_refused_naming_the_setting(tmp_path, change, words):
    from forecast.errors import OptionsError

    path = _edited(
        tmp_path, ('demand_file = "demand.csv"', f'demand_file = "demand.csv"\n{change}')
    )
    with pytest.raises(OptionsError) as refused:
        load_config(path, data_dir=tmp_path)
    assert str(refused.value).startswith(f"{path}: {words}")


def test_training_reads_a_naive_utc_hour_ending_file_as_its_config_says(synthetic_dir, tmp_path):
    """The toy grid's demand written as a SCADA export would be (naive UTC, each hour
    labelled by its end), with [data] timestamp_timezone = "UTC" and interval_label =
    "ending": the same training data as the file with offsets."""
    frame = pd.read_csv(synthetic_dir / "demand.csv")
    instants = pd.to_datetime(frame["timestamp"], utc=True, format="ISO8601")
    ends = instants + pd.Timedelta(hours=1)
    frame.assign(timestamp=ends.dt.strftime("%Y-%m-%d %H:%M")).to_csv(
        tmp_path / "scada.csv", index=False
    )
    (tmp_path / "temperature.csv").write_bytes((synthetic_dir / "temperature.csv").read_bytes())
    path = _edited(
        tmp_path,
        ('demand_file = "demand.csv"',
         'demand_file = "scada.csv"\ntimestamp_timezone = "UTC"\ninterval_label = "ending"'),
    )  # fmt: skip
    config = load_config(path, data_dir=tmp_path)
    assert (config.timestamp_timezone, config.interval_label) == ("UTC", "ending")
    read = load_training_data(config)
    expected = load_training_data(load_config(_config(tmp_path, ridge=1e-3, name="toy"),
                                              data_dir=synthetic_dir))  # fmt: skip
    pd.testing.assert_series_equal(read.demand, expected.demand)


def test_a_description_copied_from_a_shipped_config_is_flagged(tmp_path):
    """A utility's model card said "New South Wales hourly electricity demand (AEMO NSW1
    ...)" for its own grid: its config was copied from au-nsw.toml and not edited. Training
    warns in one line; an own description says nothing."""
    import tomllib

    from models.config import SHIPPED_CONFIGS_DIR, copied_config_warning

    nsw = tomllib.loads((SHIPPED_CONFIGS_DIR / "au-nsw.toml").read_text(encoding="utf-8"))
    copied = _edited(
        tmp_path,
        ('id = "toy-grid"',
         f'id = "toy-grid"\ndescription = "{nsw["model"]["description"]}"\n'
         f'demand_basis = "{nsw["model"]["demand_basis"]}"'),
    )  # fmt: skip
    warning = copied_config_warning(load_config(copied, data_dir=tmp_path))
    assert warning == (
        f"warning: {copied}: [model] description and demand_basis of 'toy-grid' are word for "
        "word those of 'au-nsw-baseline' (au-nsw.toml): copied and not edited? the model card "
        "and every projection on the model say them; describe this grid's demand"
    )
    own = _edited(tmp_path, ('id = "toy-grid"', 'id = "toy-grid"\ndescription = "Toy."'))
    assert copied_config_warning(load_config(own, data_dir=tmp_path)) is None


@pytest.mark.shared_data
@pytest.mark.slow
@pytest.mark.parametrize("grid", ["au-nsw", "kr"])
def test_the_shipped_grids_raise_no_clock_warning_and_a_file_10_hours_off_does(grid, monkeypatch):
    """The training-side check (forecast.baseline.alignment.weather_response_lag): the hot-day
    demand excess of NSW and Korea follows their station's temperature within 1 h, so no
    warning; the same demand 10 h late (a naive-UTC file in Sydney or Seoul read as local
    time) is flagged in one line naming the settings."""
    from forecast.paths import real_data_available, real_data_dir
    from models.config import SHIPPED_CONFIGS_DIR, clock_warning

    if not real_data_available():
        pytest.skip("real data not found in FORECAST_DATA_DIR (default ../shared/data)")
    monkeypatch.delenv("FORECAST_WEATHER_DIR", raising=False)
    config = load_config(SHIPPED_CONFIGS_DIR / f"{grid}.toml", data_dir=real_data_dir())
    data = load_training_data(config)
    assert clock_warning(config, data) is None
    late = data._replace(demand=data.demand.shift(10))
    warning = clock_warning(config, late)
    assert warning is not None and "\n" not in warning
    assert warning.startswith(f"warning: {config.demand_file}: the demand's daily profile")
    assert f"[data] timestamp_timezone or interval_label in {config.path}" in warning


def test_training_averages_a_half_hourly_file_and_says_so_in_the_gap_report(
    synthetic_dir, tmp_path
):
    """AEMO publishes 30-minute demand labelled by each interval's end. The toy grid's hours
    written as two such rows, 1 MW below and above the hour's value, train on the same hourly
    demand, and the data report says how the hours were made; a missing row leaves its hour a
    gap under the gap rule (one hour: interpolated)."""
    frame = pd.read_csv(synthetic_dir / "demand.csv")
    begins = pd.DatetimeIndex(pd.to_datetime(frame["timestamp"], format="ISO8601"))
    ends = [begins + pd.Timedelta(minutes=30), begins + pd.Timedelta(minutes=60)]
    halves = pd.DataFrame({
        "timestamp": np.ravel(np.column_stack([[t.isoformat() for t in end] for end in ends])),
        "demand_mw": np.ravel(np.column_stack([frame["demand_mw"] - 1, frame["demand_mw"] + 1])),
    })  # fmt: skip
    halves.to_csv(tmp_path / "half.csv", index=False)
    (tmp_path / "temperature.csv").write_bytes((synthetic_dir / "temperature.csv").read_bytes())
    path = _edited(
        tmp_path,
        ('demand_file = "demand.csv"', 'demand_file = "half.csv"\ninterval_label = "ending"'),
    )
    read = load_training_data(load_config(path, data_dir=tmp_path))
    expected = load_training_data(load_config(_config(tmp_path, ridge=1e-3, name="toy"),
                                              data_dir=synthetic_dir))  # fmt: skip
    pd.testing.assert_series_equal(read.demand, expected.demand)
    assert (
        read.gaps[0]
        .summary()
        .startswith(
            "demand (half.csv), 30-minute rows averaged to hourly (2 per hour, interval-ending "
            "labels): no gaps in 35,064 hours"
        )
    )
    assert read.gaps[0].to_dict()["averaging"] == (
        "30-minute rows averaged to hourly (2 per hour, interval-ending labels)"
    )
    halves.drop(index=[1001]).to_csv(tmp_path / "half.csv", index=False)
    read = load_training_data(load_config(path, data_dir=tmp_path))
    report = read.gaps[0]
    assert report.missing_hours == 1 and report.gaps[0].handling == "interpolated"
    assert report.gaps[0].first == expected.demand.index[500]  # rows 1000-1001: hour 500
    assert "; 1 hour(s) without all 2 left out as gaps)" in report.summary()


def test_the_backtest_prints_and_writes_the_calibration_by_hour_and_season(
    synthetic_dir, tmp_path, capsys
):
    """``python -m models.backtest --by hour --by season``: the ex post and ex ante 80 %
    coverage, misses and bias per local clock hour and per season, and a PIT line for each;
    ``--json`` carries both groupings and the PIT histograms whatever --by says."""
    from models.backtest import main as backtest

    arguments = ["--config", str(_config(tmp_path, ridge=1e-3, name="toy")), "--data-dir",
                 str(synthetic_dir)]  # fmt: skip
    assert backtest([*arguments, "--by", "hour", "--by", "season"]) == 0
    out = capsys.readouterr().out
    assert "| forecast | hour | hours | cover 80 % | below P10 % | above P90 % | bias MW |" in out
    assert "| forecast | season | hours | cover 80 % |" in out
    for label in ("ex_post", "ex_ante"):
        assert f"| {label} | 00 | 365 | " in out and f"| {label} | 23 | 365 | " in out
        assert f"| {label} | DJF (Dec-Feb) | 2160 | " in out
        assert f"PIT {label} (8760 h; 10 bins, 10 % each if calibrated): " in out
    assert "| seasonal_naive | 00 |" not in out

    assert backtest([*arguments, "--json"]) == 0
    calibration = json.loads(capsys.readouterr().out)["calibration"]
    assert list(calibration) == ["ex_post", "ex_ante"]
    for numbers in calibration.values():
        assert len(numbers["by_hour"]) == 24 and len(numbers["by_season"]) == 4
        assert sum(row["hours"] for row in numbers["by_season"]) == 8760
        assert sum(numbers["pit"]["counts"]) == 8760
        coverage = np.mean([row["coverage_80_pct"] for row in numbers["by_hour"]])
        assert 40.0 < coverage < 100.0

    assert backtest([*arguments, "--by", "month"]) == 2
    error = capsys.readouterr().err.strip()
    assert error == "error: --by = 'month': allowed: hour, season (repeat --by for both)"


def git(checkout: Path, *arguments: str) -> str:
    """Run git in ``checkout`` as a test user; its standard output, stripped."""
    return subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", *arguments],
        cwd=checkout, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip


@pytest.mark.skipif(shutil.which("git") is None, reason="needs the git command")
def test_the_training_codes_commit_is_read_from_a_checkout_and_its_absence_explained(tmp_path):
    """A real git repository made here: its HEAD, clean; dirty once a tracked file changes (an
    untracked file does not count); outside any checkout no commit, with the reason, and
    never an error: training runs from an installed package too."""
    outside = tmp_path / "installed"
    outside.mkdir()
    revision = training_code_revision(outside)
    assert revision["git_commit"] is None
    assert revision["reason"].startswith(f"{outside} is not in a git checkout with a commit (")
    assert _code_line(revision).startswith("git commit not recorded: ")

    checkout = tmp_path / "checkout"
    (checkout / "models").mkdir(parents=True)
    (checkout / "models" / "train.py").write_text("print('v1')\n", encoding="utf-8")

    git(checkout, "init", "-q")
    assert training_code_revision(checkout / "models")["git_commit"] is None  # no commit yet
    git(checkout, "add", ".")
    git(checkout, "commit", "-q", "-m", "v1")
    head = git(checkout, "rev-parse", "HEAD")
    assert training_code_revision(checkout / "models") == {"git_commit": head, "dirty": False}
    (checkout / "notes.txt").write_text("untracked\n", encoding="utf-8")
    assert training_code_revision(checkout / "models")["dirty"] is False
    (checkout / "models" / "train.py").write_text("print('v2')\n", encoding="utf-8")
    dirty = training_code_revision(checkout / "models")
    assert dirty == {"git_commit": head, "dirty": True}
    assert _code_line(dirty) == (
        f"git commit `{head}` (dirty: tracked files differed from it, so the commit alone does "
        "not reproduce this model)"
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="needs the git command")
def test_training_into_a_store_inside_its_checkout_records_clean_code(
    synthetic_dir, tmp_path, monkeypatch
):
    """``forecast-train`` publishes into a store inside the training code's checkout whose
    tracked file another grid's promotion has moved: the manifest names the commit, clean.
    With the momentum member the card gives the thirds' variance growth."""
    checkout = tmp_path / "checkout"
    store = checkout / "artifacts"
    (checkout / "models").mkdir(parents=True)
    (checkout / "models" / "train.py").write_text("print('v1')\n", encoding="utf-8")
    (store / "other-grid").mkdir(parents=True)
    (store / "other-grid" / "CURRENT").write_text("v1\n", encoding="utf-8")
    git(checkout, "init", "-q")
    git(checkout, "add", ".")
    git(checkout, "commit", "-q", "-m", "v1")
    (store / "other-grid" / "CURRENT").write_text("v2\n", encoding="utf-8")  # promoted since
    monkeypatch.setattr("models.train.TRAINING_CODE_DIR", checkout / "models")
    config = tmp_path / "member.toml"
    config.write_text(
        CONFIG.format(ridge=1e-3).replace(
            "ridge_penalty =", 'level_momentum = "member"\nridge_penalty ='
        ),
        encoding="utf-8",
    )
    assert main(["--config", str(config), "--data-dir", str(synthetic_dir),
                 "--artifact-dir", str(store), "--version", "v1"]) == 0  # fmt: skip
    manifest = json.loads((store / "toy-grid" / "v1" / "manifest.json").read_text("utf-8"))
    head = git(checkout, "rev-parse", "HEAD")
    assert manifest["training_code"] == {"git_commit": head, "dirty": False}
    assert manifest["parameters_summary"]["trend_weight"] == pytest.approx(1 / 3)
    card = (store / "toy-grid" / "v1" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "variance is 1 + 0.444 (h - 1) times the year ahead's\n(3.22 at 6 years;" in card


@pytest.mark.skipif(shutil.which("git") is None, reason="needs the git command")
def test_the_artifact_store_inside_the_checkout_does_not_make_the_code_dirty(tmp_path):
    """Training the second grid after the first moved the tracked ``CURRENT`` of the shipped
    store, and the second model's manifest called its code dirty: the store training publishes
    into is output, not code. A change outside it still counts; a store outside the checkout
    leaves the check as it was."""
    checkout = tmp_path / "checkout"
    store = checkout / "models" / "artifacts"
    (store / "grid").mkdir(parents=True)
    (checkout / "models" / "train.py").write_text("print('v1')\n", encoding="utf-8")
    (store / "grid" / "CURRENT").write_text("v1\n", encoding="utf-8")

    git(checkout, "init", "-q")
    git(checkout, "add", ".")
    git(checkout, "commit", "-q", "-m", "v1")
    (store / "grid" / "CURRENT").write_text("v2\n", encoding="utf-8")  # the first grid promoted
    assert training_code_revision(checkout / "models")["dirty"] is True
    assert training_code_revision(checkout / "models", outputs=store)["dirty"] is False
    assert training_code_revision(checkout / "models", outputs=tmp_path / "elsewhere")["dirty"]
    (checkout / "models" / "train.py").write_text("print('v2')\n", encoding="utf-8")
    assert training_code_revision(checkout / "models", outputs=store)["dirty"] is True
