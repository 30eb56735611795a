"""Conformance reports: JSON, JUnit XML, HTML and Markdown."""

from __future__ import annotations
