"""Files written, handed over or closed by root (or a service) in folders other accounts
may write, without following what those accounts put there.

On the hub, root and the Parcours service act in folders that other accounts also write:
a course's data folder belongs to its grader account, whose formgrader runs kernels. A
symbolic link planted there in place of a file must not lead a write, a ``chown`` or a
``chmod`` to a file elsewhere, and checking first (``is_symlink()``) then acting leaves
a moment in which the link can be planted. So every operation here works on what it
opened itself, relative to a folder it opened itself (``dir_fd``):

- :func:`open_in` opens one file of a folder without following a link (``O_NOFOLLOW``)
  and refuses anything but a regular file (a FIFO, a device, a socket);
- :func:`new_temporary` makes a temporary file of an unpredictable name (``O_EXCL``);
- :func:`own_tree`, :func:`chmod_tree` change a whole tree, each folder opened relative
  to its parent without following a link (a folder swapped for a link while they walk
  does not lead them out of the tree), each entry through a descriptor of the entry
  itself, links left alone.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

#: flags added to every open: no link followed, no waiting on a FIFO, not inherited
_SAFE = os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def open_folder(folder: Path) -> int:
    """A descriptor of ``folder`` (a directory), for the ``dir_fd`` of what follows."""
    return os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)


def open_in(dir_fd: int, name: str, flags: int, mode: int = 0o600) -> int:
    """``name`` in the folder ``dir_fd`` opened with ``flags``, never through a link
    (:class:`OSError` ``ELOOP``) and only if it is a regular file (``EINVAL`` otherwise,
    the descriptor closed)."""
    fd = os.open(name, flags | _SAFE, mode, dir_fd=dir_fd)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "not a regular file", name)
    return fd


def read_plain(path: Path) -> bytes:
    """The content of the regular file ``path``, never read through a link in its place
    (:func:`open_in`; :class:`FileNotFoundError` when there is nothing)."""
    folder = open_folder(path.parent)
    try:
        fd = open_in(folder, path.name, os.O_RDONLY)
    finally:
        os.close(folder)
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


def create_in(dir_fd: int, name: str, flags: int, mode: int) -> tuple[int, bool]:
    """``name`` in ``dir_fd`` opened as :func:`open_in` does, made (``mode`` exactly,
    whatever the umask) when it did not exist: (descriptor, whether it was made)."""
    try:
        fd = open_in(dir_fd, name, flags | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        return open_in(dir_fd, name, flags), False
    os.fchmod(fd, mode)
    return fd, True


def append_plain(
    path: Path, data: bytes, mode: int, *, like_folder: bool = False, sync: bool = False
) -> None:
    """Append ``data`` to the regular file ``path`` (made with ``mode`` when missing; with
    ``like_folder``, and as root, also given its folder's owner and group; with ``sync``,
    on the disk before returning), never through a link in its place (:func:`create_in`)."""
    folder = open_folder(path.parent)
    try:
        fd, made = create_in(folder, path.name, os.O_WRONLY | os.O_APPEND, mode)
        try:
            if made and like_folder and os.geteuid() == 0:
                owner = os.fstat(folder)
                os.fchown(fd, owner.st_uid, owner.st_gid)
        except BaseException:
            os.close(fd)
            raise
        with os.fdopen(fd, "ab") as handle:  # closes fd; writes it all
            handle.write(data)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
    finally:
        os.close(folder)


def new_temporary(dir_fd: int, prefix: str, mode: int) -> tuple[int, str]:
    """A new, empty file of an unpredictable name in ``dir_fd`` (``O_EXCL``: nothing that
    was there is opened), open for writing, ``mode`` exactly: (descriptor, name)."""
    for _attempt in range(100):
        name = f"{prefix}{secrets.token_hex(8)}.tmp"
        try:
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _SAFE, mode, dir_fd=dir_fd)
        except FileExistsError:
            continue
        os.fchmod(fd, mode)
        return fd, name
    raise OSError(errno.EEXIST, "no free temporary name", prefix)


def umask() -> int:
    """This process's umask, read without changing it (``os.umask`` would, for a moment,
    for every thread); 0o022 where Linux's ``/proc`` does not say."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def _folders(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(descriptor, entry names) of ``path`` and of each folder under it, each parent
    before its children. Each folder is opened relative to its parent's descriptor with
    ``O_DIRECTORY | O_NOFOLLOW``: a link (to a folder elsewhere, a device...), a file or
    a FIFO swapped in for a folder is never opened, so the walk never leaves the tree
    (:func:`os.fwalk` opens what it descends into following links, without
    ``O_NONBLOCK``). Nothing when ``path`` itself is not a folder (a link included)."""
    try:
        top = os.open(path, os.O_RDONLY | os.O_DIRECTORY | _SAFE)
    except (NotADirectoryError, FileNotFoundError):
        return
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return
        raise
    yield from _below(top)


def _below(fd: int) -> Iterator[tuple[int, list[str]]]:
    try:
        names = os.listdir(fd)
        yield fd, names
        for name in names:
            try:
                sub = os.open(name, os.O_RDONLY | os.O_DIRECTORY | _SAFE, dir_fd=fd)
            except OSError:  # not a folder (a file, a link...) or gone: not walked
                continue
            yield from _below(sub)
    finally:
        os.close(fd)


def _on_entry(dir_fd: int, name: str, act: Callable[[str, os.stat_result], None]) -> None:
    """``act(path, stat)`` on the entry ``name`` of ``dir_fd`` itself, through a
    descriptor of it (``O_PATH``: no FIFO waited on, no device opened); a link, a folder
    (handled when walked) or an entry gone meanwhile is left alone."""
    try:
        fd = os.open(name, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
    except FileNotFoundError:
        return
    try:
        info = os.fstat(fd)
        if not (stat.S_ISLNK(info.st_mode) or stat.S_ISDIR(info.st_mode)):
            act(f"/proc/self/fd/{fd}", info)  # the opened inode, whatever the name is now
    finally:
        os.close(fd)


def own_tree(path: Path, uid: int, gid: int) -> None:
    """``path`` and everything under it owned by ``uid``:``gid``; links (and what they
    lead to) left alone. Nothing happens when ``path`` itself is a link."""
    for fd, names in _folders(path):
        os.fchown(fd, uid, gid)
        for name in names:
            _on_entry(fd, name, lambda proc, _info: os.chown(proc, uid, gid))


def chmod_tree(path: Path, folders: Callable[[int], int], files: Callable[[int], int]) -> None:
    """Each folder under ``path`` (itself included) gets ``folders(its mode)``, each other
    entry ``files(its mode)`` (modes as :func:`stat.S_IMODE` gives); links left alone.
    Nothing happens when ``path`` itself is a link."""
    for fd, names in _folders(path):
        os.fchmod(fd, folders(stat.S_IMODE(os.fstat(fd).st_mode)))
        for name in names:
            _on_entry(
                fd, name, lambda proc, info: os.chmod(proc, files(stat.S_IMODE(info.st_mode)))
            )


def secret_key(path: Path) -> str:
    """The secret in ``path``, made at random (0600, in a 0700 folder) the first time.
    "" when this process may not read it (a learner's server on the hub: there the
    Parcours service pseudonymises, never the learner's kernel)."""
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    except OSError:
        return ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made meanwhile by another process
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip()


def plain_file(path: Path) -> int:
    """A read-write descriptor of the regular file ``path``, made 0600 when missing and
    then given to its folder's owner (:func:`like_parent`), never opened through a link
    (root writes in the data folder, whose owner may plant one);
    :class:`~parcours.errors.BadInputError` when a link or anything but a file is there."""
    import errno

    from .errors import BadInputError
    from .i18n import _

    folder = open_folder(path.parent)
    try:
        fd, made = create_in(folder, path.name, os.O_RDWR, 0o600)
    except OSError as exc:
        if exc.errno not in (errno.ELOOP, errno.EINVAL):
            raise
        raise BadInputError(
            _("{path} is not a plain file (a link?): remove it, then run the command again").format(
                path=path
            )
        ) from None
    finally:
        os.close(folder)
    if made:
        like_parent(path)
    return fd


def like_parent(path: Path) -> None:
    """A file or folder root just made, given to the owner of its folder: on a hub the
    data folder is the Parcours service's account's, and the service reads and writes
    what root's commands made there (the LMS side's database, locks and key; the badges'
    registry). Nothing is done for anyone else (the link itself, never what it names)."""
    if os.geteuid() != 0:
        return
    folder = path.parent.stat()
    found = path.lstat()
    if (found.st_uid, found.st_gid) != (folder.st_uid, folder.st_gid):
        os.chown(path, folder.st_uid, folder.st_gid, follow_symlinks=False)
