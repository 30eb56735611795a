"""What the API promises: the OpenAPI document, the XML Schema, and the model built from them."""

from __future__ import annotations
