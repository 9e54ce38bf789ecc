"""Bad input gives one line naming the file, the field, the value and what is allowed.

Each case edits the small valid scenario in one place, runs ``forecast project`` in-process,
and checks the exit status, the single error line, and that no output file appears.
"""

from __future__ import annotations

import pytest

from forecast.cli import main


def _run(argv: list[str], capsys) -> tuple[int, str]:
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.err.strip()


SCENARIO_EDITS = [
    pytest.param(
        "count = 1000",
        "count = -5",
        ["small.toml", "count", "-5", "greater than or equal to 0"],
        id="negative-count",
    ),
    pytest.param(
        "date = 2026-06-30",
        "date = 2024-06-30",
        [
            "small.toml: deployments[0] ('fleet').milestones: milestones[1].date = 2024-06-30: "
            "allowed: a date after milestones[0].date = 2024-12-31 (dates increase)"
        ],
        id="milestones-out-of-order",
    ),
    pytest.param(
        "mix = { h100_sxm = 1.0 }",
        "mix = { h100_sxm = 1.5 }",
        ["small.toml", "mix.h100_sxm = 1.5: allowed: a share in [0, 1]"],
        id="mix-share-above-one",
    ),
    pytest.param(
        "mix = { h100_sxm = 1.0 }",
        "mix = { h100_sxm = 0.5 }",
        ["small.toml", "mix sum to 0.5; allowed: shares that sum to 1"],
        id="mix-not-summing-to-one",
    ),
    pytest.param(
        "mix = { h100_sxm = 1.0 }",
        "mix = { h999 = 1.0 }",
        ["small.toml", "mix.h999", "unknown accelerator", "h100_sxm"],
        id="unknown-accelerator",
    ),
    pytest.param(
        'pue = { dist = "uniform", low = 1.2, high = 1.4 }',
        'pue = { dist = "uniform", low = 0.9, high = 1.4 }',
        ["small.toml", "pue", "0.9", "[1.0, 5.0]"],
        id="pue-below-one",
    ),
    pytest.param(
        'status = "announced"',
        'status = "announced"\n    build_probability = 1.5',
        ["small.toml", "build_probability", "1.5", "[0.0, 1.0]"],
        id="probability-above-one",
    ),
    pytest.param(
        "end = 2026-12-31",
        "end = 2023-12-31",
        ["small.toml: horizon: end = 2023-12-31: allowed: a date 2025-01-01..2054-12-31"],
        id="end-before-start",
    ),
    pytest.param(
        "end = 2026-12-31",
        "end = 2060-12-31",
        [
            "small.toml: horizon: end = 2060-12-31: allowed: a date 2025-01-01..2054-12-31 (from "
            "start = 2025-01-01, at most 30 calendar years)"
        ],
        id="horizon-over-30-years",
    ),
    pytest.param(
        "[horizon]",
        "[horizon",
        ["small.toml: malformed TOML at line", ", column 9: ", "; the line: '[horizon'"],
        id="malformed-toml",
    ),
    pytest.param(
        'region = "capital"',
        'region = "mars"',
        ["small.toml", "sites[0] (", ").region = 'mars'", "allowed"],
        id="unknown-region",
    ),
    pytest.param(
        'timezone = "Asia/Seoul"',
        'timezone = "Asia/Seoul"\nbaseline_model = "nope@1"',
        ["scenario small: baseline_model = 'nope@1': model id 'nope' not found; known:"],
        id="unknown-baseline-model-names-its-field",
    ),
    pytest.param(
        "[operations]",
        "[operations]\npeu = 1.3",
        ["small.toml", "operations.peu = 1.3: not a field here (allowed: cooling,", "pue,"],
        id="misspelt-field-lists-the-allowed",
    ),
    pytest.param(
        "date = 2026-06-30",
        'date = "30/06/2026"',
        ["milestones[1].date = '30/06/2026': allowed: a date written YYYY-MM-DD"],
        id="date-in-another-format",
    ),
    pytest.param(
        "date = 2026-06-30",
        "date = 2026-06-30T12:00:00",
        ["milestones[1].date = 2026-06-30T12:00:00: allowed: a date written YYYY-MM-DD"],
        id="date-time-shown-as-written",
    ),
    pytest.param(
        "date = 2026-06-30",
        "date = 1782777600",
        ["milestones[1].date = 1782777600: allowed: a date written YYYY-MM-DD"],
        id="number-is-not-read-as-seconds-since-1970",
    ),
    pytest.param(
        "date = 2026-06-30",
        'date = "20260630"',
        ["milestones[1].date = '20260630': allowed: a date written YYYY-MM-DD"],
        id="digits-are-not-read-as-seconds-since-1970",
    ),
    pytest.param(
        'pue = { dist = "uniform", low = 1.2, high = 1.4 }',
        'pue = { dist = "bogus", low = 1.2, high = 1.4 }',
        [
            "small.toml: operations.pue.dist = 'bogus': not one of the choices (allowed: "
            "'fixed', 'triangular', 'uniform', 'lognormal', 'beta')"
        ],
        id="unknown-distribution-names-its-field-and-the-tags",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), SCENARIO_EDITS)
