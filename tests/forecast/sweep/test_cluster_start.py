"""``forecast sweep``'s local Dask cluster: it says it is starting, and never warns about
another cluster's port (report-speed LOW 8: "UserWarning: Port 8787 is already in use.
Perhaps you already have a cluster running?" on stderr, and seconds without any sign)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def port_8787_in_use() -> Iterator[None]:
    """Port 8787 listened on, as by another cluster's dashboard (held here when it is free;
    when it is not, someone else holds it, which is the same)."""
    with socket.socket() as holder:
        with contextlib.suppress(OSError):
            holder.bind(("", 8787))
            holder.listen()
        yield


def test_sweep_says_the_cluster_starts_and_does_not_warn_about_port_8787(tmp_path: Path):
    out = tmp_path / "sweep.csv"
    with port_8787_in_use():
        completed = subprocess.run(
            [sys.executable, "-m", "forecast", "sweep", "kr-national",
             "--vary", "operations.pue=1.1,1.2", "--draws", "2", "--start", "2030-01-01",
             "--end", "2030-01-01", "--resolution", "daily", "--workers", "1",
             "--out", str(out)],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert "already in use" not in completed.stderr, completed.stderr
    assert "Warning" not in completed.stderr, completed.stderr
    step = completed.stderr.find("starting local Dask cluster…\n")
    assert 0 <= step < completed.stderr.find("kr-national sweep:"), completed.stderr
    assert out.is_file()
