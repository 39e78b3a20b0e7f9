"""The local Lambda service: each function of template.yaml runs in its own worker processes.

A worker (local/worker.py) is one execution environment: the function's own environment
variables, its code directory and the core layer on PYTHONPATH, one invocation at a time,
module state kept warm between calls. A function gets up to `max_concurrency` workers,
started on demand. Timeouts, errors and asynchronous retries follow Lambda's contract, so
callers (the gateway, Step Functions, triggers) see what AWS would give them.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from local.template import Template

WORKER = Path(__file__).resolve().parent / "worker.py"
INIT_TIMEOUT_SECONDS = 30.0  # generous: two shared cores may import slowly under load
ASYNC_RETRIES = 2  # Lambda's default when a function has no EventInvokeConfig
ASYNC_RETRY_DELAYS = (1.0, 2.0)  # Lambda waits 1 and 2 minutes; seconds are enough locally
# moto accepts any credentials; these keep boto3 from looking for real ones.
DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
# Passed through from the runtime's own environment: what a process needs to start at all.
_PASSTHROUGH_ENV = ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "SYSTEMROOT")


class FunctionNotFound(LookupError):
    """No function of the template has this name, logical id or ARN."""


@dataclass
class InvokeResult:
    """What Lambda's Invoke answers: status 200/202/204, the payload, and X-Amz-Function-Error."""

    status: int
    payload: Any = None
    function_error: str | None = None

    def body(self) -> bytes:
        if self.status != 200:
            return b""
        return json.dumps(self.payload).encode()


@dataclass
class FunctionSpec:
    """One function as Lambda would configure it from the template."""

    logical_id: str
    name: str
    arn: str
    handler: str
    timeout: float
    memory: int
    code_dir: Path
    layer_dirs: list[Path]
    environment: dict[str, str] = field(default_factory=dict)
    # EventInvokeConfig: retries of a failed asynchronous invocation, and where its on-failure
    # record goes (an SQS queue's ARN) once they are spent.
    async_retries: int = ASYNC_RETRIES
    on_failure: str | None = None


