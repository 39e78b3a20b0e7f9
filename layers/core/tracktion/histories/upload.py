"""The file of POST /tracklists/import/file as the client sent it: multipart/form-data (a `file`
part plus option fields) or JSON (`filename` plus `content_base64` or `text`, options beside).

Only what a route needs from the raw event: the file's bytes, its name and the option fields
as strings (multipart) or JSON values; the route validates the options with its model. Every
unreadable body is a 400 INVALID_FORMAT naming what is wrong; a body over the limit a 422.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from tracktion.errors import ValidationFailed
from tracktion.histories.model import InvalidFormat
from tracktion.histories.reading import MAX_FILE_BYTES

# A base64 file and a multipart envelope are larger than the file they carry.
MAX_BODY_BYTES = MAX_FILE_BYTES * 4 // 3 + 64 * 1024
FILE_FIELD = "file"
MAX_FIELDS = 50


@dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str | None
    fields: dict[str, Any] = field(default_factory=dict)


def _too_large(size: int) -> ValidationFailed:
    return ValidationFailed(
        "The file is too large", details={"field": FILE_FIELD, "max_bytes": MAX_FILE_BYTES, "size": size}
    )


def raw_body(body: str | None, is_base64: bool) -> bytes:
    if not body:
        raise InvalidFormat("The request has no body: send the file", details={"field": FILE_FIELD})
    if len(body) > MAX_BODY_BYTES * 4 // 3 + 4:
        raise _too_large(len(body))
    if not is_base64:
        return body.encode("utf-8", errors="surrogateescape")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidFormat("The body is not valid base64", details={"reason": "base64"}) from exc


def read_upload(body: bytes, content_type: str) -> Upload:
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "multipart/form-data":
        return _multipart(body, content_type)
    if kind in ("", "application/json", "text/json") or kind.endswith("+json"):
        return _json(body)
    raise InvalidFormat(
        "Send the file as multipart/form-data or JSON",
        details={"content_type": content_type[:100], "accepted": ["multipart/form-data", "application/json"]},
    )


def _multipart(body: bytes, content_type: str) -> Upload:
    if "boundary=" not in content_type.lower():
        raise InvalidFormat("multipart/form-data without a boundary", details={"reason": "multipart"})
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1", errors="replace") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise InvalidFormat("The multipart body cannot be read", details={"reason": "multipart"})
    data: bytes | None = None
    filename: str | None = None
    fields: dict[str, Any] = {}
    for count, part in enumerate(message.iter_parts(), start=1):
        if count > MAX_FIELDS:
            raise InvalidFormat("Too many form fields", details={"max_fields": MAX_FIELDS})
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        value = payload if isinstance(payload, bytes) else b""
        if name == FILE_FIELD:
            if data is not None:
                raise InvalidFormat("Send one file per request", details={"field": FILE_FIELD})
            data, filename = value, part.get_filename()
        else:
            try:
                text = value.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InvalidFormat("A form field is not UTF-8", details={"field": name[:50]}) from exc
            if name in fields:  # repeated fields (djs) become a list
                previous = fields[name]
                fields[name] = [*previous, text] if isinstance(previous, list) else [previous, text]
            else:
                fields[name] = text
    if data is None:
        raise InvalidFormat("No `file` part in the form", details={"field": FILE_FIELD})
    return Upload(data=data, filename=filename, fields=fields)


def _json(body: bytes) -> Upload:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise InvalidFormat("The body is not valid JSON", details={"reason": "json"}) from exc
    if not isinstance(document, dict):
        raise InvalidFormat("The body must be a JSON object", details={"reason": "json"})
    encoded, text = document.pop("content_base64", None), document.pop("text", None)
    filename = document.pop("filename", None)
    if filename is not None and not isinstance(filename, str):
        raise ValidationFailed("filename must be a string", details={"field": "filename"})
    if (encoded is None) == (text is None):
        raise ValidationFailed(
            "Send the file as exactly one of content_base64 or text", details={"field": "content_base64"}
        )
    if encoded is not None:
        if not isinstance(encoded, str):
            raise ValidationFailed("content_base64 must be a string", details={"field": "content_base64"})
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidFormat(
                "content_base64 is not valid base64", details={"field": "content_base64"}
            ) from exc
    else:
        if not isinstance(text, str):
            raise ValidationFailed("text must be a string", details={"field": "text"})
        data = text.encode("utf-8")
    if len(data) > MAX_FILE_BYTES:
        raise _too_large(len(data))
    return Upload(data=data, filename=filename, fields=document)
