"""Operations in template.yaml: every function has its alarms, every asynchronous path its
failure destination, every table, queue and state machine its alarm, every alarm its runbook.

Read from the template itself, so a function, table or async path added by anyone is checked
without touching this test.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.contract.template_functions import FUNCTIONS_DIR, ROOT, load_template

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE.resources
RUNBOOK = (ROOT / "docs" / "operations.md").read_text()
FUNCTIONS = sorted(TEMPLATE.of_type("AWS::Serverless::Function"))
ALARMS = {k: v["Properties"] for k, v in RESOURCES.items() if v.get("Type") == "AWS::CloudWatch::Alarm"}
# Event sources Lambda invokes asynchronously (S3 notifications, EventBridge rules and schedules).
ASYNC_EVENT_TYPES = {"S3", "Schedule", "ScheduleV2", "EventBridgeRule", "CloudWatchEvent", "SNS"}
# The handler runs its own background jobs (tracktion.async_jobs: InvocationType=Event).
SELF_INVOKING = re.compile(r"\bserve_or_dispatch\b|\basync_jobs\.start\b")


def _refs(value: Any) -> set[str]:
    """Every logical id a property value references (Ref, GetAtt, ${X} in Sub)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                found.add(inner[0] if isinstance(inner, list) else str(inner).split(".")[0])
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) else inner
                found.update(m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", str(text)))
            found |= _refs(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= _refs(inner)
    return found


def _alarms_on(logical_id: str) -> list[dict[str, Any]]:
    return [a for a in ALARMS.values() if logical_id in _refs(a.get("Dimensions")) | _refs(a.get("Metrics"))]


def _metric_names(alarm: dict[str, Any]) -> set[str]:
    names = {str(alarm.get("MetricName", ""))}
    for metric in alarm.get("Metrics") or []:
        names.add(str(((metric.get("MetricStat") or {}).get("Metric") or {}).get("MetricName", "")))
    return names - {""}


def _handler_source(logical_id: str) -> str:
    handler = str(TEMPLATE.function_property(logical_id, "Handler", ""))
    package = handler.split(".", 1)[0]
    path = FUNCTIONS_DIR / package / "handler.py"
    return path.read_text() if path.exists() else ""


def _is_async(logical_id: str) -> bool:
    events = (RESOURCES[logical_id].get("Properties") or {}).get("Events") or {}
    if any(e.get("Type") in ASYNC_EVENT_TYPES for e in events.values()):
        return True
    return bool(SELF_INVOKING.search(_handler_source(logical_id)))


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_function_has_error_throttle_and_p99_duration_alarms(function: str) -> None:
    alarms = _alarms_on(function)
    metrics = {m for a in alarms for m in _metric_names(a)}
    assert {"Errors", "Throttles", "Duration"} <= metrics, f"{function} alarms on {sorted(metrics)}"
    duration = [a for a in alarms if a.get("MetricName") == "Duration"]
    assert duration and all(a.get("ExtendedStatistic") == "p99" for a in duration)
    timeout_ms = 1000 * float(TEMPLATE.resolve(TEMPLATE.function_property(function, "Timeout", 3)))
    # Below the timeout, or the alarm would only fire once invocations are already being killed.
    assert all(float(a["Threshold"]) < timeout_ms for a in duration), (function, timeout_ms)


@pytest.mark.parametrize("function", [f for f in FUNCTIONS if _is_async(f)])
def test_every_asynchronous_path_has_an_on_failure_destination_watched_by_an_alarm(function: str) -> None:
    config = (RESOURCES[function]["Properties"] or {}).get("EventInvokeConfig") or {}
    destination = ((config.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    assert destination, f"{function} is invoked asynchronously but a failed invocation goes nowhere"
    (queue,) = _refs(destination)
    assert RESOURCES[queue]["Type"] == "AWS::SQS::Queue"
    assert any("ApproximateNumberOfMessagesVisible" in _metric_names(a) for a in _alarms_on(queue))
    # The redrive path: MaintenanceFunction may read the queue and invoke the function again.
    maintenance = RESOURCES["MaintenanceFunction"]["Properties"]
    assert queue in _refs(maintenance["Environment"]), "the redrive does not know the queue"
    policies = maintenance.get("Policies") or []
    invokable = {
        str(TEMPLATE.resolve(p["LambdaInvokePolicy"]["FunctionName"]))
        for p in policies
        if isinstance(p, dict) and "LambdaInvokePolicy" in p
    }
    assert TEMPLATE.physical_name(function) in invokable, f"the redrive may not invoke {function}"


def test_the_async_paths_the_issue_names_are_found() -> None:
    """CUE jobs, import jobs and the S3 trigger: the discovery above cannot miss them silently."""
    found = {f for f in FUNCTIONS if _is_async(f)}
    assert {"CueFunction", "TracklistsFunction", "CueTriggerFunction"} <= found


@pytest.mark.parametrize("table", sorted(TEMPLATE.of_type("AWS::DynamoDB::Table")))
def test_every_table_has_a_throttle_alarm(table: str) -> None:
    metrics = {m for a in _alarms_on(table) for m in _metric_names(a)}
    assert {"ReadThrottleEvents", "WriteThrottleEvents"} <= metrics, table


@pytest.mark.parametrize(
    "machine", sorted(TEMPLATE.of_type("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine"))
)
def test_every_state_machine_has_a_failed_executions_alarm(machine: str) -> None:
    assert "ExecutionsFailed" in {m for a in _alarms_on(machine) for m in _metric_names(a)}


@pytest.mark.parametrize("alarm", sorted(ALARMS))
def test_every_alarm_notifies_and_names_its_runbook_entry(alarm: str) -> None:
    props = ALARMS[alarm]
    assert "AlarmTopic" in _refs(props.get("AlarmActions")), f"{alarm} notifies nobody"
    entry = re.search(r"Runbook: docs/operations.md, ([^.]+)\.", str(props.get("AlarmDescription", "")))
    assert entry, f"{alarm} does not name its runbook entry"
    heading = f"### {entry.group(1)}"
    assert heading in RUNBOOK, f"docs/operations.md has no '{heading}'"
    section = RUNBOOK.split(heading, 1)[1].split("\n### ", 1)[0]
    # What it means, then the first three things to check.
    assert re.search(r"^1\. .+^2\. .+^3\. ", section, re.M | re.S), f"'{heading}' lists no three first checks"


def test_the_http_api_writes_access_logs_with_the_correlation_id() -> None:
    (api,) = TEMPLATE.of_type("AWS::Serverless::HttpApi")
    settings = RESOURCES[api]["Properties"]["AccessLogSettings"]
    assert _refs(settings["DestinationArn"]) == {"ApiAccessLogGroup"}
    assert "$context.authorizer.correlation_id" in settings["Format"]
    assert "$context.requestId" in settings["Format"]


def test_every_function_and_state_machine_is_traced() -> None:
    for function in FUNCTIONS:
        assert TEMPLATE.function_property(function, "Tracing") == "Active", function
    for machine in TEMPLATE.of_type("AWS::Serverless::StateMachine"):
        assert RESOURCES[machine]["Properties"]["Tracing"] == {"Enabled": True}


def test_a_dashboard_shows_the_alarmed_signals() -> None:
    (dashboard,) = TEMPLATE.of_type("AWS::CloudWatch::Dashboard")
    body = str(RESOURCES[dashboard]["Properties"]["DashboardBody"])
    for signal in ("Errors", "Throttles", "Duration", "ThrottleEvents", "ExecutionsFailed", "5xx"):
        assert signal in body, signal