def test_bad_scenario_is_one_line_and_writes_nothing(
    old, new, expected, small_scenario_text, scenario_file, tmp_path, capsys
):
    assert old in small_scenario_text
    path = scenario_file(small_scenario_text.replace(old, new, 1))
    out = tmp_path / "out.csv"
    status, error = _run(["project", str(path), "--draws", "10", "--out", str(out)], capsys)
    assert status != 0
    assert "\n" not in error
    assert error.startswith("error: ")
    for fragment in expected:
        assert fragment in error, (fragment, error)
    assert not out.exists()
    assert list(tmp_path.glob("out.csv*")) == []


def test_a_toml_syntax_error_names_the_file_line_and_column_and_quotes_the_line(
    scenario_file, capsys
):
    """A user's file said only "(at line 4, column 12)": the line is quoted (trimmed), after
    the file, the line and the column; a base it extends is named as the file at fault."""
    path = scenario_file('extends = "kr-national"\nid = "mine"\n\n  [operations  \npue = 1.2\n')
    assert _run(["scenarios", "show", str(path)], capsys) == (
        2,
        "error: small.toml: malformed TOML at line 4, column 16: Expected ']' at the end of a "
        "table declaration; the line: '[operations'",
    )
    scenario_file('id = "base"\nnotes = "' + "x" * 200, name="base")
    variant = scenario_file('extends = "base"\nid = "mine"\n', name="mine")
    status, error = _run(["scenarios", "show", str(variant)], capsys)
    assert status == 2
    assert error == (
        "error: base.toml: malformed TOML at the end of the file, line 2, column 210: "
        f"Unterminated string; the line: '...{'x' * 80}'"
    )


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        # Each names the flag the user typed (errs finding e: "draws = 0", "drivers_year").
        ("--draws", "0", ["--draws = 0: allowed: an integer 1..100,000"]),
        ("--draws", "100000000", ["--draws = 100000000: allowed: an integer 1..100,000"]),
        ("--draws", "many", ["--draws = 'many': allowed: an integer 1..100,000"]),
        ("--seed", "-1", ["--seed = -1: allowed: an integer 0..9,223,372,036,854,775,807"]),
        ("--resolution", "weekly", ["--resolution = 'weekly': allowed: hourly, daily"]),
        ("--weather", "foo", ["--weather = 'foo': allowed: auto, historical"]),
        ("--start", "2025-13-01", ["--start = '2025-13-01': allowed: a date YYYY-MM-DD"]),
        (
            "--end",
            "2020-01-01",
            ["--end = 2020-01-01: allowed: a date 2025-01-01..2054-12-31 (from --start = "],
        ),
        ("--quantiles", "0.5,1.5", ["--quantiles = [0.5, 1.5]", "[0, 1]"]),
        ("--quantiles", "0.1,0.5,0.5", ["--quantiles = [0.1, 0.5, 0.5]", "0.5 given twice"]),
        ("--quantiles", "0.5,x", ["--quantiles = '0.5,x': allowed: comma-separated"]),
        (
            "--drivers-year",
            "2040",
            ["--drivers-year = 2040: allowed: a year 2025..2026 (the projection's period)"],
        ),
        ("--flexibility-year", "2040", ["--flexibility-year = 2040: allowed: a year 2025..2026"]),
        # Typer's own conversion of an int option (errs finding d): was "Invalid value for
        # '--flexibility-year': Input should be a valid integer, ...", no value, no range.
        ("--flexibility-year", "x", ["--flexibility-year = 'x': allowed: a year"]),
        ("--drivers-year", "2030.5", ["--drivers-year = '2030.5': allowed: a year"]),
        (
            "--duration-draws",
            "20",
            ["--duration-draws = '20'", "allowed only with --duration-curves"],
        ),
        (
            "--baseline-model",
            "kr-national-baseline",
            ["--no-baseline projects no baseline; allowed: one or the other"],
        ),
        ("--format", "xlsx", ["xlsx", "csv, netcdf"]),
    ],
)
def test_bad_option_is_one_line_and_writes_nothing(
    option, value, expected, small_scenario_text, scenario_file, tmp_path, capsys
):
    path = scenario_file(small_scenario_text)
    out = tmp_path / "out.csv"
    # A baseline model with --no-baseline: an option the others make meaningless.
    extra = ["--no-baseline"] if option == "--baseline-model" else []
    status, error = _run(
        ["project", str(path), "--out", str(out), "--draws", "10", *extra, option, value], capsys
    )
    assert status == 2
    assert error.startswith("error: ") and "\n" not in error
    for fragment in expected:
        assert fragment in error, (fragment, error)
    assert not out.exists()


