"""What a batch import is: its request, its options presets, its counters and its progress message.

A batch is one owner's list of source URLs imported by the BatchImport state machine. Its
counters (`completed`, `failed`) only grow, one atomic update per finished item, so every
figure shown to a client is derived from them and always adds up to `total`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError, field_validator

from tracktion.clock import iso
from tracktion.errors import ValidationFailed
from tracktion.models import Model

Priority = Literal["low", "normal", "high", "urgent"]
BatchTemplate = Literal["dj_set", "radio_show", "festival"]
BatchStatus = Literal["queued", "processing", "completed", "partially_failed", "failed", "cancelled"]

ACTIVE_STATUSES: frozenset[str] = frozenset({"queued", "processing"})
FINAL_STATUSES: frozenset[str] = frozenset({"completed", "partially_failed", "failed", "cancelled"})

MAX_URLS_PER_BATCH = 1000
# Each URL costs what a single import costs (the import route's weight), charged up front.
TOKENS_PER_URL = 10

# How many items the Map state runs at once. The politeness budget to the source is shared,
# so more concurrency mostly overlaps parsing and CUE generation with the wait for the budget.
MAX_CONCURRENCY: dict[str, int] = {"low": 1, "normal": 4, "high": 8, "urgent": 16}


class BatchOptions(Model):
    """What to do with each imported tracklist."""

    model_config = ConfigDict(extra="forbid")

    generate_cue: bool = False
    cue_format: str = "standard"
    # Many source pages lack some start times; a batch estimates them rather than failing.
    gap_handling: Literal["error", "estimate", "skip"] = "estimate"
    force_refresh: bool = False

    @field_validator("cue_format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        from tracktion.cue.dialects import DIALECTS

        if value not in DIALECTS:
            raise ValueError(f"unknown CUE format; one of {', '.join(sorted(DIALECTS))}")
        return value


# Presets named by the kind of recording; explicit options given with a template win.
TEMPLATE_PRESETS: dict[str, dict[str, Any]] = {
    # Club and mix sets go to the decks: CDJ-safe files.
    "dj_set": {"generate_cue": True, "cue_format": "cdj"},
    "radio_show": {"generate_cue": True, "cue_format": "standard"},
    # Festival tracklists keep being completed (IDs identified) for days: always refetch.
    "festival": {"generate_cue": True, "cue_format": "standard", "force_refresh": True},
}


def resolve_options(template: str | None, given: dict[str, Any] | None) -> BatchOptions:
    """The template's preset overlaid with the options the client spelled out (422 if invalid)."""
    base = dict(TEMPLATE_PRESETS.get(template or "", {}))
    base.update({k: v for k, v in (given or {}).items() if v is not None})
    try:
        return BatchOptions.model_validate(base)
    except ValidationError as exc:
        errors = [{"loc": ["options", *e["loc"]], "msg": e["msg"]} for e in exc.errors()]
        raise ValidationFailed("Invalid batch options", details={"errors": errors}) from exc


class BatchItem(Model):
    """One URL of a batch, as the state machine's Map hands it to the worker."""

    index: int = Field(ge=0)
    url: str


class Batch(Model):
    """The batch record. `items` holds the unique URLs in submission order."""

    batch_id: str
    owner_id: str
    status: BatchStatus = "queued"
    priority: Priority = "normal"
    template: BatchTemplate | None = None
    options: BatchOptions = Field(default_factory=BatchOptions)
    items: list[BatchItem] = Field(default_factory=list)
    total: int = 0
    completed: int = 0
    failed: int = 0
    duplicates_removed: int = 0
    execution_arn: str | None = None
    schedule_id: str | None = None
    created_at: str = Field(default_factory=iso)
    started_at: str | None = None
    completed_at: str | None = None
    cancelled_at: str | None = None
    estimated_completion: str | None = None
    # Last change of the record (an item counted, finished, cancelled); older records lack it.
    updated_at: str | None = None
    # Why the batch could not run at all (its execution did not start, or it was not paid).
    start_error: str | None = None
    # The admin who asked for the batch on the owner's behalf; None when the owner asked.
    submitted_by: str | None = None

    @property
    def processed(self) -> int:
        return self.completed + self.failed

    @property
    def shown_status(self) -> str:
        """`queued` until the first item finishes, then `processing`, then the final status."""
        if self.status == "queued" and self.processed:
            return "processing"
        return self.status

    def jobs_status(self) -> dict[str, int]:
        """Counts that always add up to `total`, whatever state the batch is in."""
        remaining = max(0, self.total - self.processed)
        # A finished batch runs nothing more: what it never ran was cancelled by its owner, or
        # failed with the batch (its execution could not start or ended early; `error` says why).
        cancelled = remaining if self.status == "cancelled" else 0
        never_ran = remaining if self.status in FINAL_STATUSES and self.status != "cancelled" else 0
        return {
            "total": self.total,
            "completed": self.completed,
            "failed": self.failed + never_ran,
            "pending": remaining - cancelled - never_ran,
            "cancelled": cancelled,
        }

    def documented_jobs_status(self) -> dict[str, int]:
        """`jobs_status` as the reference names it (queued, processing, completed, failed), plus ours.

        Nothing tracks which item is in flight; what is known exactly is that the Map state runs
        `MAX_CONCURRENCY[priority]` items at a time while the batch is active. So `processing`
        is the unfinished items the Map is running (at most that many) and `queued` the rest
        waiting for a slot. A finished batch has neither. Every figure adds up to `total`.
        """
        counts = self.jobs_status()
        active = self.status in ACTIVE_STATUSES
        processing = min(counts["pending"], MAX_CONCURRENCY.get(self.priority, 1)) if active else 0
        return {
            "queued": counts["pending"] - processing,
            "processing": processing,
            **counts,
        }

    @property
    def last_change(self) -> str:
        """`updated_at`, or for records written before it was kept, the latest stamp they have."""
        stamps = [self.created_at, self.started_at, self.completed_at, self.cancelled_at, self.updated_at]
        return max(s for s in stamps if s)

    @property
    def error(self) -> str | None:
        """The reference's `error`: null, or why the batch (not one item) went wrong."""
        if self.start_error:
            return self.start_error
        if self.status in ("failed", "partially_failed") and self.failed:
            return (
                f"{self.failed} of {self.total} item(s) failed; "
                "GET .../status?include_errors=true lists each error"
            )
        return None

    @property
    def progress_percentage(self) -> float:
        return round(100.0 * self.processed / self.total, 1) if self.total else 100.0


def final_status(completed: int, failed: int) -> BatchStatus:
    """What a batch that ran to its end became."""
    if failed == 0:
        return "completed"
    return "failed" if completed == 0 else "partially_failed"


def progress_message(batch: Batch, *, item: dict[str, Any] | None = None) -> dict[str, Any]:
    """The WebSocket message as the reference documents it, plus a `sequence` = items finished so far.

    `progress` is whole percent (the reference's `75`); the exact figure is `progress_percentage`.

    Items finish concurrently, so a client orders messages by `sequence`; the final message
    (`final: true`) is always sent after every item's message.
    """
    message: dict[str, Any] = {
        "type": "batch.progress",
        "batch_id": batch.batch_id,
        "status": batch.shown_status,
        "progress": int(batch.progress_percentage),
        "progress_percentage": float(batch.progress_percentage),
        "jobs_status": batch.documented_jobs_status(),
        "sequence": batch.processed,
        "final": batch.status in FINAL_STATUSES,
        "timestamp": iso(),
    }
    if item is not None:
        message["item"] = item
    return message
