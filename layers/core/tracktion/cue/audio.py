"""The real duration of an audio object, read by mutagen from the object's header.

mutagen reads through a seekable file object that fetches only the byte ranges it asks for,
so a two-hour WAV costs a few kilobytes of S3 reads, not the whole file. The caller may name
an object only inside our bucket under their own prefixes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from tracktion.config import settings
from tracktion.errors import NotFound, ValidationFailed
from tracktion.storage.aws import client

BLOCK = 64 * 1024
MAX_BLOCKS = 32
OWNER_PREFIXES = ("incoming/{owner}/", "audio/{owner}/")


class AudioFileNotFound(NotFound):
    def __init__(self, ref: str) -> None:
        super().__init__("Audio file not found", details={"audio_file": ref})


class UnreadableAudio(ValidationFailed):
    error_code = "UNREADABLE_AUDIO"


@dataclass(frozen=True)
class AudioInfo:
    key: str
    duration_seconds: float
    format: str
    sample_rate: int | None
    channels: int | None
    size: int
    bytes_read: int

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "duration_seconds": round(self.duration_seconds, 3),
            "format": self.format,
            "sample_rate": self.sample_rate,
            "channels": self.channels,
            "size": self.size,
            "bytes_read": self.bytes_read,
        }


class S3RangeFile(io.RawIOBase):
    """A read-only, seekable view of one S3 object that fetches 64 KiB blocks on demand."""

    def __init__(self, bucket: str, key: str, size: int) -> None:
        self.bucket, self.key, self.size, self.name = bucket, key, size, key.rsplit("/", 1)[-1]
        self._pos = 0
        self._blocks: dict[int, bytes] = {}
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def _block(self, n: int) -> bytes:
        if n not in self._blocks:
            if len(self._blocks) >= MAX_BLOCKS:
                self._blocks.pop(next(iter(self._blocks)))
            start = n * BLOCK
            end = min(self.size, start + BLOCK) - 1
            body = client("s3").get_object(Bucket=self.bucket, Key=self.key, Range=f"bytes={start}-{end}")
            self._blocks[n] = body["Body"].read()
            self.bytes_read += len(self._blocks[n])
        return self._blocks[n]

    def readinto(self, buffer: Any) -> int:
        if self._pos >= self.size:
            return 0
        block, offset = divmod(self._pos, BLOCK)
        chunk = self._block(block)[offset : offset + len(buffer)]
        buffer[: len(chunk)] = chunk
        self._pos += len(chunk)
        return len(chunk)


def resolve(ref: str, owner_id: str) -> str:
    """The key of an audio object the caller may read: `s3://<our bucket>/<key>` or a bare key,
    under incoming/{owner}/ or audio/{owner}/. Anything else answers like a missing file."""
    bucket = settings().cue_bucket
    key = ref
    if ref.startswith("s3://"):
        named_bucket, _, key = ref[5:].partition("/")
        if named_bucket != bucket:
            raise AudioFileNotFound(ref)
    key = key.lstrip("/")
    if ".." in key.split("/") or not any(key.startswith(p.format(owner=owner_id)) for p in OWNER_PREFIXES):
        raise AudioFileNotFound(ref)
    return key


def duration(ref: str, owner_id: str) -> AudioInfo:
    import mutagen  # only the validation routes need it: kept off the cold-start path
    from botocore.exceptions import ClientError

    key = resolve(ref, owner_id)
    bucket = settings().cue_bucket
    try:
        head = client("s3").head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        raise AudioFileNotFound(ref) from exc
    reader = S3RangeFile(bucket, key, int(head["ContentLength"]))
    try:
        audio = mutagen.File(io.BufferedReader(reader, buffer_size=8192))
    except mutagen.MutagenError as exc:
        raise UnreadableAudio(f"Cannot read the audio header: {exc}", details={"audio_file": ref}) from exc
    if audio is None or not getattr(audio.info, "length", 0):
        raise UnreadableAudio("Not an audio file mutagen can read", details={"audio_file": ref})
    return AudioInfo(
        key=key,
        duration_seconds=float(audio.info.length),
        format=type(audio).__name__.lower(),
        sample_rate=getattr(audio.info, "sample_rate", None),
        channels=getattr(audio.info, "channels", None),
        size=reader.size,
        bytes_read=reader.bytes_read,
    )
