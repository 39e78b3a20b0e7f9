"""Standard five-field cron (`m h dom mon dow`) to EventBridge Scheduler's `cron(...)`.

The two dialects differ: Scheduler wants six fields (a year), exactly one of day-of-month
and day-of-week set to `?`, numbers days of the week 1-7 from Sunday (cron: 0-7, 0 and 7
both Sunday), and allows no step in day-of-week. Expressions Scheduler cannot say the same
way (both day fields restricted, which cron reads as "either") are refused, not altered.
"""

from __future__ import annotations

import re

from tracktion.errors import ValidationFailed

_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
_FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day-of-month", 1, 31),
    ("month", 1, 12),
    ("day-of-week", 0, 7),
)
_ALIASES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}


class InvalidCron(ValidationFailed):
    error_code = "INVALID_CRON_EXPRESSION"

    def __init__(self, expression: str, reason: str) -> None:
        super().__init__(
            f"Invalid cron expression: {reason}",
            details={"cron_expression": expression[:120], "reason": reason},
        )


def _value(token: str, field: str, low: int, high: int, expression: str) -> int:
    names = _MONTHS if field == "month" else _DAYS if field == "day-of-week" else None
    if names and token.upper() in names:
        return names.index(token.upper()) + (1 if field == "month" else 0)
    if not token.isdigit():
        raise InvalidCron(expression, f"{field} value {token!r} is not a number")
    number = int(token)
    if not low <= number <= high:
        raise InvalidCron(expression, f"{field} value {number} is outside {low}-{high}")
    return number


def _check(part: str, field: str, low: int, high: int, expression: str) -> str:
    """Validate one field; returns it unchanged (numbers) for minute/hour/dom/month."""
    for item in part.split(","):
        base, _, step = item.partition("/")
        if step and (not step.isdigit() or int(step) == 0):
            raise InvalidCron(expression, f"{field} step {step!r} is not a positive number")
        if base == "*":
            continue
        start, _, end = base.partition("-")
        first = _value(start, field, low, high, expression)
        if end and _value(end, field, low, high, expression) < first:
            raise InvalidCron(expression, f"{field} range {base!r} runs backwards")
    return part.upper()


def _day_of_week(part: str, expression: str) -> str:
    if "/" in part:
        raise InvalidCron(expression, "steps in day-of-week cannot be scheduled; list the days")

    def name(token: str) -> str:
        return _DAYS[_value(token, "day-of-week", 0, 7, expression) % 7]

    out = []
    for item in part.split(","):
        start, _, end = item.partition("-")
        if end:
            first, last = (
                _value(start, "day-of-week", 0, 7, expression),
                _value(end, "day-of-week", 0, 7, expression),
            )
            if last < first:
                raise InvalidCron(expression, f"day-of-week range {item!r} runs backwards")
            # 0-7 style ranges ending on Sunday (7) are spelled as a list: Scheduler wants SUN first.
            out.append(f"{name(start)}-{name(end)}" if last < 7 else f"{name(start)}-SAT,SUN")
        else:
            out.append(name(start))
    return ",".join(out)


def to_scheduler(expression: str) -> str:
    """`*/15 6-18 * * 1-5` → `cron(*/15 6-18 ? * MON-FRI *)`; InvalidCron (422) otherwise."""
    text = _ALIASES.get(expression.strip().lower(), expression.strip())
    fields = re.split(r"\s+", text)
    if len(fields) != 5:
        raise InvalidCron(expression, "expected five fields: minute hour day-of-month month day-of-week")
    minute, hour, dom, month, dow = (
        _check(part, name, low, high, expression)
        for part, (name, low, high) in zip(fields, _FIELDS, strict=True)
    )
    dom_any, dow_any = dom in ("*", "?"), dow in ("*", "?")
    if not dom_any and not dow_any:
        raise InvalidCron(expression, "restrict day-of-month or day-of-week, not both")
    if dow_any:
        dom_out, dow_out = ("*" if dom == "?" else dom), "?"
    else:
        dom_out, dow_out = "?", _day_of_week(dow, expression)
    return f"cron({minute} {hour} {dom_out} {month} {dow_out} *)"
