"""Run the reference server on uvicorn in a background thread, on a loopback port."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from diglot.errors import TargetUnreachable, UsageError
from diglot.server._app import create_app
from diglot.server._oauth import OAuthSettings
from diglot.server._seed import DEFAULT_ACCOUNT_ID

if TYPE_CHECKING:
    from starlette.applications import Starlette

_START_TIMEOUT = 20.0


@contextlib.contextmanager
def serve_app(
    app: Starlette,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    base_path: str = "/restapi",
    lifespan: bool = False,
    name: str = "the reference server",
) -> Iterator[str]:
    """Serve ``app`` on uvicorn in a daemon thread; yield ``http://HOST:PORT/restapi``.

    The socket is bound here (port 0 picks a free port), so the real port is known before
    the server starts; the context waits until uvicorn serves and stops it on exit.

    Args:
        app: the ASGI app.
        host: where to listen.
        port: the port; 0 for a free one.
        base_path: what follows ``http://HOST:PORT`` in the URL yielded.
        lifespan: run the app's lifespan (startup/shutdown inside the event loop).
        name: what it is, for the message when it does not start.

    Raises:
        UsageError: the address cannot be bound (in use, not local...).
        TargetUnreachable: uvicorn did not start.
    """
    import uvicorn

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}. Choose another --port "
            "(0 picks a free one) or --host."
        ) from None
    real_port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        http="httptools",
        loop="auto",
        log_level="warning",
        access_log=False,
        lifespan="on" if lifespan else "off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run,
        kwargs={"sockets": [sock]},
        name=f"diglot-server-{real_port}",
        daemon=True,
    )
    thread.start()
    deadline = time.monotonic() + _START_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise TargetUnreachable(
                f"{name} did not start on {host}:{real_port}; see the log above."
            )
        time.sleep(0.005)
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    try:
        yield f"http://{shown}:{real_port}{base_path}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextlib.contextmanager
def running(
    *,
    fault: str | None = None,
    account_id: str = DEFAULT_ACCOUNT_ID,
    db_path: str | None = None,
    permission_profiles: Mapping[str, str] | None = None,
    variant: str | None = None,
    require_auth: OAuthSettings | None = None,
) -> Iterator[str]:
    """Run the reference server on a free loopback port for the duration of the context.

    Args:
        fault: one fault of ``FAULTS`` to switch on, or None for the clean server.
        account_id: the account's id (GUID).
        db_path: an SQLite file that keeps the data across restarts; None for in memory.
        permission_profiles: id -> name for a fresh database.
        variant: one variant of ``VARIANTS`` (a faithful but different way to answer), or
            None for the server's own answers; it applies on top of ``fault``.
        require_auth: the OAuth side: a JWT-grant token endpoint at ``/oauth/token`` (the
            origin of the base URL) and 401 on the API without a live token.

    Yields:
        The base URL, like ``http://127.0.0.1:53411/restapi``: operation paths start at
        ``/v2.1``.

    Raises:
        UsageError: an unknown fault or variant, or an unusable database file.

    Example:
        >>> with running() as base_url:
        ...     httpx.get(f"{base_url}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/groups")
    """
    app = create_app(
        account_id=account_id,
        db_path=db_path,
        fault=fault,
        permission_profiles=permission_profiles,
        variant=variant,
        require_auth=require_auth,
    )
    try:
        with serve_app(app) as base_url:
            yield base_url
    finally:
        app.state.store.close()
