"""`Idempotency-Key` on the creating routes: a retried POST answers the first answer, once.

A route opts in where it is defined, `@rules(..., idempotent=True)`; `serve()` then runs it
through `run()` here when the request carries an `Idempotency-Key` header (without one the
route runs as before). Powertools' Idempotency utility keeps the records in IdempotencyTable
(env IDEMPOTENCY_TABLE), keyed on the caller (user id), the method and concrete path, and the
key, for 24 hours:

- the same key with the same request (query string and body; JSON compared by content, not
  by formatting) answers the stored answer (status, headers, body) with
  `Idempotent-Replayed: true`, and runs nothing;
- the same key with another request answers 422 `IDEMPOTENCY_KEY_REUSED`;
- while the first request with a key still runs, another with that key answers 409
  `IDEMPOTENCY_IN_PROGRESS` with `Retry-After` (the record's in-progress lock lapses with the
  Lambda's remaining time, so a crashed request does not hold the key for a day);
- an error answer (4xx, 5xx) is not stored: the key is released and a retry runs again. An
  answer too large for one DynamoDB item is not stored either (the route's answer is given,
  without the replay guarantee);
- stored answers are sealed (AES-GCM under the identity secret, bound to caller, path and key:
  tracktion.auth.secrets), since an answer may carry a secret shown once (a new API key, a
  webhook's signing secret). The functions with idempotent routes have IDENTITY_SECRET_ID.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from tracktion.config import CoreSettings, get
from tracktion.errors import BadRequest, Conflict, ServiceUnavailable, TracktionError
from tracktion.observability import logger

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
EXPIRES_AFTER_SECONDS = 24 * 3600
MAX_KEY_LENGTH = 255
IN_PROGRESS_RETRY_AFTER = 1
# What one record may hold: a DynamoDB item is at most 400 KB, and the answer is stored sealed
# (base64 of AES-GCM: 4/3 of its JSON), with its key and hashes.
MAX_STORED_BODY = 250_000
_SEALED = "sealed_answer"
_KEY = re.compile(rf"^[\x21-\x7e]{{1,{MAX_KEY_LENGTH}}}$")  # printable ASCII, no spaces
_KEY_PREFIX = "tracktion-http"
_PATTERN = "^[!-~]+$"

Response = dict[str, Any]


class InvalidIdempotencyKey(BadRequest):
    error_code = "INVALID_IDEMPOTENCY_KEY"


class IdempotencyKeyReused(TracktionError):
    status = 422
    error_code = "IDEMPOTENCY_KEY_REUSED"


class IdempotencyInProgress(Conflict):
    error_code = "IDEMPOTENCY_IN_PROGRESS"


class IdempotencyUnavailable(ServiceUnavailable):
    error_code = "IDEMPOTENCY_UNAVAILABLE"


class _NotStored(Exception):
    """The route answered, but its answer is not to be replayed (an error, or too large)."""

    def __init__(self, response: Response) -> None:
        super().__init__("answer not stored")
        self.response = response


def key_of(event: dict[str, Any]) -> str | None:
    """The request's Idempotency-Key, None without one; 400 INVALID_IDEMPOTENCY_KEY if malformed."""
    for name, value in (event.get("headers") or {}).items():
        if str(name).lower() == HEADER.lower():
            text = str(value)
            if not _KEY.match(text):
                raise InvalidIdempotencyKey(
                    f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters without spaces",
                    details={"header": HEADER, "max_length": MAX_KEY_LENGTH},
                )
            return text
    return None


def _body_digest(event: dict[str, Any]) -> str:
    """The body's fingerprint: JSON by content (key order and spacing do not matter); a
    multipart body without its boundary (a client picks a new one for each request)."""
    body = event.get("body") or ""
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    content_type = headers.get("content-type", "")
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(str(body), validate=True)
        except (binascii.Error, ValueError):
            raw = str(body).encode()
    else:
        text = str(body)
        if not content_type.lower().startswith("multipart/"):
            with contextlib.suppress(ValueError, RecursionError):
                text = json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
        raw = text.encode("utf-8", "surrogatepass")
    boundary = _boundary(content_type)
    if boundary:
        raw = raw.replace(boundary.encode("latin-1", "replace"), b"BOUNDARY")
    return hashlib.sha256(raw).hexdigest()


def _boundary(content_type: str) -> str | None:
    if not content_type.lower().startswith("multipart/"):
        return None
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "boundary" and value.strip('"'):
            return value.strip('"')
    return None


def _request(event: dict[str, Any], principal_id: str, key: str) -> dict[str, Any]:
    http = (event.get("requestContext") or {}).get("http") or {}
    return {
        "principal": principal_id,
        "method": str(http.get("method") or "POST").upper(),
        "path": str(event.get("rawPath") or http.get("path") or "/"),
        "key": key,
        "payload": {"query": str(event.get("rawQueryString") or ""), "body": _body_digest(event)},
    }


def _seal_context(request: dict[str, Any]) -> str:
    """What a stored answer is bound to (AES-GCM associated data): its caller, path and key."""
    named = json.dumps([request["principal"], request["method"], request["path"], request["key"]])
    return "idempotency:" + hashlib.sha256(named.encode()).hexdigest()


def _sealed(response: Response, context: str) -> Response:
    """The form an answer is stored in: sealed like every secret at rest (an answer may carry
    one: a new API key, a webhook's signing secret)."""
    from tracktion.auth.secrets import seal

    return {_SEALED: seal(json.dumps(response), context)}


