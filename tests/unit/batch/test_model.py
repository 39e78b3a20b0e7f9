"""Batch counters and statuses as clients see them."""

from __future__ import annotations

import pytest

from tracktion.batch.model import Batch, final_status, progress_message, resolve_options
from tracktion.errors import ValidationFailed


def _batch(**kw):
    return Batch(batch_id="b1", owner_id="u1", total=10, **kw)


@pytest.mark.parametrize(
    "status", ["queued", "processing", "completed", "partially_failed", "failed", "cancelled"]
)
@pytest.mark.parametrize(("completed", "failed"), [(0, 0), (3, 2), (10, 0), (0, 10), (7, 3)])
def test_job_counts_always_add_up_to_the_total(status, completed, failed):
    jobs = _batch(status=status, completed=completed, failed=failed).jobs_status()

    assert jobs["completed"] + jobs["failed"] + jobs["pending"] + jobs["cancelled"] == jobs["total"] == 10


def test_cancelled_batch_counts_unfinished_items_as_cancelled_not_pending():
    jobs = _batch(status="cancelled", completed=3, failed=1).jobs_status()

    assert (jobs["pending"], jobs["cancelled"]) == (0, 6)


def test_queued_batch_shows_processing_once_an_item_finished():
    assert _batch(status="queued").shown_status == "queued"
    assert _batch(status="queued", completed=1).shown_status == "processing"


@pytest.mark.parametrize(
    ("completed", "failed", "status"),
    [(5, 0, "completed"), (3, 2, "partially_failed"), (0, 5, "failed"), (0, 0, "completed")],
)
def test_final_status_follows_the_counts(completed, failed, status):
    assert final_status(completed, failed) == status


def test_progress_message_has_the_seed_fields_and_a_sequence():
    message = progress_message(_batch(status="queued", completed=4, failed=1))

    assert {"batch_id", "status", "progress", "jobs_status", "timestamp"} <= set(message)
    assert message["progress"] == 50.0
    assert message["sequence"] == 5
    assert message["final"] is False


def test_explicit_options_win_over_the_template_preset_and_unknown_formats_are_refused():
    assert resolve_options("dj_set", {"cue_format": "serato"}).cue_format == "serato"
    assert resolve_options("dj_set", None).generate_cue is True
    with pytest.raises(ValidationFailed):
        resolve_options(None, {"cue_format": "wav"})
