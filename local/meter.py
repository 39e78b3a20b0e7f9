"""What the embedded AWS was asked to do, counted as AWS bills it; and faults it can be told to give.

The meter counts, per service, the requests the functions and clients made through the local
AWS endpoint (local/aws_endpoint.py), and for DynamoDB the request units on-demand billing
would charge: a read unit per 4 KB read (half for an eventually consistent read), a write unit
per 1 KB written (twice for transactions). Item sizes are measured on the wire (DynamoDB JSON,
a little larger than DynamoDB's own size count), so the units are an upper bound. S3 requests
are split as S3 prices them: PUT/COPY/POST/LIST, and GET/HEAD. Lambda invocations and their
durations are counted by local/lambdas.py; Step Functions' transitions by the state machine.

The fault switch makes the endpoint answer a matching request with an AWS error instead of
forwarding it: `{"service": "dynamodb", "operation": "UpdateItem", "table": "...", "error":
"ProvisionedThroughputExceededException", "times": 3}` or `{"service": "s3", "method": "PUT",
"key_prefix": "cue/", "status": 500, "error": "InternalError"}`. Both are driven over HTTP at
`/_local/meter` and `/_local/faults` on the endpoint (tests, benchmarks, `make load`).
"""

from __future__ import annotations

import json
import math
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

_READS = {"GetItem": 4096, "Query": 4096, "Scan": 4096, "BatchGetItem": 4096, "TransactGetItems": 4096}
_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


def _units(size: int, unit: int) -> int:
    return max(1, math.ceil(size / unit))


def _size(item: Any) -> int:
    """An item's size on the wire (DynamoDB JSON, compact)."""
    return len(json.dumps(item, separators=(",", ":")))


def _items_size(items: Any) -> list[int]:
    return [_size(item) for item in items or []]


def dynamodb_units(operation: str, request: dict[str, Any], response: dict[str, Any]) -> tuple[float, float]:
    """(read units, write units) of one DynamoDB call, from its request and answer."""
    if operation in ("GetItem",):
        size = _size(response.get("Item") or {})
        factor = 1.0 if request.get("ConsistentRead") else 0.5
        return _units(size, 4096) * factor, 0.0
    if operation in ("Query", "Scan"):
        size = sum(_items_size(response.get("Items")))
        factor = 1.0 if request.get("ConsistentRead") else 0.5
        return _units(size, 4096) * factor, 0.0
    if operation == "BatchGetItem":
        sizes = [s for items in (response.get("Responses") or {}).values() for s in _items_size(items)]
        return sum(_units(s, 4096) * 0.5 for s in sizes), 0.0
    if operation == "TransactGetItems":
        sizes = _items_size([r.get("Item") for r in response.get("Responses") or [] if r.get("Item")])
        return sum(_units(s, 4096) * 2 for s in sizes), 0.0
    if operation == "PutItem":
        return 0.0, float(_units(_size(request.get("Item") or {}), 1024))
    if operation in ("UpdateItem", "DeleteItem"):
        # Billed on the larger of the item before and after; the answer holds it when asked.
        attrs = response.get("Attributes") or request.get("Key") or {}
        return 0.0, float(_units(_size(attrs), 1024))
    if operation == "BatchWriteItem":
        units = 0
        for writes in (request.get("RequestItems") or {}).values():
            for w in writes:
                item = (
                    (w.get("PutRequest") or {}).get("Item") or (w.get("DeleteRequest") or {}).get("Key") or {}
                )
                units += _units(_size(item), 1024)
        return 0.0, float(units)
    if operation == "TransactWriteItems":
        units = 0
        for entry in request.get("TransactItems") or []:
            inner = next(iter(entry.values())) if entry else {}
            item = inner.get("Item") or inner.get("Key") or {}
            units += 2 * _units(_size(item), 1024)
        return 0.0, float(units)
    return 0.0, 0.0


@dataclass
class Meter:
    """Counts since the last reset; thread-safe."""

    requests: Counter[str] = field(default_factory=Counter)  # "service:operation" → calls
    read_units: float = 0.0
    write_units: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, service: str, operation: str, units: tuple[float, float] = (0.0, 0.0)) -> None:
        with self._lock:
            self.requests[f"{service}:{operation}"] += 1
            self.read_units += units[0]
            self.write_units += units[1]

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": dict(sorted(self.requests.items())),
                "dynamodb_read_units": self.read_units,
                "dynamodb_write_units": self.write_units,
            }

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.read_units = self.write_units = 0.0


@dataclass
class Fault:
    service: str  # dynamodb | s3 | sqs | states ...
    error: str
    status: int = 400
    operation: str = ""  # DynamoDB/JSON APIs: the X-Amz-Target operation
    table: str = ""  # DynamoDB: only calls naming this table
    method: str = ""  # S3: the HTTP method
    key_prefix: str = ""  # S3: object keys starting with it
    times: int = 1  # how many matching requests fail; -1: until cleared
    hits: int = 0

    def matches(self, service: str, operation: str, method: str, path: str, request: dict[str, Any]) -> bool:
        if self.times == 0 or service != self.service:
            return False
        if self.operation and operation != self.operation:
            return False
        if self.table and self.table not in json.dumps(request.get("TableName") or request)[:2000]:
            return False
        if self.method and method != self.method:
            return False
        if self.key_prefix:
            parts = path.lstrip("/").split("/", 1)
            if len(parts) < 2 or not parts[1].startswith(self.key_prefix):
                return False
        return True


class FaultSwitch:
    """Faults the endpoint gives instead of forwarding; each fires `times` times."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def set(self, spec: dict[str, Any]) -> None:
        fault = Fault(**{k: v for k, v in spec.items() if k in Fault.__dataclass_fields__ and k != "hits"})
        if fault.service == "dynamodb" and fault.status == 400 and "Internal" in fault.error:
            fault.status = 500
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> list[dict[str, Any]]:
        with self._lock:
            gone = [{"service": f.service, "error": f.error, "hits": f.hits} for f in self._faults]
            self._faults.clear()
            return gone

    def take(
        self, service: str, operation: str, method: str, path: str, request: dict[str, Any]
    ) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(service, operation, method, path, request):
                    fault.hits += 1
                    if fault.times > 0:
                        fault.times -= 1
                    return fault
        return None

    def listing(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(f.__dict__) for f in self._faults]


def error_answer(fault: Fault) -> tuple[int, dict[str, str], bytes]:
    """The error as the service would send it (JSON for DynamoDB and JSON APIs, XML for S3)."""
    if fault.service == "s3":
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{fault.error}</Code>'
            f"<Message>Injected fault</Message><RequestId>local</RequestId></Error>"
        ).encode()
        return fault.status, {"Content-Type": "application/xml"}, body
    prefix = "com.amazonaws.dynamodb.v20120810#" if fault.service == "dynamodb" else ""
    body = json.dumps({"__type": prefix + fault.error, "message": "Injected fault"}).encode()
    return fault.status, {"Content-Type": "application/x-amz-json-1.0", "x-amzn-ErrorType": fault.error}, body
