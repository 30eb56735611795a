"""The reference server in its own process, counting the requests it answers.

``python -m benchmarks._server`` prints its base URL on the first line of stdout and serves
until stdin closes. ``GET /__bench/requests`` answers the number of requests served so far
(itself not counted), so every client is counted the same way, by the server; ``GET
/__bench/cpu`` the CPU seconds the server process has used, so that what a client costs the
server is measured too.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

COUNT_PATH = "/__bench/requests"
CPU_PATH = "/__bench/cpu"


class _Counting:
    """ASGI middleware: count HTTP requests; answer the count at ``COUNT_PATH``."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.count = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            if scope["path"] in (COUNT_PATH, CPU_PATH):
                body = (
                    str(self.count) if scope["path"] == COUNT_PATH else repr(time.process_time())
                ).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [(b"content-type", b"text/plain")],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
            self.count += 1
        await self.app(scope, receive, send)


def main() -> None:
    from diglot.server import create_app, serve_app

    app = create_app()
    app.add_middleware(_Counting)
    with serve_app(app) as base_url:
        print(base_url, flush=True)
        sys.stdin.read()  # serve until the parent closes our stdin
    app.state.store.close()


@contextlib.contextmanager
def server_process() -> Iterator[str]:
    """Start the counting reference server in a subprocess; yield its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks._server"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if not line.startswith("http://"):
            raise RuntimeError(f"the benchmark server did not start (it printed {line!r})")
        yield line
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def served(base_url: str) -> int:
    """How many requests the server at ``base_url`` has answered."""
    return int(_ask(base_url, COUNT_PATH))


def server_cpu(base_url: str) -> float:
    """CPU seconds the server process at ``base_url`` has used so far (every thread)."""
    return float(_ask(base_url, CPU_PATH))


def _ask(base_url: str, path: str) -> str:
    import httpx

    origin = base_url.split("/restapi")[0]
    return httpx.get(origin + path, timeout=10).text


if __name__ == "__main__":
    main()
