"""The run's configuration: one frozen object built by the CLI, the plugin or a caller."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from diglot.errors import UsageError

CONTENT_TYPES = ("json", "xml")


@dataclass(frozen=True, slots=True)
class RunConfig:
    """Everything a run needs to know.

    Attributes:
        base_url: the implementation's ``…/restapi`` base URL; None starts the embedded
            reference server on a free loopback port.
        account_id: the account to test; None takes the reference server's.
        operations: operation ids to test; empty for all.
        content_types: ``json`` and/or ``xml``.
        max_examples: generated cases per operation and content type.
        seed: hypothesis seed; None picks one (it is reported).
        strict: warnings fail the run too.
        read_only: send only GET requests (staging-safe).
        rate_limit: at most this many requests per second; None for no cap.
        timeout: seconds per request, connect to last byte.
        max_body: response body bytes kept per request, after decompression; a longer body
            is cut there and judged as truncated.
        max_header_bytes: total size of one response's headers.
        max_headers: number of header lines in one response.
        max_requests: stop sending after this many requests (the run then reports what it
            judged); None for no cap.
        shrink: shrink failing cases to a minimal example (costs extra requests).
        stateful: run the create-then-find sequences and the pagination walks.
        name_prefix: every name diglot creates starts with it.
        token: the bearer token (from ``DIGLOT_TOKEN``); never printed or written.
        report_dir: where to write the reports; None for none.
        fault: with the embedded server only: the fault to switch on (for self-tests).
        variant: with the embedded server only: a faithful-but-different way for it to
            answer (``diglot serve --list-variants``), to prove the checks stay fair.
        shard: (index, count): run only every count-th operation × content type, from index.
    """

    base_url: str | None = None
    account_id: str | None = None
    operations: tuple[str, ...] = ()
    content_types: tuple[str, ...] = CONTENT_TYPES
    max_examples: int = 25
    seed: int | None = None
    strict: bool = False
    read_only: bool = False
    rate_limit: float | None = None
    timeout: float = 10.0
    max_body: int = 8 * 2**20
    max_header_bytes: int = 64 * 1024
    max_headers: int = 256
    max_requests: int | None = None
    shrink: bool = True
    stateful: bool = True
    name_prefix: str = "diglot-"
    token: str | None = field(default=None, repr=False)
    report_dir: Path | None = None
    fault: str | None = None
    variant: str | None = None
    shard: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        unknown = [c for c in self.content_types if c not in CONTENT_TYPES]
        if unknown or not self.content_types:
            raise UsageError(
                f"content types {', '.join(unknown) or '(none)'} are not supported: "
                "use json, xml or json,xml"
            )
        if self.max_examples < 1:
            raise UsageError(f"max examples must be at least 1, got {self.max_examples}")
        if self.timeout <= 0:
            raise UsageError(f"timeout must be a positive number of seconds, got {self.timeout}")
        for name in ("max_body", "max_header_bytes", "max_headers"):
            if getattr(self, name) < 1:
                raise UsageError(
                    f"{name.replace('_', ' ')} must be at least 1, got {getattr(self, name)}"
                )
        if self.rate_limit is not None and self.rate_limit <= 0:
            raise UsageError(f"rate limit must be positive, got {self.rate_limit}")
        if self.max_requests is not None and self.max_requests < 1:
            raise UsageError(f"max requests must be at least 1, got {self.max_requests}")
        if self.base_url is not None and not self.base_url.startswith(("http://", "https://")):
            raise UsageError(
                f"base URL {self.base_url!r} is not an http(s) URL; give the API's …/restapi "
                "base, e.g. https://demo.docusign.net/restapi"
            )
        for name in ("fault", "variant"):
            if getattr(self, name) is not None and self.base_url is not None:
                raise UsageError(
                    f"--{name} applies to the embedded reference server only; drop --base-url"
                )
        if self.shard is not None:
            index, count = self.shard
            if count < 1 or not 0 <= index < count:
                raise UsageError(f"shard {index}/{count} is not valid: use i/n with 0 <= i < n")

    @staticmethod
    def token_from_environment() -> str | None:
        return os.environ.get("DIGLOT_TOKEN") or None
