"""Quoting shared by the XML formats."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

_WHITESPACE = {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def attr(text: str) -> str:
    """A quoted attribute value; line breaks and tabs survive XML attribute normalisation."""
    return quoteattr(text, _WHITESPACE)
