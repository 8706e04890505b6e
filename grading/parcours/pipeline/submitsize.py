"""What a submission may weigh: a learner's folder weighed as nbgrader's exchange copies
it, and what is left out of it (never a notebook) when it is over the course's limits
(:class:`.exchange.ParcoursSubmit` applies it, and writes :data:`LEFT_OUT_FILE`)."""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path

#: in a submission that was too big: what was left out of it, and why (JSON)
LEFT_OUT_FILE = "parcours-left-out.json"


@dataclass(frozen=True)
class SubmissionSize:
    """A submission folder weighed against nbgrader's limits (``CourseDirectory``'s
    ``max_dir_size`` and ``max_file_size``, in bytes here)."""

    #: bytes of what is sent (nbgrader's ignore and include patterns applied)
    size: int
    #: bytes of the folder before anything was left out (ignore patterns applied)
    total: int
    #: the limit on a submission, and on each file
    limit: int
    file_limit: int
    #: (path relative to the folder, bytes) of each file left out, largest first
    left_out: tuple[tuple[str, int], ...] = ()

    def describe(self, language: str) -> str:
        """What a learner is told when files were left out, in ``language``."""
        from ..i18n import _

        def mb(size: int) -> str:
            return megabytes(size, language)

        files = ", ".join(f"{name} ({mb(size)})" for name, size in self.left_out)
        return _(
            "your folder weighs {total}, over the limit of {limit} per submission ({file_limit} "
            "per file): left out: {files}. The notebook and the other files were submitted; "
            "keep large data out of the assignment folder.",
            language,
        ).format(
            total=mb(self.total), limit=mb(self.limit), file_limit=mb(self.file_limit), files=files
        )


def megabytes(size: int, language: str = "en") -> str:
    """``12,5 MB`` / ``12.5 MB``: a size in MB as a person of ``language`` reads it."""
    from ..i18n import _, number

    return _("{size} MB", language).format(size=number(size / 1e6, language, decimals=1))


def weigh_submission(
    folder: Path,
    limit: int,
    file_limit: int,
    exclude: list[str] | None = None,
    include: list[str] | None = None,
) -> SubmissionSize:
    """Weigh ``folder`` as nbgrader's exchange copies it and choose what to leave out so
    that the rest fits ``limit`` (bytes): files over ``file_limit`` first (nbgrader's own
    per-file rule, which it applies silently), then the largest files that are not
    notebooks. Notebooks are never left out (see :class:`.exchange.ParcoursSubmit`)."""
    sizes: dict[str, int] = {}
    total = 0
    for directory, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not _matches(d, exclude)]
        for name in names:
            path = Path(directory) / name
            if path.is_symlink() or not path.is_file():
                continue
            total += path.stat().st_size
            if _matches(name, exclude) or (include and not _matches(name, include)):
                continue
            sizes[str(path.relative_to(folder))] = path.stat().st_size
    left = [name for name, size in sizes.items() if size > file_limit]
    kept = sum(size for name, size in sizes.items() if name not in left)
    for name, size in sorted(sizes.items(), key=lambda item: -item[1]):
        if kept <= limit:
            break
        if name not in left and not name.endswith(".ipynb"):
            left.append(name)
            kept -= size
    left_out = tuple(sorted(((n, sizes[n]) for n in left), key=lambda item: -item[1]))
    return SubmissionSize(kept, total, limit, file_limit, left_out)


def _matches(name: str, globs: list[str] | None) -> bool:
    return any(fnmatch.fnmatch(name, glob) for glob in globs or [])
