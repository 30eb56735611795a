"""Contract checks: JSON and XML responses judged against the documented contract."""

from __future__ import annotations
