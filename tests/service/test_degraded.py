"""``/readyz`` says when the service is ready but degraded: weather ``auto`` runs on synthetic
years because the historical temperature files are missing. It said ready and nothing more,
while the command line says the same fallback on stderr (``note: weather = 'auto': ...``)."""

from __future__ import annotations

from pathlib import Path

from tests.support.server import server_client


def test_readyz_is_ready_but_degraded_naming_the_missing_weather_files(
    artifact_root: Path, tmp_path: Path
):
    """Ready (200: the service answers, on synthetic weather), ``degraded`` with the reason in
    the command line's words, naming each location's missing files and no server path; once
    the files are there, not degraded, without a restart (a server of its own: its data
    directory is this test's, the data not mounted)."""
    with server_client(artifact_dir=artifact_root, data_dir=tmp_path) as client:
        answer = client.get("/readyz")
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["ready"] is True and body["degraded"] is True, body
        reason = body["degraded_reason"]
        assert reason.startswith("weather = 'auto': no temperature files for "), reason
        seoul = (
            "no temperature files for seoul in <data> (FORECAST_DATA_DIR): korea_temperature.csv, "
            "korea_temperature_daily.csv not found, so projections run on synthetic years"
        )
        assert seoul in reason
        sydney = "sydney-bankstown in <data> (FORECAST_DATA_DIR): au-nsw/nsw_temperature.csv"
        assert sydney in reason
        assert str(tmp_path) not in reason

        # Only Seoul's files in place: Sydney's are still missing, and said alone.
        for name in ("korea_temperature.csv", "korea_temperature_daily.csv"):
            (tmp_path / name).write_text("timestamp,temp_c\n", encoding="utf-8")
        body = client.get("/readyz").json()
        assert body["degraded"] is True
        assert "seoul" not in body["degraded_reason"]
        assert "au-nsw/nsw_temperature.csv not found" in body["degraded_reason"]

        (tmp_path / "au-nsw").mkdir()
        (tmp_path / "au-nsw" / "nsw_temperature.csv").write_text("", encoding="utf-8")
        body = client.get("/readyz").json()
        assert (body["ready"], body["degraded"], body["degraded_reason"]) == (True, False, None)
