"""Unpack a submission sent as a tar.gz, within bounds, streaming.

A 2 MiB gzip body can expand to gigabytes (a "gzip bomb"), or hold a million empty files.
:func:`unpack_bounded` reads the archive as a stream and refuses it (:class:`ArchiveTooLarge`)
as soon as what it unpacks to goes over the limits — the size announced by the members
read so far, the number of members, and the bytes gzip has produced at all (headers
included) — so no more than the limit is ever decompressed or written, and what was
written before the refusal is removed.
"""

from __future__ import annotations

import gzip
import io
import shutil
import tarfile
from pathlib import Path
from typing import Protocol

from ..errors import BadInputError
from ..i18n import _

#: decompressed bytes allowed beyond the files' own sizes: tar headers (512 bytes, more
#: with long names), the padding of each file to 512 bytes, the end-of-archive blocks
SLACK_PER_MEMBER = 8192
SLACK = 2**20


class ArchiveTooLarge(BadInputError):
    """An archive unpacks to more than its limits allow (HTTP 413 on the hub)."""


class _Readable(Protocol):
    """What is read from: a file object giving bytes."""

    def read(self, size: int = -1, /) -> bytes: ...


class _Bounded(io.RawIOBase):
    """A readable stream that fails once more than ``limit`` bytes were read from it."""

    def __init__(self, stream: _Readable, limit: int, refuse: ArchiveTooLarge):
        self.stream, self.limit, self.seen, self.refuse = stream, limit, 0, refuse

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.stream.read(min(len(buffer), self.limit + 1 - self.seen))
        self.seen += len(data)
        if self.seen > self.limit:
            raise self.refuse
        buffer[: len(data)] = data
        return len(data)


def _refusal(max_mb: float, max_files: int, lang: str | None, files: bool) -> ArchiveTooLarge:
    if files:
        text = _(
            "the files sent hold more than {limit} files and folders, the most a submission "
            "may hold; remove the files the assignment does not need (outputs, copies of "
            "data, environments) from the folder and submit again.",
            lang,
        ).format(limit=max_files)
    else:
        text = _(
            "the files sent take more than {limit} MiB once unpacked, the most a submission "
            "may take; remove the large files the assignment does not need (data, outputs, "
            "archives) from the folder and submit again.",
            lang,
        ).format(limit=f"{max_mb:g}")
    return ArchiveTooLarge(text)


def unpack_bounded(
    data: bytes,
    folder: Path,
    max_mb: float,
    max_files: int,
    lang: str | None = None,
) -> list[Path]:
    """Extract tar.gz ``data`` into ``folder`` (made if needed): regular files and folders
    only, inside it (the ``data`` filter refuses links, devices and paths leaving it).

    :class:`ArchiveTooLarge` when it unpacks to more than ``max_mb`` MiB or holds more than
    ``max_files`` members (checked while reading: nothing beyond the limits is
    decompressed or written); :class:`BadInputError` when it is not a readable tar.gz. On
    either, nothing unpacked is left in ``folder``. Messages in ``lang`` (default: the
    language in force)."""
    max_bytes = int(max_mb * 2**20)
    made = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    stream_limit = max_bytes + max_files * SLACK_PER_MEMBER + SLACK
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data), mode="rb") as unzipped:
            bounded = io.BufferedReader(
                _Bounded(unzipped, stream_limit, _refusal(max_mb, max_files, lang, False))
            )
            with tarfile.open(fileobj=bounded, mode="r|") as tar:
                total, count = 0, 0
                for member in tar:
                    count += 1
                    if count > max_files:
                        raise _refusal(max_mb, max_files, lang, True)
                    if not (member.isfile() or member.isdir()):
                        continue
                    total += max(member.size, 0)
                    if total > max_bytes:
                        raise _refusal(max_mb, max_files, lang, False)
                    written.append(folder / member.name)
                    tar.extract(member, folder, filter="data")
    except ArchiveTooLarge:
        _remove(folder, written, made)
        raise
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        _remove(folder, written, made)
        raise BadInputError(
            _(
                "the files sent are not a readable tar.gz archive ({reason}); send the "
                "folder again with `parcours submit`.",
                lang,
            ).format(reason=exc)
        ) from None
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _remove(folder: Path, written: list[Path], made: bool) -> None:
    """Remove what an unpacking that failed wrote (the whole folder if it made it)."""
    if made:
        shutil.rmtree(folder, ignore_errors=True)
        return
    for path in reversed(written):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


__all__ = ["ArchiveTooLarge", "unpack_bounded"]
