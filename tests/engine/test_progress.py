"""The progress bar moves with every request and says the budget and throttling state."""

from __future__ import annotations

import io

from rich.console import Console as RichConsole

from diglot.cli._console import Console
from diglot.engine import RunOptions
from diglot.engine._run import iter_run


def test_every_request_reaches_the_bar_with_its_content_type_and_budget() -> None:
    states: list[str] = []
    config = RunOptions(
        max_examples=2,
        seed=1,
        operations=("listGroups",),
        content_types=("xml",),
        stateful=False,
        max_requests=30,
    )
    for _ in iter_run(config, on_request=states.append):
        pass
    assert states
    assert len(states) == int(states[-1].split(" · ")[1].split("/")[0])  # one per request
    assert states[0].startswith("listGroups [json] · 1/30 requests")  # the probe
    assert sum(state.startswith("listGroups [xml] · ") for state in states) == len(states) - 1
    assert all(state.split(" · ")[1].endswith("/30 requests") for state in states)


def test_the_bar_keeps_json_and_xml_visible() -> None:
    console = Console()
    buffer = io.StringIO()
    console.out = RichConsole(file=buffer, force_terminal=True, width=120)
    console.start(RunOptions(operations=("listGroups",), content_types=("json",)))
    console.request("listGroups [json] · 3/40 requests · throttled 1×, waited 2 s")
    assert console._bar is not None
    console._bar.refresh()
    console.stop()
    assert "listGroups [json] · 3/40 requests · throttled 1×" in buffer.getvalue()
