"""The embedded reference server: a faithful implementation, with faults to inject.

It implements the four documented operations in JSON and XML on an ASGI app (Starlette on
uvicorn, SQLite storage) and shares no code with ``diglot.contracts``: the oracle and the
thing it judges stay independent. ``running()`` serves it on a free loopback port::

    from diglot.server import DEFAULT_ACCOUNT_ID, running

    with running(fault="ignore-accept") as base_url:
        ...  # base_url == "http://127.0.0.1:PORT/restapi"

A variant (``VARIANTS``, ``running(variant="xml-prefixed")``) answers faithfully but
differently: a point the documentation leaves open, read another way. The checks must find
nothing against any of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from diglot.server._seed import DEFAULT_ACCOUNT_ID, DEFAULT_ACCOUNT_NUMBER, PERMISSION_PROFILES

if TYPE_CHECKING:
    from diglot.server._app import create_app
    from diglot.server._faults import FAULTS, Fault, get_fault
    from diglot.server._http import MAX_BODY_BYTES
    from diglot.server._runner import running, serve_app
    from diglot.server._variants import VARIANTS, Variant, get_variant

_LAZY = {
    "create_app": "_app",
    "FAULTS": "_faults",
    "Fault": "_faults",
    "get_fault": "_faults",
    "MAX_BODY_BYTES": "_http",
    "running": "_runner",
    "serve_app": "_runner",
    "VARIANTS": "_variants",
    "Variant": "_variants",
    "get_variant": "_variants",
}


def __getattr__(name: str) -> Any:
    # the app needs starlette and uvicorn: loaded on first use, so that a CLI run that only
    # names the default account does not pay for them
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'diglot.server' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"diglot.server.{module}"), name)


__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_ACCOUNT_NUMBER",
    "FAULTS",
    "MAX_BODY_BYTES",
    "PERMISSION_PROFILES",
    "VARIANTS",
    "Fault",
    "Variant",
    "create_app",
    "get_fault",
    "get_variant",
    "running",
    "serve_app",
]
