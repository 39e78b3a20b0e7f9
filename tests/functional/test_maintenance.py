"""The daily maintenance run: what expiry left behind is purged, what is live is kept."""

from __future__ import annotations

import json

import boto3

from tests.functional.batch_site import batch_aws_fixture  # noqa: F401

DAY = 86400


def _put(table: str, item: dict) -> None:
    boto3.resource("dynamodb", region_name="us-east-1").Table(table).put_item(Item=item)


def _keys(table: str) -> set[tuple[str, str]]:
    items = boto3.resource("dynamodb", region_name="us-east-1").Table(table).scan()["Items"]
    return {(i["pk"], i["sk"]) for i in items}


def test_daily_run_purges_expired_items_deleted_cue_files_and_stale_connections(batch_aws, lambda_context):
    from maintenance.handler import lambda_handler
    from tracktion.clock import epoch

    now = epoch()
    env = batch_aws
    _put(env["TRACKLISTS_TABLE"], {"pk": "TL#draft-old", "sk": "TL", "expires_at": now - DAY})
    _put(env["TRACKLISTS_TABLE"], {"pk": "TL#draft-live", "sk": "TL", "expires_at": now + DAY})
    _put(env["TRACKLISTS_TABLE"], {"pk": "TL#published", "sk": "TL"})
    _put(env["CACHE_TABLE"], {"pk": "SRC#page", "sk": "HTML", "expires_at": now - 60})
    _put(
        env["BATCHES_TABLE"],
        {"pk": "CONN#old", "sk": "CONN", "connection_id": "old", "connected_epoch": now - 3 * 3600},
    )
    _put(
        env["BATCHES_TABLE"],
        {"pk": "CONN#new", "sk": "CONN", "connection_id": "new", "connected_epoch": now - 60},
    )
    s3 = boto3.client("s3", region_name="us-east-1")
    old_key = _cue_file("old-deleted", env, deleted_days_ago=45)
    recent_key = _cue_file("recently-deleted", env, deleted_days_ago=2)
    live_key = _cue_file("live", env, deleted_days_ago=None)

    with open("events/MaintenanceFunction/daily.json") as fh:
        report = lambda_handler(json.load(fh), lambda_context)

    assert report["errors"] == {}
    assert ("TL#draft-old", "TL") not in _keys(env["TRACKLISTS_TABLE"])
    assert {("TL#draft-live", "TL"), ("TL#published", "TL")} <= _keys(env["TRACKLISTS_TABLE"])
    assert ("SRC#page", "HTML") not in _keys(env["CACHE_TABLE"])
    assert _keys(env["BATCHES_TABLE"]) == {("CONN#new", "CONN")}
    objects = {o["Key"] for o in s3.list_objects_v2(Bucket=env["CUE_BUCKET"]).get("Contents", [])}
    assert old_key not in objects
    assert {recent_key, live_key} <= objects
    assert report["purged"]["deleted_cue_files"] == 1
    assert report["purged"]["stale_connections"] == 1


def _cue_file(name: str, env: dict, deleted_days_ago: int | None) -> str:
    """A real CUE file made by the CUE package, soft-deleted `deleted_days_ago` days ago."""
    from datetime import UTC, datetime

    from tracktion.clock import epoch, iso
    from tracktion.cue import files
    from tracktion.tracklists.model import Track, Tracklist
    from tracktion.tracklists.store import TracklistStore

    tracklist = TracklistStore().create(
        Tracklist(
            owner_id="u1",
            title=f"Set {name}",
            djs=["DJ"],
            tracks=[
                Track(position=1, artist="A", title="One", start_time=0),
                Track(position=2, artist="B", title="Two", start_time=300),
            ],
        )
    )
    [cue] = files.generate_files(tracklist, ["standard"])
    if deleted_days_ago is not None:
        files.delete(cue.cue_file_id, "u1", soft=True)
        # Time passes: the deletion happened that many days ago.
        table = boto3.resource("dynamodb", region_name="us-east-1").Table(env["CUE_TABLE"])
        key = {"pk": f"CUEFILE#{cue.cue_file_id}", "sk": "FILE"}
        item = table.get_item(Key=key)["Item"]
        body = json.loads(item["body"])
        body["deleted_at"] = iso(datetime.fromtimestamp(epoch() - deleted_days_ago * DAY, UTC))
        table.update_item(
            Key=key, UpdateExpression="SET body = :b", ExpressionAttributeValues={":b": json.dumps(body)}
        )
    return cue.s3_key