def test_unknown_scenario_id_lists_shipped(capsys, tmp_path):
    status, error = _run(["project", "no-such-scenario", "--out", str(tmp_path / "x.csv")], capsys)
    assert status != 0
    assert "no-such-scenario" in error and "shipped" in error


def test_an_output_suffix_that_names_no_format_is_refused(
    small_scenario_text, scenario_file, tmp_path, capsys
):
    """`--out x.xlsx` was written as CSV under a spreadsheet's name; now refused before work."""
    path = scenario_file(small_scenario_text)
    out = tmp_path / "x.xlsx"
    status, error = _run(["project", str(path), "--draws", "5", "--out", str(out)], capsys)
    assert status == 2 and "\n" not in error
    assert "'.xlsx'" in error and ".csv" in error and "--format" in error
    assert not out.exists()


def test_missing_output_directory(small_scenario_text, scenario_file, tmp_path, capsys):
    path = scenario_file(small_scenario_text)
    status, error = _run(
        ["project", str(path), "--draws", "5", "--out", str(tmp_path / "nope" / "x.csv")], capsys
    )
    assert status != 0 and "does not exist" in error


def test_existing_output_survives_a_failed_run(
    small_scenario_text, scenario_file, tmp_path, capsys
):
    out = tmp_path / "kept.csv"
    out.write_text("previous result\n")
    path = scenario_file(small_scenario_text.replace("count = 1000", "count = -1"))
    status, _ = _run(["project", str(path), "--out", str(out)], capsys)
    assert status != 0
    assert out.read_text() == "previous result\n"


def test_not_utf8(scenario_file, tmp_path, capsys):
    path = tmp_path / "latin.toml"
    path.write_bytes('title = "caf\xe9"\n'.encode("latin-1"))
    status, error = _run(["project", str(path), "--out", str(tmp_path / "x.csv")], capsys)
    assert status != 0
    assert "latin.toml" in error


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        pytest.param(["project", "{tmp}", "--out", "{tmp}/x.csv"],
                     "a directory; allowed: a scenario .toml file", id="scenario-is-a-directory"),
        pytest.param(["keys", "sign", "{tmp}", "--key", "{tmp}/no.key"],
                     "--key = {tmp}/no.key: cannot read the key file", id="missing-key-file"),
        pytest.param(["project", "kr-national", "--start", "2031-01-01", "--end", "2030-01-01",
                      "--out", "{tmp}/x.csv"],
                     "--end = 2030-01-01: allowed: a date 2031-01-01..2060-12-31 (from --start = "
                     "2031-01-01, at most 30 calendar years)",
                     id="end-before-start-said-whole"),
        # The 30-year limit named no date: the planner had to count to the last one allowed.
        pytest.param(["project", "kr-outlook", "--end", "2060-12-31", "--out", "{tmp}/x.csv"],
                     "error: --end = 2060-12-31: allowed: a date 2024-01-01..2053-12-31 (from "
                     "--start = 2024-01-01, at most 30 calendar years)",
                     id="period-over-30-years-names-its-last-day"),
        pytest.param(["compare", "kr-national", "--out", "{tmp}/c.csv"],
                     "scenarios: 1 given (kr-national); compare 2 or more", id="compare-one"),
        pytest.param(["project", "kr-national", "--format", "parquet", "--out", "{tmp}/x.csv"],
                     "suffix '.csv' names csv, not --format parquet",
                     id="suffix-and-format-differ"),
        pytest.param(["keys", "verify", "{tmp}/nope"], "nope: no such directory",
                     id="verify-missing-directory"),
        pytest.param(["plot", "kr-outlook", "--kind", "peak-hours", "--years", "2030,2030",
                      "--out", "{tmp}/p.png"], "--years = '2030,2030': allowed: 1..4 years, each "
                     "once",
                     id="plot-repeated-year"),
    ],
)  # fmt: skip
def test_files_and_years_that_cannot_be_used_are_one_line(arguments, expected, tmp_path, capsys):
    """Each was a traceback (IsADirectoryError, FileNotFoundError, matplotlib's TypeError)."""
    argv = [part.replace("{tmp}", str(tmp_path)) for part in arguments]
    status, error = _run(argv, capsys)
    assert status == 2 and "\n" not in error
    assert expected.replace("{tmp}", str(tmp_path)) in error


