"""The whole local runtime wired together: embedded AWS, Lambda service, gateway, triggers, hooks.

`python -m local` (local/__main__.py) builds a `Runtime` from its options, starts it, prints
what it serves and waits for Ctrl-C / SIGTERM. Everything is driven by template.yaml.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.aws_endpoint import AwsEndpoint
from local.gateway import Gateway
from local.lambdas import DUMMY_CREDENTIALS, LambdaService
from local.template import Template

ROOT = Path(__file__).resolve().parent.parent
READY_LINE = "Tracktion local runtime ready"
ADMIN_KEY_PARAMETER = "BootstrapAdminKeyParam"


@dataclass
class Options:
    template: Path = ROOT / "template.yaml"
    host: str = "127.0.0.1"
    port: int = 3000
    aws_port: int = 4566
    ws_port: int = 3001
    admin_key: str = ""
    source_site: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)
    # Start one environment of every function at once (make run); tests leave it off to spare CPU.
    prewarm: bool = False


def new_admin_key() -> str:
    """A key shaped like the service's own test keys, so clients accept it everywhere."""
    return "tk_test_" + secrets.token_urlsafe(24).replace("-", "x").replace("_", "y")


def _url_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "", "::") else host  # noqa: S104 - mapping, not binding


class Runtime:
    """Starts and stops every part; exposes the URLs it serves."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.admin_key = options.admin_key or new_admin_key()
        self.template = Template.load(options.template, options.parameters)
        self.urls: dict[str, str] = {}
        self._stoppers: list[Any] = []
        self.lambdas: LambdaService | None = None
        self.endpoint: AwsEndpoint | None = None
        self.gateway: Gateway | None = None
        self.websocket: Any = None
        self.scheduler: Any = None
        self._catalog_credentials = ""
        self._catalog_env: dict[str, str] = {}

    # ------------------------------------------------------------------ start
    def start(self) -> None:
        import logging

        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's per-request lines
        opts = self.options
        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        moto.start()
        self._stoppers.append(moto.stop)
        moto_host, moto_port = moto.get_host_and_port()

        endpoint = AwsEndpoint(opts.host, opts.aws_port, moto_host, moto_port)
        self.endpoint = endpoint
        aws_url = f"http://{_url_host(opts.host)}:{endpoint.server_address[1]}"
        self.urls["AWS endpoint"] = aws_url
        # moto's Step Functions executor calls Lambda at http://localhost:$MOTO_PORT: our endpoint.
        os.environ["MOTO_PORT"] = str(endpoint.server_address[1])
        status, _, body = endpoint.moto_request(
            "POST",
            "/moto-api/config",
            json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
            {"Content-Type": "application/json"},
        )
        if status >= 300:  # moto answers 201
            raise RuntimeError(f"moto refused its configuration: {status} {body[:200]!r}")

        extra_env = dict(opts.env)
        if opts.source_site is not None and opts.source_site.is_dir():
            from local.source_site import start_source_site

            site, base_url = start_source_site(opts.source_site, _url_host(opts.host), 0)
            self._stoppers.append(site.shutdown)
            self.urls["Source site"] = base_url
            extra_env.setdefault("SOURCE_BASE_URL", base_url)
        self._start_catalog_site(extra_env)

        lambdas = LambdaService(self.template, aws_url, extra_env=extra_env)
        self.lambdas = lambdas
        endpoint.lambdas = lambdas
        endpoint.start()
        self._stoppers.append(endpoint.stop)
        self._stoppers.append(lambdas.shutdown)

        self._provision(f"http://{moto_host}:{moto_port}")

        from local.triggers import S3Triggers

        triggers = S3Triggers(self.template, lambdas, endpoint)
        endpoint.observers.append(triggers.observe)

        gateway = Gateway(self.template, lambdas.invoke, opts.host, opts.port)
        self.gateway = gateway
        self.urls["Gateway"] = f"http://{_url_host(opts.host)}:{gateway.server_address[1]}"
        lambdas.url_rewrites.update(self._api_rewrites("AWS::Serverless::HttpApi", self.urls["Gateway"]))
        for api_id in self.template.of_type("AWS::Serverless::HttpApi"):
            self.template.overrides[f"{api_id}.ApiEndpoint"] = self.urls["Gateway"]

        from local.scheduler import start_scheduler
        from local.websocket import start_websocket_gateway

        self.websocket = start_websocket_gateway(
            self.template, self._invoke_for_hooks, _url_host(opts.host), opts.ws_port
        )
        self._stoppers.append(self.websocket.shutdown)
        self.urls["WebSocket"] = str(self.websocket.url)
        # `https://{api}.execute-api.../{stage}` in a function's env → the local @connections.
        lambdas.env_rewriters.append(self.websocket.rewrite_management_url)

        self.scheduler = start_scheduler(self.template, aws_url, self._invoke_for_hooks, self.start_execution)
        self._stoppers.append(self.scheduler.shutdown)

        gateway.start()
        self._stoppers.append(gateway.stop)
        if opts.prewarm:
            lambdas.prewarm()
            if self._catalog_credentials:
                threading.Thread(target=self._sign_in_to_catalog, name="catalog-sign-in", daemon=True).start()

    def _sign_in_to_catalog(self) -> None:
        """One catalog read as the admin, in the background: the functions sign in to the local
        Beatport and keep the token (sealed, in the cache table), as a deployed stack's first
        catalog request would, so a newcomer's first search does not wait for the login."""
        import httpx

        with contextlib.suppress(Exception):  # a failure shows again, explained, on the first search
            httpx.get(
                f"{self.urls['Gateway']}/api/v1/catalog/beatport/genres",
                headers={"X-API-Key": self.admin_key},
                timeout=60,
            )

    def _start_catalog_site(self, extra_env: dict[str, str]) -> None:
        """The local Beatport and MusicBrainz (local/catalog_site.py) for what --env does not point
        elsewhere; Beatport through the account login, its credentials put in the local SSM."""
        if "BEATPORT_BASE_URL" in extra_env and "MUSICBRAINZ_BASE_URL" in extra_env:
            return
        from local.catalog_site import ACCOUNT_PASSWORD, ACCOUNT_USERNAME, start_catalog_site

        site = start_catalog_site(_url_host(self.options.host), 0)
        self._stoppers.append(site.shutdown)
        self.urls["Catalog site"] = site.url
        if "MUSICBRAINZ_BASE_URL" not in extra_env:
            extra_env["MUSICBRAINZ_BASE_URL"] = site.musicbrainz_url
            # MusicBrainz's one-request-a-second rule is MusicBrainz's; the stand-in has none.
            extra_env.setdefault("MUSICBRAINZ_MIN_INTERVAL_SECONDS", "0")
        if "BEATPORT_BASE_URL" not in extra_env:
            extra_env["BEATPORT_BASE_URL"] = site.beatport_url
            extra_env.setdefault("BEATPORT_AUTH_MODE", "account")
            account = {"username": ACCOUNT_USERNAME, "password": ACCOUNT_PASSWORD}
            self._catalog_credentials = json.dumps(account)
        self._catalog_env = extra_env

    def _provision(self, moto_url: str) -> None:
        import boto3

        from local import provision

        def client(service: str) -> Any:
            return boto3.client(
                service,
                endpoint_url=moto_url,
                region_name=self.template.region,
                **DUMMY_CREDENTIALS,
            )

        provision.create_tables(self.template, client("dynamodb"))
        provision.create_buckets(self.template, client("s3"))
        provision.create_queues(self.template, client("sqs"))
        digest = hashlib.sha256(self.admin_key.encode()).hexdigest()
        provision.create_parameters(self.template, client("ssm"), {ADMIN_KEY_PARAMETER: digest})
        if self.template.of_type("AWS::SecretsManager::Secret"):
            provision.create_secrets(self.template, client("secretsmanager"))
        if self._catalog_credentials:
            param = "BEATPORT_CREDENTIALS_PARAM"
            names = {
                self._catalog_env.get(param) or self.template.function_environment(fn).get(param)
                for fn in self.template.of_type("AWS::Serverless::Function")
            }
            for name in sorted(n for n in names if n):
                client("ssm").put_parameter(
                    Name=name, Value=self._catalog_credentials, Type="SecureString", Overwrite=True
                )
        if self.template.of_type("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine"):
            provision.create_state_machines(self.template, client("stepfunctions"))

    def _api_rewrites(self, kind: str, url: str) -> dict[str, str]:
        """Each API's deployed URL (as `!Sub https://${Api}.execute-api...` builds it) → the local one."""
        t = self.template
        return {
            f"https://{t.physical_name(api_id)}.execute-api.{t.region}.amazonaws.com": url
            for api_id in t.of_type(kind)
        }

    # ------------------------------------------------------------------ calls for the hooks
    def _invoke_for_hooks(self, name: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        assert self.lambdas is not None
        result = self.lambdas.invoke(name, payload)
        if result.function_error:
            return None
        return result.payload if isinstance(result.payload, dict) else {"result": result.payload}

    def start_execution(self, state_machine_arn: str, execution_input: str) -> None:
        import boto3

        boto3.client(
            "stepfunctions",
            endpoint_url=self.urls["AWS endpoint"],
            region_name=self.template.region,
            **DUMMY_CREDENTIALS,
        ).start_execution(stateMachineArn=state_machine_arn, input=execution_input)

    # ------------------------------------------------------------------ stop and report
    def stop(self) -> None:
        while self._stoppers:
            stop = self._stoppers.pop()
            try:
                stop()
            except Exception as exc:
                print(f"[runtime] stopping: {exc!r}", file=sys.stderr)

    def banner(self) -> str:
        lines = ["Tracktion local runtime"]
        for label in ("Gateway", "AWS endpoint", "WebSocket", "Source site", "Catalog site"):
            if label in self.urls:
                lines.append(f"  {label + ':':<14}{self.urls[label]}")
        lines.append(f"  {'Admin key:':<14}{self.admin_key}")
        lines.append(f"  {'Template:':<14}{self.options.template}")
        with contextlib.suppress(Exception):
            lines.append(f"  {'Functions:':<14}{len(self.lambdas.specs) if self.lambdas else 0}")
        lines.append(READY_LINE)
        return "\n".join(lines)
