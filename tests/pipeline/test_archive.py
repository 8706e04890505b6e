"""A submission's tar.gz is unpacked within bounds, streaming (issue #23, item 5a): a gzip
bomb is refused with a message naming the limit and what to do, nothing decompressed or
written beyond the limit, nothing left."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest
from parcours.config import ParcoursConfig
from parcours.errors import BadInputError
from parcours.pipeline.archive import ArchiveTooLarge, unpack_bounded

MIB = 2**20


def _header(name: str, size: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = size
    return info.tobuf(format=tarfile.GNU_FORMAT)


def gzip_bomb(size: int = 2 * 2**30) -> bytes:
    """A tar.gz of one file of ``size`` zero bytes (2 GiB) in about 2 MiB: gzip members
    may follow each other, so one compressed MiB of zeros is repeated."""
    zeros = gzip.compress(b"\0" * MIB, compresslevel=9)
    end = gzip.compress(b"\0" * 1024)
    return b"".join([gzip.compress(_header("devoir/data.bin", size)), zeros * (size // MIB), end])


def _archive(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def test_defaults_are_configured() -> None:
    config = ParcoursConfig()
    assert (config.submission_max_mb, config.submission_max_files) == (100, 1000)


def test_a_gzip_bomb_is_refused_before_its_data(tmp_path: Path) -> None:
    bomb = gzip_bomb()
    assert len(bomb) < 3 * MIB
    folder = tmp_path / "submission"
    with pytest.raises(ArchiveTooLarge) as refused:
        unpack_bounded(bomb, folder, 100, 1000, "en")
    message = str(refused.value)
    assert "more than 100 MiB once unpacked" in message and "submit again" in message
    assert not folder.exists()  # nothing left
    with pytest.raises(ArchiveTooLarge) as refused:
        unpack_bounded(bomb, folder, 100, 1000, "fr")
    assert "100 Mio" in str(refused.value)


def test_many_files_within_the_size_are_refused_while_streaming(tmp_path: Path) -> None:
    """Files each under the limit, together over it: refused at the file that goes over,
    the ones written before removed; too many members: refused at the first beyond."""
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "kept.txt").write_text("mine")  # a folder that was there stays as it was
    chunks = _archive({f"part-{i}.bin": b"x" * (300 * 1024) for i in range(20)})
    with pytest.raises(ArchiveTooLarge):
        unpack_bounded(chunks, folder, 1, 1000, "en")
    assert sorted(p.name for p in folder.iterdir()) == ["kept.txt"]
    many = _archive({f"f{i}.txt": b"" for i in range(30)})
    with pytest.raises(ArchiveTooLarge) as refused:
        unpack_bounded(many, folder, 1, 10, "en")
    assert "more than 10 files and folders" in str(refused.value)
    assert sorted(p.name for p in folder.iterdir()) == ["kept.txt"]


def test_headers_alone_cannot_blow_up(tmp_path: Path) -> None:
    """A pax header of 200 MiB (no file data at all): the decompressed stream is bounded."""
    info = tarfile.TarInfo("a.txt")
    info.pax_headers = {"comment": "y" * (200 * MIB)}
    raw = info.tobuf(format=tarfile.PAX_FORMAT) + b"\0" * 1024
    with pytest.raises(ArchiveTooLarge):
        unpack_bounded(gzip.compress(raw, compresslevel=1), tmp_path / "s", 1, 10, "en")
    assert not (tmp_path / "s").exists()


def test_an_ordinary_submission_unpacks(tmp_path: Path) -> None:
    files = unpack_bounded(
        _archive({"devoir.ipynb": b"{}", "data/ventes.csv": b"a;b\n"}), tmp_path / "s", 1, 10
    )
    assert [p.relative_to(tmp_path / "s").as_posix() for p in files] == [
        "data/ventes.csv",
        "devoir.ipynb",
    ]
    with pytest.raises(BadInputError) as broken:
        unpack_bounded(b"not gzip", tmp_path / "t", 1, 10, "en")
    assert not isinstance(broken.value, ArchiveTooLarge)
    assert not (tmp_path / "t").exists()