def function_specs(template: Template) -> dict[str, FunctionSpec]:
    """Every function of the template, by logical id (environment resolved later, see LambdaService)."""
    layer_dirs: dict[str, Path] = {}
    for logical_id, res in template.of_type("AWS::Serverless::LayerVersion").items():
        content = (res.get("Properties") or {}).get("ContentUri")
        if isinstance(content, str):
            layer_dirs[logical_id] = (template.root / content).resolve()
    specs: dict[str, FunctionSpec] = {}
    for logical_id in template.of_type(*FUNCTION_TYPES):
        invoke_config = template.function_property(logical_id, "EventInvokeConfig", {}) or {}
        failure = ((invoke_config.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        code_uri = template.function_property(logical_id, "CodeUri", ".")
        layers = template.function_property(logical_id, "Layers", []) or []
        dirs: list[Path] = []
        for layer in layers:
            ref = layer.get("Ref") if isinstance(layer, dict) else None
            if ref in layer_dirs:
                dirs.append(layer_dirs[ref])
        specs[logical_id] = FunctionSpec(
            logical_id=logical_id,
            name=template.physical_name(logical_id),
            arn=template.arn(logical_id),
            handler=str(template.function_property(logical_id, "Handler", "handler.lambda_handler")),
            timeout=float(template.resolve(template.function_property(logical_id, "Timeout", 3))),
            memory=int(template.resolve(template.function_property(logical_id, "MemorySize", 128))),
            code_dir=(template.root / str(code_uri)).resolve(),
            layer_dirs=dirs,
            async_retries=int(template.resolve(invoke_config.get("MaximumRetryAttempts", ASYNC_RETRIES))),
            on_failure=str(template.resolve(failure)) if failure else None,
        )
    return specs


class _WorkerGone(Exception):
    """The worker process exited (or broke its protocol) during a call."""


class _Worker:
    """One worker process and the line protocol to it."""

    def __init__(self, spec: FunctionSpec, env: dict[str, str]) -> None:
        self.spec = spec
        self.proc = subprocess.Popen(
            [sys.executable, "-u", str(WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=str(spec.code_dir),
            start_new_session=True,  # its own process group: a timeout kills all of it
        )
        self._buf = bytearray()
        assert self.proc.stderr is not None
        threading.Thread(target=_copy_logs, args=(self.proc.stderr, spec.name), daemon=True).start()

    def read_line(self, deadline: float) -> dict[str, Any]:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while True:
            nl = self._buf.find(b"\n")
            if nl >= 0:
                line = bytes(self._buf[:nl])
                del self._buf[: nl + 1]
                try:
                    return dict(json.loads(line))
                except ValueError as exc:
                    raise _WorkerGone("unreadable answer") from exc
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], remaining)
            if ready:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    raise _WorkerGone("exited")
                self._buf += chunk

    def call(self, payload: Any, request_id: str, timeout: float) -> dict[str, Any]:
        assert self.proc.stdin is not None
        request = {"request_id": request_id, "deadline": time.time() + timeout, "payload": payload}
        try:
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise _WorkerGone("stdin closed") from exc
        return self.read_line(time.monotonic() + timeout)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            self.proc.wait(timeout=5)
        for stream in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(Exception):
                if stream is not None:
                    stream.close()


# Bytes each function logged (by physical name): CloudWatch Logs bills ingestion per GB.
LOG_BYTES: dict[str, int] = {}
_LOG_LOCK = threading.Lock()


def _copy_logs(stream: IO[bytes], name: str) -> None:
    """A function's logs, prefixed with its name, on the runtime's stderr (its CloudWatch)."""
    prefix = f"[{name}] ".encode()
    out = sys.stderr.buffer
    with contextlib.suppress(Exception):
        for line in iter(stream.readline, b""):
            with _LOG_LOCK:
                LOG_BYTES[name] = LOG_BYTES.get(name, 0) + len(line)
            out.write(prefix + line)
            out.flush()


class _Pool:
    """A function's execution environments: reused while warm, at most `size` at once."""

    def __init__(self, spec: FunctionSpec, env: Callable[[], dict[str, str]], size: int) -> None:
        self.spec = spec
        self._env = env
        self._slots = threading.BoundedSemaphore(size)
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False

    def prewarm(self) -> None:
        """Start one execution environment now (its cold start paid before any request)."""
        with self._slots:
            worker = self._spawn()
            if isinstance(worker, _Worker):
                with self._lock:
                    self._idle.append(worker)

    def _spawn(self) -> _Worker | dict[str, Any]:
        worker = _Worker(self.spec, self._env())
        with self._lock:
            if self._closed:
                worker.kill()
                raise _WorkerGone("runtime stopping")
            self._all.add(worker)
        try:
            ready = worker.read_line(time.monotonic() + INIT_TIMEOUT_SECONDS)
        except (TimeoutError, _WorkerGone) as exc:
            self._discard(worker)
            return {
                "errorMessage": f"Init failed for {self.spec.name}: {type(exc).__name__} {exc}",
                "errorType": "Runtime.ExitError",
                "stackTrace": [],
            }
        if not ready.get("ok"):
            self._discard(worker)
            return dict(json.loads(ready["payload"]))
        return worker

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)

    def invoke(self, payload: Any) -> InvokeResult:
        request_id = str(uuid.uuid4())
        with self._slots:
            with self._lock:
                worker: _Worker | dict[str, Any] | None = self._idle.pop() if self._idle else None
            if worker is None:
                worker = self._spawn()
            if isinstance(worker, dict):
                return InvokeResult(200, worker, "Unhandled")
            try:
                answer = worker.call(payload, request_id, self.spec.timeout)
            except TimeoutError:
                self._discard(worker)
                message = f"{request_id} Task timed out after {self.spec.timeout:.2f} seconds"
                return InvokeResult(
                    200, {"errorMessage": message, "errorType": "Sandbox.Timedout"}, "Unhandled"
                )
            except _WorkerGone as exc:
                self._discard(worker)
                error = {
                    "errorMessage": f"RequestId: {request_id} Error: Runtime exited ({exc})",
                    "errorType": "Runtime.ExitError",
                }
                return InvokeResult(200, error, "Unhandled")
            with self._lock:
                if self._closed:
                    worker.kill()
                else:
                    self._idle.append(worker)
        result = json.loads(answer["payload"])
        return InvokeResult(200, result, None if answer.get("ok") else "Unhandled")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
            self._idle.clear()
        for worker in workers:
            worker.kill()


class LambdaService:
    """Invoke the template's functions by physical name, logical id or ARN."""

    def __init__(
        self,
        template: Template,
        aws_endpoint: str,
        *,
        extra_env: dict[str, str] | None = None,
        max_concurrency: int = 4,
    ) -> None:
        self.template = template
        self.aws_endpoint = aws_endpoint
        self.extra_env = dict(extra_env or {})
        self.specs = function_specs(template)
        self._max = max_concurrency
        # Deployed URLs (`https://{api}.execute-api...`) → the local servers that stand in for them.
        self.url_rewrites: dict[str, str] = {}
        self.env_rewriters: list[Callable[[str], str]] = []
        self._pools: dict[str, _Pool] = {}
        self._lock = threading.Lock()
        self._async = ThreadPoolExecutor(max_workers=8, thread_name_prefix="lambda-async")
        self._closed = False
        # Invocations and billed milliseconds per function since the last reset (local/meter.py).
        self._invocations: dict[str, int] = {}
        self._billed_ms: dict[str, int] = {}

    # ------------------------------------------------------------------ names
    def resolve(self, name_or_arn: str) -> FunctionSpec:
        """The function a name, logical id or (qualified) ARN designates."""
        name = name_or_arn
        if name.startswith("arn:"):
            parts = name.split(":")
            if len(parts) < 7 or parts[5] != "function":
                raise FunctionNotFound(name_or_arn)
            name = parts[6]
        elif ":" in name:  # name:qualifier or account:function:name
            parts = name.split(":")
            name = parts[2] if len(parts) >= 3 and parts[1] == "function" else parts[0]
        if name in self.specs:
            return self.specs[name]
        for spec in self.specs.values():
            if spec.name == name:
                return spec
        raise FunctionNotFound(name_or_arn)

    def environment(self, spec: FunctionSpec) -> dict[str, str]:
        """What the function's process sees: its template env plus what Lambda itself sets."""
        env = {k: os.environ[k] for k in _PASSTHROUGH_ENV if k in os.environ}
        for key, value in self.template.function_environment(spec.logical_id).items():
            env[key] = self._rewrite(value)
        env.update(self.extra_env)
        path = [str(spec.code_dir), *(str(d) for d in spec.layer_dirs)]
        env.update(
            {
                "AWS_ENDPOINT_URL": self.aws_endpoint,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_SESSION_TOKEN": "testing",
                "AWS_REGION": self.template.region,
                "AWS_DEFAULT_REGION": self.template.region,
                "AWS_LAMBDA_FUNCTION_NAME": spec.name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
                "AWS_LAMBDA_LOG_STREAM_NAME": "local",
                "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
                "AWS_SAM_LOCAL": "true",
                "LAMBDA_TASK_ROOT": str(spec.code_dir),
                "LOCAL_FUNCTION_ARN": spec.arn,
                "POWERTOOLS_TRACE_DISABLED": "true",
                "PYTHONPATH": os.pathsep.join(path),
                "PYTHONDONTWRITEBYTECODE": "1",
                "TZ": "UTC",
                "_HANDLER": spec.handler,
            }
        )
        return env

    def _rewrite(self, value: str) -> str:
        for rewriter in self.env_rewriters:
            value = rewriter(value)
        for prefix in sorted(self.url_rewrites, key=len, reverse=True):
            if value.startswith(prefix):
                return self.url_rewrites[prefix] + value[len(prefix) :]
        return value

    def _pool(self, spec: FunctionSpec) -> _Pool:
        with self._lock:
            if self._closed:
                raise RuntimeError("the Lambda service is stopped")
            pool = self._pools.get(spec.logical_id)
            if pool is None:
                pool = _Pool(spec, lambda: self.environment(spec), self._max)
                self._pools[spec.logical_id] = pool
            return pool

    # ------------------------------------------------------------------ invoke
    def invoke(self, name_or_arn: str, payload: Any, *, asynchronous: bool = False) -> InvokeResult:
        """Run the function: 200 with its result (or its error), or 202 once queued (`Event`)."""
        spec = self.resolve(name_or_arn)
        if asynchronous:
            self._async.submit(self._run_async, spec, payload)
            return InvokeResult(202)
        return self._metered(spec, payload)

    def _metered(self, spec: FunctionSpec, payload: Any) -> InvokeResult:
        started = time.perf_counter()
        try:
            return self._pool(spec).invoke(payload)
        finally:
            billed = max(1, int((time.perf_counter() - started) * 1000 + 0.999))
            with self._lock:
                self._invocations[spec.logical_id] = self._invocations.get(spec.logical_id, 0) + 1
                self._billed_ms[spec.logical_id] = self._billed_ms.get(spec.logical_id, 0) + billed

    def prewarm(self) -> None:
        """Start one environment of every function, in the background (`make run`: the first
        request a newcomer makes does not wait for a cold start)."""

        def warm(spec: FunctionSpec) -> None:
            with contextlib.suppress(Exception):  # a failed init shows again on the first call
                self._pool(spec).prewarm()

        for spec in self.specs.values():
            name = f"prewarm-{spec.logical_id}"
            threading.Thread(target=warm, args=(spec,), name=name, daemon=True).start()

    def usage(self) -> dict[str, dict[str, int]]:
        """Per function: invocations, billed milliseconds (rounded up per call, as Lambda bills)
        and its configured memory, since the last reset."""
        with self._lock:
            return {
                name: {
                    "invocations": count,
                    "billed_ms": self._billed_ms.get(name, 0),
                    "memory_mb": self.specs[name].memory,
                    "log_bytes": LOG_BYTES.get(self.specs[name].name, 0),
                }
                for name, count in sorted(self._invocations.items())
            }

    def reset_usage(self) -> None:
        with self._lock:
            self._invocations.clear()
            self._billed_ms.clear()
        with _LOG_LOCK:
            LOG_BYTES.clear()

    def _run_async(self, spec: FunctionSpec, payload: Any) -> None:
        result = InvokeResult(202)
        for attempt in range(spec.async_retries + 1):
            if self._closed:
                return
            try:
                result = self._metered(spec, payload)
            except Exception as exc:  # the runtime is stopping
                print(f"[lambda] async {spec.name}: {exc}", file=sys.stderr)
                return
            if result.function_error is None:
                return
            error = result.payload if isinstance(result.payload, dict) else {}
            print(
                f"[lambda] async {spec.name} attempt {attempt + 1} failed: "
                f"{error.get('errorType')}: {error.get('errorMessage')}",
                file=sys.stderr,
            )
            if attempt < spec.async_retries:
                time.sleep(ASYNC_RETRY_DELAYS[min(attempt, len(ASYNC_RETRY_DELAYS) - 1)])
        self._send_failure(spec, payload, result, spec.async_retries + 1)

    def _send_failure(self, spec: FunctionSpec, payload: Any, result: InvokeResult, attempts: int) -> None:
        """Lambda's on-failure destination record, sent to the function's SQS destination."""
        if not spec.on_failure or not spec.on_failure.startswith("arn:aws:sqs:"):
            return
        import boto3

        record = {
            "version": "1.0",
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": f"{spec.arn}:$LATEST",
                "condition": "RetriesExhausted",
                "approximateInvokeCount": attempts,
            },
            "requestPayload": payload,
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": result.function_error or "Unhandled",
            },
            "responsePayload": result.payload,
        }
        sqs = boto3.client(
            "sqs",
            endpoint_url=self.aws_endpoint,
            region_name=self.template.region,
            **DUMMY_CREDENTIALS,
        )
        try:
            url = sqs.get_queue_url(QueueName=spec.on_failure.rsplit(":", 1)[-1])["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps(record))
        except Exception as exc:  # a failure record that cannot be sent is reported, as Lambda would
            print(f"[lambda] async {spec.name}: on-failure record not delivered: {exc}", file=sys.stderr)

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            pools = list(self._pools.values())
        self._async.shutdown(wait=False, cancel_futures=True)
        for pool in pools:
            pool.close()
