"""Provisioning from a template's own words: parameters, secrets, state machine definitions."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
from moto import mock_aws

from local.provision import create_parameters, create_secrets, state_machine_definition
from local.template import Template

TEMPLATE = """
Parameters:
  Stage: {Type: String, Default: t}
  KeyParam: {Type: String, Default: /app/key-sha256}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {FunctionName: !Sub "fn-${Stage}", Handler: a.b}
  Signing:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: !Sub "signing-${Stage}"
      GenerateSecretString:
        SecretStringTemplate: '{"user": "svc"}'
        GenerateStringKey: password
        PasswordLength: 40
        ExcludePunctuation: true
  Flag:
    Type: AWS::SSM::Parameter
    Properties: {Name: /app/flag, Type: String, Value: !Ref Stage}
  Machine:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition:
        StartAt: Go
        States:
          Go: {Type: Task, Resource: "${FnArn}", End: true}
      DefinitionSubstitutions:
        FnArn: !GetAtt Fn.Arn
"""


def _template(tmp_path: Path) -> Template:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    return Template.load(path)


def test_parameters_named_by_the_template_get_their_values(tmp_path: Path) -> None:
    template = _template(tmp_path)
    with mock_aws():
        ssm = boto3.client("ssm", region_name="us-east-1")
        create_parameters(template, ssm, {"KeyParam": "ab12"})
        assert ssm.get_parameter(Name="/app/key-sha256", WithDecryption=True)["Parameter"]["Value"] == "ab12"
        assert ssm.get_parameter(Name="/app/flag")["Parameter"]["Value"] == "t"


def test_generated_secret_follows_its_generation_rules(tmp_path: Path) -> None:
    template = _template(tmp_path)
    with mock_aws():
        sm = boto3.client("secretsmanager", region_name="us-east-1")
        create_secrets(template, sm)
        secret = json.loads(sm.get_secret_value(SecretId="signing-t")["SecretString"])
    assert secret["user"] == "svc"
    assert len(secret["password"]) == 40
    assert secret["password"].isalnum()


def test_state_machine_definition_has_its_substitutions_applied(tmp_path: Path) -> None:
    definition = json.loads(state_machine_definition(_template(tmp_path), "Machine"))
    assert definition["States"]["Go"]["Resource"] == "arn:aws:lambda:us-east-1:123456789012:function:fn-t"