def _opened(stored: Any, context: str) -> Response:
    from tracktion.auth.secrets import unseal

    if not isinstance(stored, dict) or not isinstance(stored.get(_SEALED), str):
        raise IdempotencyUnavailable("A stored answer could not be read; retry with a new key")
    try:
        answer: Response = json.loads(unseal(stored[_SEALED], context))
    except TracktionError:
        raise IdempotencyUnavailable(
            "A stored answer could not be read; retry shortly", retry_after=IN_PROGRESS_RETRY_AFTER
        ) from None
    answer["headers"] = {**(answer.get("headers") or {}), REPLAYED_HEADER: "true"}
    return answer


def _storable(response: Response) -> bool:
    status = int(response.get("statusCode") or 200)
    return status < 400 and len(str(response.get("body") or "")) <= MAX_STORED_BODY


def run(event: dict[str, Any], principal_id: str, context: Any, execute: Callable[[], Response]) -> Response:
    """The route's answer for this request: `execute()` run at most once per key (see above)."""
    key = key_of(event)
    if key is None:
        return execute()
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    from tracktion.auth.secrets import current
    from tracktion.storage.aws import client

    try:
        current()  # the sealing key, before anything runs: an answer we could not store is lost
    except TracktionError:
        raise IdempotencyUnavailable(
            "Idempotency records are unavailable; retry shortly", retry_after=IN_PROGRESS_RETRY_AFTER
        ) from None
    request = _request(event, principal_id, key)
    context_ = _seal_context(request)
    store = DynamoDBPersistenceLayer(
        table_name=get(CoreSettings).idempotency_table, boto3_client=client("dynamodb")
    )
    config = IdempotencyConfig(
        event_key_jmespath="[principal, method, path, key]",
        payload_validation_jmespath="payload",
        raise_on_no_idempotency_key=False,
        expires_after_seconds=EXPIRES_AFTER_SECONDS,
        hash_function="sha256",
        lambda_context=context if callable(getattr(context, "get_remaining_time_in_millis", None)) else None,
    )
    answered: list[Response] = []

    def once(request: dict[str, Any]) -> Response:
        response = execute()
        answered.append(response)
        if not _storable(response):
            raise _NotStored(response)
        return _sealed(response, context_)

    wrapped = idempotent_function(
        once, data_keyword_argument="request", persistence_store=store, config=config, key_prefix=_KEY_PREFIX
    )
    try:
        stored = wrapped(request=request)
    except _NotStored as exc:
        return exc.response
    except IdempotencyValidationError:
        raise IdempotencyKeyReused(
            f"This {HEADER} was used with another request in the last 24 hours; use a new key",
            details={"header": HEADER},
        ) from None
    except IdempotencyAlreadyInProgressError:
        raise IdempotencyInProgress(
            f"A request with this {HEADER} is still running; retry shortly for its answer",
            details={"header": HEADER},
            retry_after=IN_PROGRESS_RETRY_AFTER,
        ) from None
    except IdempotencyPersistenceLayerError as exc:
        if answered:
            # The route ran; only recording its answer failed: give the answer, never a 5xx
            # that would make the client run it again.
            logger.warning("idempotency record not updated", extra={"error": repr(exc)})
            return answered[0]
        logger.warning("idempotency store unavailable", extra={"error": repr(exc)})
        raise IdempotencyUnavailable(
            "Idempotency records are unavailable; retry shortly", retry_after=IN_PROGRESS_RETRY_AFTER
        ) from None
    # Ran now: its own answer. Otherwise the stored answer of the first request (a replay).
    return answered[0] if answered else _opened(stored, context_)


def document(operation: dict[str, Any]) -> None:
    """The OpenAPI operation of an idempotent route: its header, the replay header, its refusals."""
    parameters = operation.setdefault("parameters", [])
    if not any(p.get("name") == HEADER and p.get("in") == "header" for p in parameters):
        parameters.append(
            {
                "name": HEADER,
                "in": "header",
                "required": False,
                "description": (
                    "Makes a retry safe: the same key with the same request within 24 hours answers "
                    f"the first answer (with `{REPLAYED_HEADER}: true`) and creates nothing; with "
                    "another request, 422 IDEMPOTENCY_KEY_REUSED; while the first still runs, 409 "
                    "IDEMPOTENCY_IN_PROGRESS with Retry-After. Error answers are not kept: a retry "
                    "after one runs again. Scoped to the caller, method and path."
                ),
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_KEY_LENGTH,
                    "pattern": "^[!-~]+$",
                },
            }
        )
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    responses = operation.setdefault("responses", {})
    for status, response in responses.items():
        if str(status).startswith("2") and isinstance(response, dict):
            response.setdefault("headers", {})[REPLAYED_HEADER] = {
                "description": f"`true`: the stored answer of an earlier request with this {HEADER}",
                "schema": {"type": "string", "enum": ["true"]},
            }
    added = {
        "400": f"Malformed {HEADER} (INVALID_IDEMPOTENCY_KEY)",
        "409": f"A request with this {HEADER} is running (IDEMPOTENCY_IN_PROGRESS); retry after Retry-After",
        "422": f"This {HEADER} was used with another request (IDEMPOTENCY_KEY_REUSED)",
        "503": "Idempotency records unavailable (IDEMPOTENCY_UNAVAILABLE); retry after Retry-After",
    }
    for status, text in added.items():
        response = responses.setdefault(status, {"description": text, "content": error})
        if text not in str(response.get("description", "")):
            response["description"] = f"{response.get('description', '').rstrip()}; {text}".lstrip("; ")
    responses["409"].setdefault("headers", {})["Retry-After"] = {
        "description": "Seconds to wait before retrying",
        "schema": {"type": "integer"},
    }
