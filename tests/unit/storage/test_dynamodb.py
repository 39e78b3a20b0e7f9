"""The storage toolkit: cursors round-trip and refuse tampering, reads stop at their bound,
conditional and transaction failures become the domain errors the store names."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tracktion.errors import BadRequest, Conflict, NotFound
from tracktion.storage import dynamodb as ddb

SCOPE = ddb.CursorScope("webhooks", bound={"pk": "WH#alice"}, attributes=("pk", "sk"))


def _fields(token: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


def _token(body: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(body).encode()).decode()


# ---------------------------------------------------------------- cursors


def test_a_cursor_round_trips_and_is_opaque() -> None:
    key = {"pk": "WH#alice", "sk": "WH#0042"}
    token = SCOPE.encode(key)
    assert token and "alice" not in token and "=" not in token
    assert SCOPE.decode(token) == key
    assert SCOPE.encode(None) is None and SCOPE.encode({}) is None
    assert SCOPE.decode(None) is None and SCOPE.decode("") is None


def test_numbers_and_the_client_interface_round_trip() -> None:
    numbers = ddb.CursorScope("results", bound={"pk": "BATCH#b"}, attributes=("pk", "n"))
    assert numbers.decode(numbers.encode({"pk": "BATCH#b", "n": Decimal(7)})) == {"pk": "BATCH#b", "n": 7}
    typed = ddb.CursorScope("keys", bound={"pk": "USER#u"}, attributes=("pk", "sk"), typed=True)
    key = {"pk": {"S": "USER#u"}, "sk": {"S": "KEY#1"}}
    assert typed.decode(typed.encode(key)) == key


@pytest.mark.parametrize(
    "token",
    [
        "not-a-cursor",
        "%%%",
        "x" * (ddb.MAX_CURSOR_CHARS + 1),
        _token({"pk": "WH#alice", "sk": "WH#1"}),  # the old, unchecked format
        _token({"v": 1, "k": {"pk": {"S": "WH#alice"}, "sk": {"S": "WH#1"}}, "c": "forged"}),
        _token([1, 2]),
    ],
)
def test_a_malformed_or_forged_cursor_is_400_invalid_cursor(token: str) -> None:
    with pytest.raises(BadRequest) as caught:
        SCOPE.decode(token)
    assert (caught.value.status, caught.value.error_code) == (400, "INVALID_CURSOR")


def test_a_tampered_cursor_is_refused() -> None:
    token = SCOPE.encode({"pk": "WH#alice", "sk": "WH#0042"})
    assert token
    body = _fields(token)
    body["k"]["sk"] = {"S": "WH#9999"}  # move the position without recomputing the check
    with pytest.raises(BadRequest):
        SCOPE.decode(_token(body))
    body["k"]["extra"] = {"S": "x"}  # an attribute the listing's keys never have
    with pytest.raises(BadRequest):
        SCOPE.decode(_token(body))


def test_a_cursor_of_another_owner_or_listing_is_refused() -> None:
    bobs = ddb.CursorScope("webhooks", bound={"pk": "WH#bob"}, attributes=("pk", "sk"))
    token = bobs.encode({"pk": "WH#bob", "sk": "WH#1"})
    with pytest.raises(BadRequest):
        SCOPE.decode(token)  # alice sends bob's token
    # Even a key forged to alice's scope must lie inside alice's partition.
    forged = SCOPE.encode({"pk": "WH#bob", "sk": "WH#1"})
    with pytest.raises(BadRequest):
        SCOPE.decode(forged)
    schedules = ddb.CursorScope("schedules", bound={"pk": "WH#alice"}, attributes=("pk", "sk"))
    with pytest.raises(BadRequest):
        schedules.decode(SCOPE.encode({"pk": "WH#alice", "sk": "WH#1"}))


def test_a_listing_may_name_its_own_error_code() -> None:
    scope = ddb.CursorScope(
        "keys", bound={"pk": "U"}, attributes=("pk",), error_code="INVALID_PAGINATION_TOKEN", message="m"
    )
    with pytest.raises(BadRequest) as caught:
        scope.decode("junk")
    assert caught.value.error_code == "INVALID_PAGINATION_TOKEN"


def test_query_page_resumes_from_the_token_and_hands_out_the_next() -> None:
    calls: list[dict[str, Any]] = []

    def query(**request: Any) -> dict[str, Any]:
        calls.append(request)
        return {"Items": [{"n": 1}], "LastEvaluatedKey": {"pk": "WH#alice", "sk": "WH#2"}}

    token = SCOPE.encode({"pk": "WH#alice", "sk": "WH#1"})
    found, nxt = ddb.query_page(query, SCOPE, token, KeyConditionExpression="pk = :p")
    assert found == [{"n": 1}]
    assert calls[0]["ExclusiveStartKey"] == {"pk": "WH#alice", "sk": "WH#1"}
    assert SCOPE.decode(nxt) == {"pk": "WH#alice", "sk": "WH#2"}


# ---------------------------------------------------------------- pagination


def _paged(total_pages: int, per_page: int = 2) -> Any:
    calls: list[dict[str, Any]] = []

    def query(**request: Any) -> dict[str, Any]:
        calls.append(request)
        n = int(request.get("ExclusiveStartKey", {"n": 0})["n"])
        if request.get("Select") == "COUNT":
            page: dict[str, Any] = {"Count": per_page}
        else:
            page = {"Items": [{"i": n * per_page + j} for j in range(per_page)]}
        if n + 1 < total_pages:
            page["LastEvaluatedKey"] = {"n": n + 1}
        return page

    query.calls = calls  # type: ignore[attr-defined]
    return query


def test_items_follow_every_page() -> None:
    read = _paged(3)
    assert [i["i"] for i in ddb.items(read)] == [0, 1, 2, 3, 4, 5]
    assert len(read.calls) == 3
    assert ddb.count(_paged(3)) == 6


def test_a_read_past_its_bound_raises_instead_of_running_on() -> None:
    read = _paged(10)
    with pytest.raises(ddb.PaginationBoundReached) as caught:
        ddb.items(read, max_pages=4)
    assert len(read.calls) == 4
    assert caught.value.status == 500 and caught.value.details["max_pages"] == 4
    assert len(ddb.items(_paged(4), max_pages=4)) == 8  # exactly the bound is fine


def test_max_items_ends_a_read_early_on_purpose() -> None:
    read = _paged(10)
    assert [i["i"] for i in ddb.items(read, max_items=3)] == [0, 1, 2]
    assert len(read.calls) == 2


def test_batch_get_asks_100_keys_a_call_and_again_for_the_unprocessed_a_bounded_number_of_times() -> None:
    calls: list[dict[str, Any]] = []

    def batch_get_item(RequestItems: dict[str, Any]) -> dict[str, Any]:
        calls.append(RequestItems)
        keys = RequestItems["T"]["Keys"]
        answer: dict[str, Any] = {"Responses": {"T": keys[:40]}}
        if keys[40:]:  # DynamoDB leaves the rest for another call
            answer["UnprocessedKeys"] = {"T": {**RequestItems["T"], "Keys": keys[40:]}}
        return answer

    keys = [{"n": n} for n in range(150)]
    found = list(ddb.batch_get(batch_get_item, "T", keys, ProjectionExpression="n"))
    assert sorted(i["n"] for i in found) == list(range(150))
    assert [len(c["T"]["Keys"]) for c in calls] == [100, 60, 20, 50, 10]
    assert all(c["T"]["ProjectionExpression"] == "n" for c in calls)

    calls.clear()
    bounded = list(ddb.batch_get(batch_get_item, "T", keys[:100], max_rounds=2))
    assert len(bounded) == 80 and len(calls) == 2


def test_offset_page_reads_only_as_far_as_the_window_and_counts_the_rest() -> None:
    read = _paged(5)
    window, total = ddb.offset_page(read, offset=3, limit=2)
    assert [i["i"] for i in window] == [3, 4] and total == 10
    assert [c.get("Select") for c in read.calls].count(None) == 3  # pages 0..2 only


# ---------------------------------------------------------------- errors


def _client_error(code: str, **response: Any) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}, **response}, "Op")


def test_a_failed_condition_becomes_the_named_domain_error() -> None:
    with pytest.raises(NotFound) as caught, ddb.condition_error(lambda: NotFound("gone")):
        raise _client_error(ddb.CONDITION_FAILED)
    assert isinstance(caught.value.__cause__, ClientError)
    with pytest.raises(ClientError), ddb.condition_error(NotFound("gone")):
        raise _client_error("ThrottlingException")
    assert ddb.condition_failed(_client_error(ddb.CONDITION_FAILED))
    assert not ddb.condition_failed(ValueError("x"))
    old = _client_error(ddb.CONDITION_FAILED, Item={"version": {"N": "3"}})
    assert ddb.failed_item(old) == {"version": 3}


def test_a_cancelled_transaction_maps_per_item(monkeypatch: pytest.MonkeyPatch) -> None:
    reasons = [{"Code": "None"}, {"Code": "ConditionalCheckFailed"}]
    cancelled = _client_error(ddb.TRANSACTION_CANCELLED, CancellationReasons=reasons)
    assert ddb.cancellation_reasons(cancelled) == ["None", "ConditionalCheckFailed"]
    assert ddb.cancellation_reasons(_client_error(ddb.CONDITION_FAILED)) is None

    class Client:
        error: Exception = cancelled

        def transact_write_items(self, **_: Any) -> None:
            raise self.error

    from tracktion.storage import aws

    monkeypatch.setattr(aws, "client", lambda _service: Client())
    with pytest.raises(Conflict, match="second"):
        ddb.transact_write([], on_condition={0: Conflict("first"), 1: Conflict("second")})
    with pytest.raises(NotFound):
        ddb.transact_write([], on_condition={0: Conflict("first")}, otherwise=lambda: NotFound("x"))
    with pytest.raises(ClientError):
        ddb.transact_write([], on_condition={0: Conflict("first")})
    Client.error = _client_error("ValidationException")
    with pytest.raises(ClientError):
        ddb.transact_write([], otherwise=Conflict("never"))
