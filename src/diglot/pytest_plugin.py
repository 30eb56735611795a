"""pytest plugin: diglot's conformance suite inside other repositories (inert until used)."""

from __future__ import annotations
