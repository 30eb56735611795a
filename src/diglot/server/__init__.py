"""The embedded reference server: a faithful implementation, with faults to inject."""

from __future__ import annotations
