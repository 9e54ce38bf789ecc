"""``forecast serve`` on an address it cannot listen on fails at once, before the app starts."""

from __future__ import annotations

import socket
import subprocess
import sys

COMMAND = "import sys; from forecast.cli import main; sys.exit(main())"


def test_a_busy_port_is_refused_at_once_in_one_line():
    """A Jeollanam-do planner's second `forecast serve` compiled the kernels for 56 s, then
    exited with status 3 on "address already in use": now one line naming the host and the
    port, status 2, before the app is loaded (uvicorn's first log line, "Started server
    process", would come before any start-up)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-c", COMMAND, "serve", "--host", "127.0.0.1", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"error: --host 127.0.0.1 --port {port}: cannot listen there ")
    assert "address already in use" in lines[0]


def test_an_unknown_host_is_refused_in_one_line():
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            COMMAND,
            "serve",
            "--host",
            "no-such-host.invalid",
            "--port",
            "8000",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "error: --host no-such-host.invalid --port 8000: cannot listen there ("
    ), done.stderr
