"""A socketserver served from its own thread, stopped and closed on request."""

from __future__ import annotations

import socketserver
import threading


class ServerThread:
    def __init__(self, server: socketserver.BaseServer, name: str) -> None:
        self.server = server
        self.thread = threading.Thread(target=server.serve_forever, name=name,
                                       daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        if self.thread.is_alive():
            self.server.shutdown()
            self.thread.join()
        self.server.server_close()
