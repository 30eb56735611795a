"""Hypothesis strategies built from the spec."""

from __future__ import annotations
