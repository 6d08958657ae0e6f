"""The one sanitising point for text: what may reach a reader, a terminal, a file or an XML parser.

Applied where text enters the data (documents.Article and Summary are built through it), after every
decoding step of the readers (entities included), so nothing decoded later can bring back what was
stripped: C0 and C1 control characters (tab and newline kept where lines are allowed), terminal escape
sequences, bidirectional overrides, byte-order marks, lone surrogates (which no file can encode) and
the Unicode noncharacters that XML refuses.
"""

from __future__ import annotations

import re

# An ESC sequence whole (so "[31m" does not survive its ESC), then single characters.
_ESCAPE = r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]"
_BAD = re.compile(_ESCAPE + r"|[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff"
                  r"\ud800-\udfff]")
_BAD_LINE = re.compile(_ESCAPE + r"|[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff"
                       r"\ud800-\udfff\u2028\u2029]")


def text(value: str) -> str:
    """Text that may hold lines (an article's body): newlines and tabs kept, every other control removed."""
    if not value:
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _BAD.sub("", value) if _BAD.search(value) else value


def line(value: str) -> str:
    """Text that is one line (a title, a source name, an id): line breaks become spaces, controls go."""
    if not value:
        return value
    if _BAD_LINE.search(value):
        value = _BAD_LINE.sub(lambda m: " " if m.group() in "\t\n\r\u2028\u2029" else "", value)
        value = " ".join(value.split())
    return value


def xml_safe(value: str) -> str:
    """Text an XML/HTML parser accepts (lxml refuses controls and lone surrogates): same rule as text()."""
    return text(value)