def test_a_period_past_the_horizon_says_once_what_holds_there(tmp_path, capsys):
    """kr-outlook --end 2038-12-31 ran past the 2035 horizon without a word, where a --start
    before it was noted: one note line on stderr says what the years after it hold."""
    out = tmp_path / "x.csv"
    argv = ["project", "kr-outlook", "--draws", "5", "--resolution", "annual", "--no-baseline",
            "--weather", "typical", "--quiet", "--start", "2035-01-01",
            "--out", str(out)]  # fmt: skip
    assert main([*argv, "--end", "2036-12-31"]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if line.startswith("note: ")]
    assert notes == [
        "note: the period ends on 2036-12-31, after kr-outlook's horizon.end = 2035-12-31: the "
        "scenario states nothing new there, so each deployment holds its last count or ages out "
        "as its after_last says, sites run as dated, every trend (the non-AI loads' too) holds "
        "its last point, and a baseline goes on with its model's forecast"
    ]
    assert main([*argv, "--end", "2035-12-31"]) == 0
    assert "note: " not in capsys.readouterr().err


def test_weather_auto_says_when_it_falls_back_to_synthetic_years(tmp_path, monkeypatch, capsys):
    """Without the temperature files (FORECAST_DATA_DIR) the figures come from synthetic
    weather: said once (the library's WeatherFallback warning), not only in the header."""
    monkeypatch.setenv("FORECAST_DATA_DIR", str(tmp_path))
    out = tmp_path / "x.csv"
    argv = ["project", "kr-national", "--draws", "5", "--resolution", "annual", "--out", str(out)]
    assert main([*argv, "--start", "2030-01-01", "--end", "2030-12-31"]) == 0
    error = capsys.readouterr().err
    said = f"note: weather = 'auto': no temperature files for seoul in {tmp_path} "
    assert error.count(said) == 1, error
    assert "(FORECAST_DATA_DIR)" in error
    assert main([*argv, "--weather", "typical"]) == 0  # asked for: no note
    assert "note: weather = 'auto'" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        pytest.param(
            "bogus = " + "[" * 100_000 + "]" * 100_000 + "\n",
            ["small.toml", "nested too deeply"],
            id="nested-100k-deep",
        ),
        pytest.param(
            "tags = [" + ", ".join(['"t"'] * 51) + "]\n",
            ["small.toml", "tags", "at most 50", "not 51"],
            id="51-tags",
        ),
        pytest.param(
            'tags = ["' + "t" * 65 + '"]\n',
            ["small.toml", "tags[0]", "at most 64"],
            id="65-character-tag",
        ),
        pytest.param(
            'notes = "' + "n" * 50_001 + '"\n',
            ["small.toml", "notes", "at most 50000"],
            id="50001-character-notes",
        ),
        pytest.param(
            "# " + "x" * 2_000_000 + "\n",
            ["small.toml", "file size", "at most 2000000"],
            id="file-over-2-MB",
        ),
    ],
)
def test_an_untrusted_file_is_refused_in_one_line(
    extra, expected, small_scenario_text, scenario_file, tmp_path, capsys
):
    """(Security review, finding 9) A file nested thousands deep crashed ``forecast project``
    with a RecursionError traceback, and three million tags were accepted (490 MB): now one
    line naming the field, its size and the limit, exit 2."""
    path = scenario_file(extra + small_scenario_text)
    out = tmp_path / "out.csv"
    status, error = _run(["project", str(path), "--draws", "10", "--out", str(out)], capsys)
    assert status == 2, error[-500:]
    assert "\n" not in error and error.startswith("error: "), error[-500:]
    for fragment in expected:
        assert fragment in error, (fragment, error[:500])
    assert not out.exists()
