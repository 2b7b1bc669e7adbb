"""A TCP proxy in front of PostgreSQL whose far end can be lost: `forward` passes bytes
through, `down` drops every connection and refuses new ones (a stopped server), `frozen`
takes new connections and never answers (a server that hangs)."""

from __future__ import annotations

import contextlib
import select
import socket
import threading


class DatabaseProxy:
    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.mode = "forward"
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        if mode == "down":
            with self._lock:
                for sock in self._open:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                self._open.clear()

    def close(self) -> None:
        self._stopped = True
        self.set_mode("down")
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.mode == "down":
                client.close()
            elif self.mode == "frozen":
                with self._lock:
                    self._open.add(client)  # held, never answered
            else:
                threading.Thread(target=self._pipe, args=(client,), daemon=True).start()

    def _pipe(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(self.target)
        except OSError:
            client.close()
            return
        with self._lock:
            self._open |= {client, server}
        pair = {client: server, server: client}
        try:
            while True:
                ready, _, _ = select.select(list(pair), [], [], 1.0)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    pair[sock].sendall(data)
        except OSError:
            return
        finally:
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.close()
            with self._lock:
                self._open -= {client, server}


class ProxyProcess:
    """The proxy in a process of its own (`python -m tests.dbproxy`), so that forwarding a
    busy database's traffic does not compete with the test's own threads for the GIL.
    `set_mode` goes over its standard input."""

    def __init__(self, target: tuple[str, int]) -> None:
        import subprocess
        import sys

        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.dbproxy", target[0], str(target[1])],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self._process.stdout is not None
        self.port = int(self._process.stdout.readline())

    def set_mode(self, mode: str) -> None:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(mode + "\n")
        self._process.stdin.flush()
        assert self._process.stdout.readline().strip() == mode  # applied

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=10)


def main() -> None:
    import sys

    proxy = DatabaseProxy((sys.argv[1], int(sys.argv[2])))
    print(proxy.port, flush=True)
    for line in sys.stdin:
        proxy.set_mode(line.strip())
        print(line.strip(), flush=True)
    proxy.close()


if __name__ == "__main__":
    main()
