"""diglot's benchmarks: its figures beside their targets and schemathesis's counterparts.

Run ``scripts/bench`` (or ``.venv/bin/python -m benchmarks``; ``--quick`` for a smoke run).
Every figure is a median of several repetitions taken in the same run on the same machine:

- end to end: requests per second of ``diglot run`` vs ``schemathesis run --checks all``,
  both against the same reference server (its own process, requests counted by the server);
- per response: the cost of judging one exchange with every single-exchange check, parse
  included, for a 100-group page and a small page in JSON and XML, beside the raw
  jsonschema-rs / lxml validation and pure-Python ``jsonschema`` (what schemathesis uses);
- generation: valid create-groups / create-users bodies per second, encoding included,
  beside hypothesis-jsonschema's ``from_schema`` on the request schema;
- memory: peak RSS of a 10,000-request run, and 2,500 vs 10,000 requests;
- scaling: wall time vs ``--max-examples``, and a run split in two shards run in parallel.
"""

from __future__ import annotations
