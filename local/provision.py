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


def create_queues(template: Template, sqs: Any) -> dict[str, str]:
    """Create every AWS::SQS::Queue; returns logical id → queue URL."""
    made: dict[str, str] = {}
    for logical_id in template.of_type("AWS::SQS::Queue"):
        made[logical_id] = sqs.create_queue(QueueName=template.physical_name(logical_id))["QueueUrl"]
    return made


def create_parameters(template: Template, ssm: Any, values: dict[str, str] | None = None) -> dict[str, str]:
    """Create every AWS::SSM::Parameter, plus the parameters the template names through its
    `*Param` Parameters (their value given in `values`, keyed by template parameter name).

    Returns parameter name → value.
    """
    made: dict[str, str] = {}
    for logical_id, res in template.of_type("AWS::SSM::Parameter").items():
        props = template.resolve(res.get("Properties") or {})
        name = str(props.get("Name") or f"/{logical_id}")
        value = str(props.get("Value", ""))
        kind = str(props.get("Type") or "String")
        ssm.put_parameter(Name=name, Value=value, Type=kind, Overwrite=True)
        made[name] = value
    for param, value in (values or {}).items():
        param_name = template.parameters.get(param)
        if not param_name:
            continue
        ssm.put_parameter(Name=param_name, Value=value, Type="SecureString", Overwrite=True)
        made[param_name] = value
    return made


def create_secrets(template: Template, secretsmanager: Any) -> dict[str, str]:
    """Create every AWS::SecretsManager::Secret (GenerateSecretString generates one); logical id → name."""
    import json
    import secrets
    import string

    made: dict[str, str] = {}
    for logical_id, res in template.of_type("AWS::SecretsManager::Secret").items():
        props = template.resolve(res.get("Properties") or {})
        name = str(props.get("Name") or logical_id)
        secret = props.get("SecretString")
        generate = props.get("GenerateSecretString")
        if secret is None and isinstance(generate, dict):
            alphabet = string.ascii_letters + string.digits
            if not generate.get("ExcludePunctuation"):
                alphabet += "!#$%&()*+,-.:;<=>?[]^_{|}~"
            excluded = str(generate.get("ExcludeCharacters") or "")
            alphabet = "".join(c for c in alphabet if c not in excluded)
            value = "".join(secrets.choice(alphabet) for _ in range(int(generate.get("PasswordLength", 32))))
            template_text = generate.get("SecretStringTemplate")
            key = generate.get("GenerateStringKey")
            if template_text and key:
                doc = json.loads(str(template_text))
                doc[str(key)] = value
                secret = json.dumps(doc)
            else:
                secret = value
        secretsmanager.create_secret(Name=name, SecretString=str(secret or ""))
        template.overrides.setdefault(logical_id, name)
        made[logical_id] = name
    return made


def state_machine_definition(template: Template, logical_id: str) -> str:
    """The state machine's ASL as JSON text, DefinitionSubstitutions applied."""
    import json

    from local.template import load_yaml

    props = (template.resources[logical_id].get("Properties")) or {}
    if "DefinitionUri" in props and isinstance(props["DefinitionUri"], str):
        path = template.root / props["DefinitionUri"]
        definition: Any = (
            load_yaml(path) if path.suffix in (".yaml", ".yml") else json.loads(path.read_text())
        )
    elif "Definition" in props:
        definition = template.resolve(props["Definition"])
    elif "DefinitionString" in props:
        definition = json.loads(str(template.resolve(props["DefinitionString"])))
    else:
        raise ValueError(f"{logical_id} has no definition")
    text = json.dumps(definition)
    substitutions = template.resolve(props.get("DefinitionSubstitutions") or {})
    for key, value in substitutions.items():
        text = text.replace("${" + key + "}", str(value).replace("\\", "\\\\").replace('"', '\\"'))
    return text


def create_state_machines(template: Template, stepfunctions: Any) -> dict[str, str]:
    """Create every state machine of the template; returns logical id → ARN."""
    made: dict[str, str] = {}
    for logical_id, res in template.of_type(
        "AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine"
    ).items():
        props = res.get("Properties") or {}
        role = props.get("Role") or props.get("RoleArn")
        role_arn = (
            str(template.resolve(role))
            if role
            else f"arn:aws:iam::{template.account_id}:role/{logical_id}Role"
        )
        kind = str(template.resolve(props.get("Type") or props.get("StateMachineType") or "STANDARD"))
        response = stepfunctions.create_state_machine(
            name=template.physical_name(logical_id),
            definition=state_machine_definition(template, logical_id),
            roleArn=role_arn,
            type=kind,
        )
        made[logical_id] = response["stateMachineArn"]
    return made
