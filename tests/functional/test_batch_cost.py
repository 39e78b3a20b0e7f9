"""What one batch URL costs in DynamoDB writes (the issue's budget: at most 5 per URL).

Counted on the real botocore calls our code makes, on moto; a regression that adds a write
to the import or the batch bookkeeping fails here, not only in a benchmark nobody reads.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from tests.conftest import principal_ctx
from tests.functional.batch_site import batch_aws_fixture, execution_input, site_fixture, task  # noqa: F401
from tests.gateway import invoke

URLS = 10


def _count_writes(counted: Counter[str]) -> Any:
    def count(params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name in ("PutItem", "UpdateItem", "DeleteItem"):
            counted[params["TableName"]] += 1
        elif model.name == "TransactWriteItems":
            for entry in params["TransactItems"]:
                if "ConditionCheck" not in entry:
                    counted[next(iter(entry.values()))["TableName"]] += 1
        elif model.name == "BatchWriteItem":
            for name, requests in params["RequestItems"].items():
                counted[name] += len(requests)

    return count


def test_each_batch_url_costs_at_most_five_dynamodb_writes(batch_aws, site, lambda_context):
    from batch_worker.handler import lambda_handler as worker
    from tracktion.storage.aws import client, resource

    urls = [site.good(f"c{i:07d}") for i in range(URLS)]
    created = invoke(
        "POST", "/api/v1/batch", body={"urls": urls}, principal=principal_ctx("cost"), context=lambda_context
    ).result
    assert created["statusCode"] == 200, created["body"]
    batch = execution_input(json.loads(created["body"])["batch_id"])
    counted: Counter[str] = Counter()
    hook = _count_writes(counted)
    client("dynamodb").meta.events.register("provide-client-params.dynamodb.*", hook)
    resource("dynamodb").meta.client.meta.events.register("provide-client-params.dynamodb.*", hook)

    for index in range(URLS):
        assert worker(task("import_item", batch, index), lambda_context)["status"] == "completed"
    per_url = sum(counted.values()) / URLS
    items = dict(counted)
    counted.clear()
    worker(task("finalize", batch), lambda_context)

    assert per_url <= 5, f"{per_url:.2f} writes per URL: {items}"
    assert sum(counted.values()) <= 2, f"closing the batch is per batch, not per URL: {dict(counted)}"
