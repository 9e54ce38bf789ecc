"""A TCP forwarder in front of a real server that a test can close and open (not collected).

Closed, it looks to a client as the server stopped does: new connections are refused and the
open ones are reset. The server sees its clients go away (PostgreSQL ends their sessions, and
their advisory locks with them). It works in front of any server, also one the tests did not
start (``FORECAST_TEST_POSTGRES_URL``), and opens again in milliseconds.
"""

from __future__ import annotations

import contextlib
import socket
import threading

from sqlalchemy.engine import make_url

from tests.support.server import free_port


class Gate:
    """Forwards ``127.0.0.1:<port>`` to ``target``; :meth:`close` and :meth:`open` it."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def url(self, database_url: str) -> str:
        """``database_url`` going through the gate."""
        return (
            make_url(database_url)
            .set(host="127.0.0.1", port=self.port)
            .render_as_string(hide_password=False)
        )

    def open(self) -> None:
        """Accept connections and forward them."""
        listener = socket.create_server(("127.0.0.1", self.port))
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def close(self) -> None:
        """Refuse new connections and reset the open ones."""
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._sockets = self._sockets, set()
        for each in ([listener] if listener else []) + list(sockets):
            with contextlib.suppress(OSError):
                each.shutdown(socket.SHUT_RDWR)
            each.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # closed
                return
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    server.close()
                    return
                self._sockets |= {client, server}
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=_pipe, args=(source, sink), daemon=True).start()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    for each in (source, sink):
        with contextlib.suppress(OSError):
            each.shutdown(socket.SHUT_RDWR)
    source.close()  # each socket is the source of one pipe
