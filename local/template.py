"""Reads template.yaml the way CloudFormation does, for local names.

A YAML loader that understands the short-form intrinsic tags (!Ref, !Sub, !GetAtt, ...),
and a resolver that evaluates the intrinsics against local physical names and ARNs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"

_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    "GetAtt": "Fn::GetAtt",
    "Sub": "Fn::Sub",
    "Join": "Fn::Join",
    "Split": "Fn::Split",
    "Select": "Fn::Select",
    "If": "Fn::If",
    "Equals": "Fn::Equals",
    "Not": "Fn::Not",
    "And": "Fn::And",
    "Or": "Fn::Or",
    "FindInMap": "Fn::FindInMap",
    "Base64": "Fn::Base64",
    "GetAZs": "Fn::GetAZs",
    "ImportValue": "Fn::ImportValue",
    "Cidr": "Fn::Cidr",
    "Transform": "Fn::Transform",
}


class _Loader(yaml.SafeLoader):
    pass


def _make_constructor(key: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if key == "Fn::GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {key: value}

    return construct


for _tag, _key in _TAGS.items():
    _Loader.add_constructor(f"!{_tag}", _make_constructor(_key))


def load_yaml(path: Path | str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=_Loader)  # noqa: S506 - SafeLoader subclass with CFN tags only
    return data if isinstance(data, dict) else {}


@dataclass
class Template:
    """A loaded template plus the local identity of each resource."""

    path: Path
    doc: dict[str, Any]
    parameters: dict[str, str] = field(default_factory=dict)
    region: str = REGION
    account_id: str = ACCOUNT_ID
    # Filled by the runtime once it knows them (e.g. API ids, the gateway URL).
    overrides: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | str, parameters: dict[str, str] | None = None) -> Template:
        p = Path(path)
        doc = load_yaml(p)
        params: dict[str, str] = {}
        for name, spec in (doc.get("Parameters") or {}).items():
            if "Default" in spec:
                params[name] = str(spec["Default"])
        params.update(parameters or {})
        return cls(path=p, doc=doc, parameters=params)

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.doc.get("Resources") or {}

    @property
    def globals_function(self) -> dict[str, Any]:
        return (self.doc.get("Globals") or {}).get("Function") or {}

    def of_type(self, *types: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v.get("Type") in types}

    # ---------------------------------------------------------------- names and ARNs
    def physical_name(self, logical_id: str) -> str:
        """The local physical name: the explicit name property when there is one."""
        if logical_id in self.overrides:
            return str(self.overrides[logical_id])
        res = self.resources.get(logical_id) or {}
        props = res.get("Properties") or {}
        name_prop = {
            "AWS::DynamoDB::Table": "TableName",
            "AWS::S3::Bucket": "BucketName",
            "AWS::Serverless::Function": "FunctionName",
            "AWS::Lambda::Function": "FunctionName",
            "AWS::Serverless::StateMachine": "Name",
            "AWS::StepFunctions::StateMachine": "StateMachineName",
            "AWS::SQS::Queue": "QueueName",
            "AWS::SNS::Topic": "TopicName",
            "AWS::Scheduler::ScheduleGroup": "Name",
            "AWS::Events::EventBus": "Name",
        }.get(str(res.get("Type")))
        if name_prop and props.get(name_prop):
            return str(self.resolve(props[name_prop]))
        if res.get("Type") == "AWS::S3::Bucket":
            return logical_id.lower()
        return logical_id

    def arn(self, logical_id: str) -> str:
        res = self.resources.get(logical_id) or {}
        kind = str(res.get("Type"))
        name = self.physical_name(logical_id)
        r, a = self.region, self.account_id
        if kind in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
            return f"arn:aws:lambda:{r}:{a}:function:{name}"
        if kind == "AWS::DynamoDB::Table":
            return f"arn:aws:dynamodb:{r}:{a}:table/{name}"
        if kind == "AWS::S3::Bucket":
            return f"arn:aws:s3:::{name}"
        if kind in ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine"):
            return f"arn:aws:states:{r}:{a}:stateMachine:{name}"
        if kind == "AWS::IAM::Role":
            return f"arn:aws:iam::{a}:role/{name}"
        if kind == "AWS::SQS::Queue":
            return f"arn:aws:sqs:{r}:{a}:{name}"
        if kind == "AWS::SNS::Topic":
            return f"arn:aws:sns:{r}:{a}:{name}"
        if kind == "AWS::Serverless::LayerVersion":
            return f"arn:aws:lambda:{r}:{a}:layer:{name}:1"
        return f"arn:aws:local:{r}:{a}:{logical_id}"

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": "aws",
            "AWS::StackName": "tracktion-local",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": None,
            "AWS::StackId": f"arn:aws:cloudformation:{self.region}:{self.account_id}:stack/tracktion-local/1",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        kind = str((self.resources.get(name) or {}).get("Type"))
        if kind in (
            "AWS::Serverless::StateMachine",
            "AWS::StepFunctions::StateMachine",
            "AWS::SNS::Topic",
            "AWS::Serverless::LayerVersion",
        ):
            return self.arn(name)
        if kind == "AWS::SQS::Queue":
            return f"http://localhost/{self.account_id}/{self.physical_name(name)}"
        return self.physical_name(name)

    def get_att(self, logical_id: str, attr: str) -> Any:
        if f"{logical_id}.{attr}" in self.overrides:
            return self.overrides[f"{logical_id}.{attr}"]
        if attr in ("Arn", "StreamArn"):
            return self.arn(logical_id)
        if attr in ("Name", "QueueName", "TopicName"):
            return self.physical_name(logical_id)
        if attr == "ApiEndpoint":
            return str(self.overrides.get(f"{logical_id}.ApiEndpoint", "http://127.0.0.1"))
        return f"{logical_id}.{attr}"

    # ---------------------------------------------------------------- intrinsics
    def resolve(self, value: Any, variables: dict[str, Any] | None = None) -> Any:
        if isinstance(value, list):
            return [self.resolve(v, variables) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self.ref(str(arg))
            if key == "Fn::GetAtt":
                parts = arg if isinstance(arg, list) else str(arg).split(".", 1)
                return self.get_att(str(parts[0]), str(parts[1]))
            if key == "Fn::Sub":
                return self._sub(arg, variables)
            if key == "Fn::Join":
                sep, items = arg
                return str(sep).join(str(self.resolve(i, variables)) for i in self.resolve(items, variables))
            if key == "Fn::Split":
                sep, text = arg
                return str(self.resolve(text, variables)).split(str(sep))
            if key == "Fn::Select":
                idx, items = arg
                return self.resolve(items, variables)[int(self.resolve(idx, variables))]
            if key == "Fn::If":
                cond, yes, no = arg
                return self.resolve(yes if self.condition(str(cond)) else no, variables)
            if key == "Fn::Equals":
                a, b = (self.resolve(x, variables) for x in arg)
                return str(a) == str(b)
            if key == "Fn::Not":
                return not self.resolve(arg[0], variables)
            if key == "Fn::And":
                return all(self.resolve(x, variables) for x in arg)
            if key == "Fn::Or":
                return any(self.resolve(x, variables) for x in arg)
            if key == "Condition":
                return self.condition(str(arg))
            if key == "Fn::GetAZs":
                return [f"{self.region}a", f"{self.region}b"]
        return {k: self.resolve(v, variables) for k, v in value.items()}

    def condition(self, name: str) -> bool:
        spec = (self.doc.get("Conditions") or {}).get(name)
        return bool(self.resolve(spec)) if spec is not None else False

    def _sub(self, arg: Any, variables: dict[str, Any] | None) -> str:
        if isinstance(arg, list):
            text, extra = arg[0], {k: self.resolve(v, variables) for k, v in (arg[1] or {}).items()}
        else:
            text, extra = arg, {}
        scope = {**(variables or {}), **extra}

        def repl(m: re.Match[str]) -> str:
            expr = m.group(1)
            if expr.startswith("!"):
                return "${" + expr[1:] + "}"
            if expr in scope:
                return str(scope[expr])
            if "." in expr:
                logical, attr = expr.split(".", 1)
                return str(self.get_att(logical, attr))
            return str(self.ref(expr))

        return re.sub(r"\$\{([^}]+)\}", repl, str(text))

    # ---------------------------------------------------------------- functions
    def function_environment(self, logical_id: str) -> dict[str, str]:
        """Globals + the function's own variables, resolved (what Lambda would set)."""
        props = self.resources[logical_id].get("Properties") or {}
        merged: dict[str, Any] = {}
        merged.update(((self.globals_function.get("Environment") or {}).get("Variables")) or {})
        merged.update(((props.get("Environment") or {}).get("Variables")) or {})
        out: dict[str, str] = {}
        for k, v in merged.items():
            resolved = self.resolve(v)
            if resolved is not None:
                out[k] = str(resolved)
        return out

    def function_property(self, logical_id: str, name: str, default: Any = None) -> Any:
        props = self.resources[logical_id].get("Properties") or {}
        if name in props:
            return props[name]
        return self.globals_function.get(name, default)
