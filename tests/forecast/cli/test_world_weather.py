"""A world study names no station's weather: de Vries's global 2027 estimate printed ``weather
seoul: historical, 12 years`` over its table and ranked a Seoul weather year among its spread
drivers, though it has no PUE and no temperature response."""

from __future__ import annotations

from forecast.cli import main


def test_de_vries_header_says_it_runs_without_weather(tmp_path, capsys):
    out = tmp_path / "x.csv"
    argv = ["project", "devries-2023-h100", "--resolution", "annual", "--draws", "4",
            "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    printed = capsys.readouterr()
    header = printed.out.splitlines()[0]
    assert "weather none (no temperature response" in header
    assert "seoul" not in printed.out.lower()
