"""Creates the template's data resources in the embedded AWS (moto), by the template's own words.

Used by the local runtime at start and by functional tests under moto's in-process mock, so
tests and the runtime cannot drift from template.yaml.
"""

from __future__ import annotations

from typing import Any

from local.template import Template

_TABLE_KEYS = (
    "AttributeDefinitions",
    "KeySchema",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "StreamSpecification",
)


def create_tables(template: Template, dynamodb: Any) -> dict[str, str]:
    """Create every AWS::DynamoDB::Table; returns logical id → table name."""
    made: dict[str, str] = {}
    for logical_id, res in template.of_type("AWS::DynamoDB::Table").items():
        props = template.resolve(res.get("Properties") or {})
        name = template.physical_name(logical_id)
        kwargs: dict[str, Any] = {k: props[k] for k in _TABLE_KEYS if k in props}
        kwargs["BillingMode"] = "PAY_PER_REQUEST"
        for gsi in kwargs.get("GlobalSecondaryIndexes", []):
            gsi.pop("ProvisionedThroughput", None)
        dynamodb.create_table(TableName=name, **kwargs)
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
            )
        made[logical_id] = name
    return made


def create_buckets(template: Template, s3: Any) -> dict[str, str]:
    """Create every AWS::S3::Bucket; returns logical id → bucket name."""
    made: dict[str, str] = {}
    for logical_id in template.of_type("AWS::S3::Bucket"):
        name = template.physical_name(logical_id)
        s3.create_bucket(Bucket=name)
        made[logical_id] = name
    return made
