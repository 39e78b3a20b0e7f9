"""Every history parser, fed random bytes and mutated real samples, answers a History or one of
our typed errors (INVALID_FORMAT / UNSUPPORTED_FORMAT / VALIDATION_ERROR), never anything else;
and an import that fails stores nothing.

The samples are our own (tests/fixtures/dj-histories) and, when ../shared is present, the real
ones of ../shared/fixtures/dj-histories (read in place).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SHARED_FIXTURES
from tests.mutations import mutate
from tracktion.errors import TracktionError
from tracktion.histories import mixxx, rekordbox_txt, serato_session, serato_text, traktor, virtualdj
from tracktion.histories.detect import read_history
from tracktion.histories.importer import import_from_file
from tracktion.histories.model import History, HistoryOptions, assemble

OWN = Path(__file__).resolve().parents[2] / "fixtures" / "dj-histories"
SHARED = SHARED_FIXTURES / "dj-histories"
SAMPLES = sorted(OWN.iterdir()) + sorted(p for p in SHARED.glob("*/*") if p.is_file())
BYTES = {p.name: p.read_bytes() for p in SAMPLES}
PARSERS: dict[str, Callable[[bytes], History]] = {
    "serato_csv": serato_text.parse_csv,
    "serato_txt": serato_text.parse_txt,
    "serato_session": serato_session.parse_session,
    "traktor_nml": traktor.parse_nml,
    "rekordbox_txt": rekordbox_txt.parse_txt,
    "virtualdj_m3u": lambda data: virtualdj.parse_m3u(data, "2026-03-06.m3u"),
    "virtualdj_tracklist": virtualdj.parse_tracklist,
    "mixxx_text": mixxx.parse_text,
    "mixxx_csv": mixxx.parse_csv,
}

options = st.builds(
    HistoryOptions,
    recording_start=st.none()
    | st.datetimes(min_value=datetime(1995, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)),
    timezone=st.none() | st.sampled_from([ZoneInfo("Europe/Helsinki"), ZoneInfo("America/New_York")]),
    min_play_seconds=st.sampled_from([0.0, 30.0, 600.0]),
    include_unplayed=st.booleans(),
    merge_duplicates=st.booleans(),
)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A real sample with bytes flipped, cut, repeated or spliced in."""
    return mutate(draw, BYTES, max_cut=200, separators="0123456789:.,/-9")


def read_or_typed(parse: Callable[[bytes], History], data: bytes, opts: HistoryOptions) -> None:
    try:
        history = parse(data)
        assemble(history, opts)
    except TracktionError as exc:
        assert exc.error_code in {"INVALID_FORMAT", "UNSUPPORTED_FORMAT", "VALIDATION_ERROR"}, exc
        assert 400 <= exc.status < 500


@pytest.mark.parametrize("name", sorted(PARSERS))
@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=2048), opts=options)
def test_random_bytes_give_only_typed_errors(name: str, data: bytes, opts: HistoryOptions) -> None:
    read_or_typed(PARSERS[name], data, opts)


@pytest.mark.parametrize("name", sorted(PARSERS))
@settings(max_examples=200, deadline=None)
@given(data=mutated(), opts=options)
def test_mutated_samples_give_only_typed_errors(name: str, data: bytes, opts: HistoryOptions) -> None:
    read_or_typed(PARSERS[name], data, opts)


@settings(max_examples=400, deadline=None)
@given(data=mutated(), opts=options)
def test_detection_reads_mutated_samples_or_refuses_them(data: bytes, opts: HistoryOptions) -> None:
    read_or_typed(lambda d: read_history(d, opts, "sample"), data, opts)


def tracklist_count() -> int:
    ddb = boto3.client("dynamodb")
    table = next(t for t in ddb.list_tables()["TableNames"] if "racklists" in t)
    scan = ddb.scan(
        TableName=table,
        Select="COUNT",
        FilterExpression="sk = :tl",
        ExpressionAttributeValues={":tl": {"S": "TL"}},
    )
    return int(scan["Count"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=mutated(), opts=options)
def test_a_failed_import_stores_nothing(aws: dict[str, str], data: bytes, opts: HistoryOptions) -> None:
    before = tracklist_count()
    try:
        import_from_file("fuzz-owner", data, opts, filename="sample")
    except TracktionError as exc:
        assert 400 <= exc.status < 500, exc
        assert tracklist_count() == before
    else:
        assert tracklist_count() in (before, before + 1)  # created, or the same file updated
