"""Cleaning text for a CUE field: quotes, control characters, encoding and length.

No escape for '"' inside a quoted field is read alike by every parser, so quotes are
replaced, never escaped. Control characters (line breaks included) would end the command,
so they become spaces or vanish.
"""

from __future__ import annotations

import unicodedata

from tracktion.cue.dialects import Dialect

# Readable Latin-1 stand-ins for characters decomposition alone does not reach.
_LATIN1_FALLBACK = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": "'",
        "\u201d": "'",
        "\u2033": "'",
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u0141": "L",
        "\u0142": "l",
        "\u0152": "OE",
        "\u0153": "oe",
        "\u00df": "ss",
    }
)


def _strip_controls(value: str) -> str:
    if value.isprintable():  # the common case: nothing to strip, at most spaces to collapse
        return " ".join(value.split()) if "  " in value or value[:1] == " " or value[-1:] == " " else value
    out = []
    for ch in value:
        if ch in "\t\r\n":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co"):
            continue
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def _to_latin1(value: str) -> str:
    value = value.translate(_LATIN1_FALLBACK)
    out = []
    for ch in value:
        if ord(ch) < 256:
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append(base if base and all(ord(c) < 256 for c in base) else "?")
    return "".join(out)


def clean(value: str | None, dialect: Dialect) -> str:
    """The field as the dialect can hold it (without the surrounding quotes)."""
    value = value or ""
    if (  # the common case, checked in C: plain ASCII that every dialect holds as it is
        value.isascii()
        and value.isprintable()
        and '"' not in value
        and "  " not in value
        and value[:1] != " "
        and value[-1:] != " "
        and (dialect.max_text_length is None or len(value) <= dialect.max_text_length)
    ):
        return value
    if not unicodedata.is_normalized("NFC", value):
        value = unicodedata.normalize("NFC", value)
    text = _strip_controls(value)
    if '"' in text:
        text = text.replace('"', dialect.quote_replacement)
    if dialect.encoding == "latin-1":
        text = _to_latin1(text)
    if dialect.max_text_length and len(text) > dialect.max_text_length:
        text = text[: dialect.max_text_length].rstrip()
    return text


def was_changed(value: str | None, dialect: Dialect) -> bool:
    """Whether clean() altered anything beyond whitespace and quotes (for warnings)."""
    plain = " ".join((value or "").split()).replace('"', dialect.quote_replacement)
    return clean(value, dialect) != plain


def all_plain(values: list[str], dialect: Dialect) -> bool:
    """Whether clean() would return every value unchanged: one pass over the joined text
    (checked in C) instead of one per field, for the sheets where nothing needs cleaning."""
    joined = "".join(values)
    edged = "\n".join(values)
    return (
        joined.isascii()
        and joined.isprintable()
        and '"' not in joined
        and "  " not in edged
        and "\n " not in edged
        and " \n" not in edged
        and edged[:1] != " "
        and edged[-1:] != " "
        and "" not in values
        and (dialect.max_text_length is None or max(map(len, values), default=0) <= dialect.max_text_length)
    )
