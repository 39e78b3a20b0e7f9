"""One Lambda execution environment: a process that runs one function's handler, one call at a time.

Started by local.lambdas with the function's own environment. It speaks JSON lines on its
original stdout (one request in on stdin, one answer out); whatever the handler prints goes
to stderr, as a Lambda's logs go to CloudWatch. The handler module is imported at start (the
init phase of a cold start; the first line out says whether it worked) and stays warm.

Run as a script, so nothing of the project but the function's code and layer is importable.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any

# Running as a script puts local/ on sys.path; a Lambda sees only its code and its layers.
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    sys.path.pop(0)


class LambdaContext:
    """The attributes of the Lambda Python runtime's context object."""

    def __init__(self, request_id: str, deadline: float) -> None:
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.invoked_function_arn = os.environ.get("LOCAL_FUNCTION_ARN", "")
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))


def _error(exc: BaseException, error_type: str | None = None, message: str | None = None) -> dict[str, Any]:
    return {
        "errorMessage": message if message is not None else str(exc),
        "errorType": error_type or type(exc).__name__,
        # Lambda's trace starts in the handler, not in the runtime that called it.
        "stackTrace": traceback.format_list(traceback.extract_tb(exc.__traceback__)[1:]),
    }


def _load_handler(spec: str) -> Any:
    module_name, _, func_name = spec.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise _InitError(
            _error(exc, "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}")
        ) from exc
    handler = getattr(module, func_name, None)
    if handler is None:
        raise _InitError(
            {
                "errorMessage": f"Handler '{func_name}' missing on module '{module_name}'",
                "errorType": "Runtime.HandlerNotFound",
                "stackTrace": [],
            }
        )
    return handler


class _InitError(Exception):
    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(payload["errorMessage"])
        self.payload = payload


def main() -> None:
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # the handler's prints (and Powertools' logs) go to stderr
    sys.stdout = sys.stderr
    # Init phase, as Lambda's: import the handler module before the first event arrives.
    handler: Any = None
    try:
        handler = _load_handler(os.environ["_HANDLER"])
        ready: dict[str, Any] = {"ok": True}
    except _InitError as exc:
        traceback.print_exc()
        ready = {"ok": False, "payload": json.dumps(exc.payload)}
    protocol.write(json.dumps(ready) + "\n")
    protocol.flush()
    if handler is None:
        return
    for line in sys.stdin:
        request = json.loads(line)
        answer: dict[str, Any]
        try:
            context = LambdaContext(request["request_id"], request["deadline"])
            result = handler(request["payload"], context)
            try:
                answer = {"ok": True, "payload": json.dumps(result)}
            except (TypeError, ValueError) as exc:
                message = f"Unable to marshal response: {exc}"
                answer = {"ok": False, "payload": json.dumps(_error(exc, "Runtime.MarshalError", message))}
        except Exception as exc:
            traceback.print_exc()
            answer = {"ok": False, "payload": json.dumps(_error(exc))}
        protocol.write(json.dumps(answer) + "\n")
        protocol.flush()


if __name__ == "__main__":
    main()
