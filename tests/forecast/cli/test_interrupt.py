"""Ctrl-C stops a command with status 130 and one line, never status 0: a script's
``forecast project ... && upload`` must not carry on after an interrupted run."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import time

import psutil
import typer

from forecast.cli.run import run_app


def test_an_interrupted_command_exits_130_with_one_line(capsys):
    app = typer.Typer()

    @app.command()
    def work() -> None:
        raise KeyboardInterrupt

    @app.command()
    def other() -> None:  # two commands, as the real apps have
        pass

    assert run_app(app, ["work"]) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == "error: interrupted"


#: The command as a terminal starts it: Ctrl-C handled, whatever the test's own process was
#: started with (a test run started in the background by a non-interactive shell inherits
#: Ctrl-C ignored, and so did every command it started: both tests ran to their end, exit 0).
ENTRY = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from forecast.cli import main; sys.exit(main())"
)


def test_ctrl_c_during_a_projection_exits_130(tmp_path):
    out = tmp_path / "kr.parquet"
    entry = ENTRY
    # Long enough (about 15 s) that a loaded machine's test still signals it mid-way: 2,000
    # draws of two years took 2.3 s, and beside another test run the test read the progress
    # bar only once the projection had ended (exit 0).
    command = [sys.executable, "-c", entry, "project", "kr-national", "--draws", "10000",
               "--start", "2030-01-01", "--end", "2035-12-31", "--out", str(out)]  # fmt: skip
    process = subprocess.Popen(
        command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env={**os.environ}
    )
    assert process.stderr is not None
    seen = b""
    deadline = time.monotonic() + 120
    # Wait for the progress bar: the projection is under way.
    while b"draws" not in seen and process.poll() is None and time.monotonic() < deadline:
        readable, _, _ = select.select([process.stderr], [], [], 1.0)  # never blocks for ever
        if readable:
            seen += process.stderr.read1(4096)
    process.send_signal(signal.SIGINT)
    _, error = process.communicate(timeout=120)
    assert process.returncode == 130, (seen + error).decode(errors="replace")[-2000:]
    assert b"error: interrupted" in error
    assert not out.exists()


def test_ctrl_c_during_a_sweep_stops_its_workers_quietly(tmp_path):
    """Ctrl-C reaches the whole process group, Dask's worker processes too: they printed a
    KeyboardInterrupt traceback each, and the nannies a screenful of warnings."""
    entry = ENTRY
    command = [sys.executable, "-c", entry, "sweep", "kr-national", "--vary",
               "operations.pue=1.1,1.3,1.5,1.7", "--draws", "3000", "--out",
               str(tmp_path / "sweep.csv")]  # fmt: skip
    process = subprocess.Popen(
        command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, start_new_session=True
    )
    assert process.stderr is not None
    seen = b""
    deadline = time.monotonic() + 120
    # The first variant done: the workers are up and projecting the others (a Ctrl-C while
    # the cluster starts: the next test).
    while b"1/4" not in seen and process.poll() is None and time.monotonic() < deadline:
        readable, _, _ = select.select([process.stderr], [], [], 1.0)
        if readable:
            seen += process.stderr.read1(4096)
    os.killpg(process.pid, signal.SIGINT)
    _, error = process.communicate(timeout=120)
    text = (seen + error).decode(errors="replace")
    assert process.returncode == 130, text[-2000:]
    assert "Traceback" not in text and "WARNING" not in text, text[-2000:]
    assert text.rstrip().endswith("error: interrupted")


def test_ctrl_c_while_the_sweeps_cluster_starts_stops_it_quietly(tmp_path):
    """The command's process ignored Ctrl-C while its cluster started, for the workers to
    inherit the ignore: a Ctrl-C pressed then was lost, and the sweep ran to its end (minutes,
    exit 0). Signalled as the first worker process starts, before the progress bar, it stops
    the sweep (once the cluster is up) with neither the workers' tracebacks nor a file."""
    out = tmp_path / "sweep.csv"
    command = [sys.executable, "-c", ENTRY, "sweep", "kr-national", "--vary",
               "operations.pue=1.1,1.3,1.5,1.7", "--draws", "3000", "--resolution", "annual",
               "--out", str(out)]  # fmt: skip
    process = subprocess.Popen(
        command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, start_new_session=True
    )
    assert process.stderr is not None
    command_process = psutil.Process(process.pid)
    deadline = time.monotonic() + 120
    starting = []
    # A worker process being started: a child running multiprocessing's spawn_main.
    while not starting and process.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(psutil.Error):
            starting = [
                child
                for child in command_process.children(recursive=True)
                if "spawn_main" in " ".join(child.cmdline())
            ]
        time.sleep(0.01)
    seen = b""
    if select.select([process.stderr], [], [], 0)[0]:
        seen = process.stderr.read1(4096)
    assert starting and b"variant" not in seen, "no Ctrl-C during start-up: " + seen.decode()
    os.killpg(process.pid, signal.SIGINT)
    try:
        _, error = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise AssertionError("the sweep ran on for 2 minutes after Ctrl-C") from None
    text = (seen + error).decode(errors="replace")
    assert process.returncode == 130, text[-2000:]
    assert "Traceback" not in text and "Fatal" not in text and "WARNING" not in text, text[-2000:]
    assert text.rstrip().endswith("error: interrupted")
    assert not out.exists()


def test_sigterm_while_writing_removes_the_temporary_file_and_exits_143(tmp_path):
    """cron's ``timeout``, systemd and Kubernetes stop a command with SIGTERM: it killed the
    process on the spot and left the hidden ``.h.csv.XXXX.tmp`` of a half-written table behind
    (any size, every night); Ctrl-C removed it."""
    folder = tmp_path / "term"
    folder.mkdir()
    # An hourly table of 12 years: written for about 2 s on an idle machine, long enough to be
    # caught. On a busy one (the quick-start check beside CI) this loop once went unscheduled
    # until the command had finished and exited 0, so the command runs at a lower priority
    # (`nice` execs it: the signal reaches Python itself): the busier, the longer it writes.
    command = ["nice", "-n", "10", sys.executable, "-m", "forecast.cli", "project",
               "kr-national", "--draws", "20", "--seed", "1", "--out", str(folder / "h.csv"),
               "--quiet"]  # fmt: skip
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not list(folder.glob(".h.csv.*.tmp")) and process.poll() is None:
        assert time.monotonic() < deadline, "the table was never written"
        time.sleep(0.005)
    assert process.poll() is None, "finished before the temporary file was seen"
    process.send_signal(signal.SIGTERM)
    _, error = process.communicate(timeout=120)
    assert process.returncode == 143, error.decode(errors="replace")[-2000:]
    assert error.decode().rstrip().endswith("error: terminated")
    assert sorted(path.name for path in folder.iterdir()) == []
