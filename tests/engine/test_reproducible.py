"""The same seed and options send the same requests in the same order, stateful phases too."""

from __future__ import annotations

import re

import pytest

from diglot.engine import RunOptions, run

GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def sent(seed: int) -> list[str]:
    """Every request of a recorded run, as method, path, query and body.

    Each run gets a fresh embedded server (its port and the user ids it hands out differ):
    the only difference allowed. The run id is given, as `--run-id` gives it to reproduce a
    run (the names diglot creates carry it, and the server's answers depend on them).
    """
    result = run(RunOptions(max_examples=20, seed=seed, run_id="repro1", record_traffic=True))
    assert result.traffic is not None
    out = []
    for exchange in result.traffic.kept:
        request = exchange.request
        text = (
            re.sub(r"^https?://[^/]+", "", request.url)
            + " "
            + request.body.decode("utf-8", "replace")
        )
        out.append(f"{request.method} {GUID.sub('ID', text)}")
    return out


@pytest.mark.slow
def test_the_same_seed_sends_the_same_requests_in_the_same_order():
    first, second = sent(7), sent(7)
    assert len(first) > 300  # the state machines ran (more than one sequence each)
    assert first == second
    assert sent(8) != first  # and the seed does decide the generated cases
