"""S3 event notifications: object creations seen at the AWS endpoint reach their functions.

The template's `Events` of `Type: S3` (bucket, event names, prefix/suffix rules) decide which
function hears of which object. Uploads pass through local.aws_endpoint on their way to moto;
once moto has accepted one (PutObject, a presigned POST form, CompleteMultipartUpload,
CopyObject) the function is invoked asynchronously with a real S3 event record, as S3 does.
"""

from __future__ import annotations

import fnmatch
import itertools
import threading
import time
import uuid
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import quote_plus, unquote

from local.aws_endpoint import AwsEndpoint, Exchange
from local.lambdas import FUNCTION_TYPES, LambdaService
from local.template import Template

# Query parameters of a PUT/POST on an object that are not an object creation.
_NOT_CREATION = {
    "acl",
    "tagging",
    "retention",
    "legal-hold",
    "partNumber",
    "uploads",
    "restore",
    "select",
    "attributes",
    "torrent",
}


@dataclass
class Subscription:
    function: str  # logical id
    name: str  # the event's name in the template (the notification's configurationId)
    bucket: str
    events: list[str]  # e.g. s3:ObjectCreated:*
    prefix: str
    suffix: str

    def wants(self, event_name: str, key: str) -> bool:
        if not key.startswith(self.prefix) or not key.endswith(self.suffix):
            return False
        return any(fnmatch.fnmatchcase(f"s3:{event_name}", pattern) for pattern in self.events)


def subscriptions(template: Template) -> list[Subscription]:
    out: list[Subscription] = []
    for fn_id, res in template.of_type(*FUNCTION_TYPES).items():
        for event_name, event in ((res.get("Properties") or {}).get("Events") or {}).items():
            if event.get("Type") != "S3":
                continue
            props = event.get("Properties") or {}
            events = props.get("Events") or []
            rules = ((props.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
            values = {
                str(r.get("Name", "")).lower(): str(template.resolve(r.get("Value", ""))) for r in rules
            }
            out.append(
                Subscription(
                    function=fn_id,
                    name=str(event_name),
                    bucket=str(template.resolve(props.get("Bucket"))),
                    events=[str(e) for e in (events if isinstance(events, list) else [events])],
                    prefix=values.get("prefix", ""),
                    suffix=values.get("suffix", ""),
                )
            )
    return out


class S3Triggers:
    """Observer of the AWS endpoint that turns object creations into S3 notifications."""

    def __init__(self, template: Template, lambdas: LambdaService, endpoint: AwsEndpoint) -> None:
        self.template = template
        self.lambdas = lambdas
        self.endpoint = endpoint
        self.subscriptions = subscriptions(template)
        self.buckets = {s.bucket for s in self.subscriptions}
        self._sequence = itertools.count(int(time.time() * 1000) << 16)
        self._lock = threading.Lock()

    def observe(self, exchange: Exchange) -> None:
        if not self.subscriptions or exchange.method not in ("PUT", "POST"):
            return
        found = self._creation(exchange)
        if found is None:
            return
        event_name, bucket, key = found
        wanted = [s for s in self.subscriptions if s.bucket == bucket and s.wants(event_name, key)]
        if not wanted:
            return
        facts = self._head(bucket, key)
        if facts is None:
            return
        for sub in wanted:
            record = self._record(sub, event_name, bucket, key, facts, exchange)
            self.lambdas.invoke(sub.function, {"Records": [record]}, asynchronous=True)

    # ------------------------------------------------------------------ what happened
    def _bucket_and_key(self, exchange: Exchange) -> tuple[str, str]:
        host = exchange.headers.get("host", "").split(":", 1)[0]
        label = host.split(".", 1)[0]
        if "." in host and label in self.buckets and not host.replace(".", "").isdigit():
            return label, unquote(exchange.path.lstrip("/"))
        bucket, _, key = exchange.path.lstrip("/").partition("/")
        return unquote(bucket), unquote(key)

    def _creation(self, exchange: Exchange) -> tuple[str, str, str] | None:
        bucket, key = self._bucket_and_key(exchange)
        if bucket not in self.buckets:
            return None
        if exchange.method == "PUT" and key:
            if _NOT_CREATION & exchange.query.keys() or "uploadId" in exchange.query:
                return None
            if "x-amz-copy-source" in exchange.headers:
                return "ObjectCreated:Copy", bucket, key
            return "ObjectCreated:Put", bucket, key
        if exchange.method == "POST" and key and "uploadId" in exchange.query:
            return "ObjectCreated:CompleteMultipartUpload", bucket, key
        if exchange.method == "POST" and not key:
            posted = _form_key(exchange)
            if posted:
                return "ObjectCreated:Post", bucket, posted
        return None

    def _head(self, bucket: str, key: str) -> dict[str, Any] | None:
        status, headers, _ = self.endpoint.moto_request(
            "HEAD",
            f"/{quote_plus(bucket)}/{_quote_key(key)}",
            headers={"Authorization": _S3_AUTH},
        )
        if status != 200:
            return None
        return {
            "size": int(headers.get("content-length") or 0),
            "eTag": (headers.get("etag") or "").strip('"'),
            "versionId": headers.get("x-amz-version-id"),
        }

    def _record(
        self,
        sub: Subscription,
        event_name: str,
        bucket: str,
        key: str,
        facts: dict[str, Any],
        exchange: Exchange,
    ) -> dict[str, Any]:
        with self._lock:
            sequencer = f"{next(self._sequence):016X}"
        obj: dict[str, Any] = {
            "key": quote_plus(key, safe="/"),
            "size": facts["size"],
            "eTag": facts["eTag"],
            "sequencer": sequencer,
        }
        if facts.get("versionId") and facts["versionId"] != "null":
            obj["versionId"] = facts["versionId"]
        now = time.time()
        return {
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": self.template.region,
            "eventTime": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
            + f".{int(now * 1000) % 1000:03d}Z",
            "eventName": event_name,
            "userIdentity": {"principalId": "AWS:LOCALUSER"},
            "requestParameters": {"sourceIPAddress": "127.0.0.1"},
            "responseElements": {
                "x-amz-request-id": exchange.response_headers.get(
                    "x-amz-request-id", uuid.uuid4().hex[:16].upper()
                ),
                "x-amz-id-2": exchange.response_headers.get("x-amz-id-2", uuid.uuid4().hex),
            },
            "s3": {
                "s3SchemaVersion": "1.0",
                "configurationId": sub.name,
                "bucket": {
                    "name": bucket,
                    "ownerIdentity": {"principalId": "LOCALOWNER"},
                    "arn": f"arn:aws:s3:::{bucket}",
                },
                "object": obj,
            },
        }


# moto routes a request to S3 by the credential scope of its signature.
_S3_AUTH = (
    "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, "
    "SignedHeaders=host, Signature=" + "0" * 64
)


def _quote_key(key: str) -> str:
    from urllib.parse import quote

    return quote(key, safe="/~")


def _form_key(exchange: Exchange) -> str | None:
    """The object key of a browser (presigned POST) upload: the form's `key`, ${filename} filled in."""
    content_type = exchange.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        return None
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + exchange.body
    )
    key: str | None = None
    filename = ""
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name == "key":
            payload = part.get_payload(decode=True)
            key = payload.decode() if isinstance(payload, bytes) else str(payload)
        elif name == "file":
            filename = str(part.get_filename() or "")
    if key is None:
        return None
    return key.replace("${filename}", filename)
