"""The tests' real-server helper (``tests/support/server.py``) survives a taken port.

Two test runs on one host (the quick-start check beside CI) raced for a port: another process
took it between ``free_port`` and the server's bind, the server exited, and the module's 8
tests errored at setup. A start whose port is taken is now tried again on another.
"""

from __future__ import annotations

import socket

import httpx

from tests.support import server as support


def test_a_server_whose_port_is_taken_starts_on_another(monkeypatch):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        taken = held.getsockname()[1]
        ports, original = iter([taken]), support.free_port
        monkeypatch.setattr(support, "free_port", lambda: next(ports, None) or original())
        server = support.start_server()
        try:
            assert not server.base.endswith(f":{taken}")
            assert httpx.get(f"{server.base}/readyz", timeout=5.0).status_code == 200
        finally:
            server.stop()
