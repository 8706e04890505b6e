"""The sandbox's own file system: a fresh root made of what a notebook needs, nothing else.

Called by :func:`.sandbox.enter` in the runner, inside its new mount namespace, before
root is dropped. The visible tree is built on an empty tmpfs, then made the root with
``pivot_root(2)``; the machine's root is detached (``umount2(MNT_DETACH)``), so no path
leads back to it::

    /usr /bin /sbin /lib*   the system (symlinks kept as they are), read-only
    /etc                    a few files Python and numpy/pandas/matplotlib read (dynamic
                            linker cache, time zone, TLS certificates, fonts, MIME types),
                            read-only; ``passwd``/``group``/``hosts`` written minimal
    <sys.base_prefix>       the interpreter (a pyenv Python under /root included), read-only
    <sys.prefix>            the virtual environment, read-only
    <package folders>       Parcours' own packages when installed editable (only the
                            package folders, never the project folder), read-only
    /dev                    null, zero, full, random, urandom (bound), fd/std* links,
                            a small private /dev/shm
    /proc                   the sandbox's own PID namespace (grading as root); absent
                            otherwise: the machine's /proc would lead back to its files
    /tmp                    private tmpfs, ``TMP_MB`` MiB
    <workdir>               the private copy of the submission and the data files,
                            read-write, at its own path (the working directory)

Every folder keeps its own path, so that the warm fork server's modules, imported before
the pivot, find their lazy imports where they were. Nothing else exists: no home, no data
folder, no course, no other submission, no /root, no /work, not the machine's /tmp.
"""

from __future__ import annotations

import ctypes
import grp
import importlib.util
import os
import platform
import sys
from pathlib import Path
from typing import Any

#: size of the sandbox's private /tmp, in MiB (counted in the sandbox's memory group)
TMP_MB = 64
#: size of its private /dev/shm, in MiB (semaphores of multiprocessing)
SHM_MB = 16

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC = 32, 4096, 0x4000
MNT_DETACH = 2
AT_FDCWD, AT_RECURSIVE = -100, 0x8000
MOUNT_ATTR_RDONLY, MOUNT_ATTR_NOSUID, MOUNT_ATTR_NODEV = 0x1, 0x2, 0x4
#: (pivot_root, mount_setattr) system call numbers
_SYSCALLS = {"x86_64": (155, 442), "aarch64": (41, 442)}

#: the system, as in the machine's root (symlinks are recreated, folders bound)
SYSTEM = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32")
#: files and folders of /etc bound read-only when they exist
ETC = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "timezone",
    "nsswitch.conf",
    "ssl/certs",
    "ssl/openssl.cnf",
    "ca-certificates",
    "fonts",
    "mime.types",
    "os-release",
)
#: device nodes bound from the machine's /dev
DEVICES = ("null", "zero", "full", "random", "urandom")

_libc = ctypes.CDLL(None, use_errno=True)


class _MountAttr(ctypes.Structure):
    _fields_ = [
        ("attr_set", ctypes.c_uint64),
        ("attr_clr", ctypes.c_uint64),
        ("propagation", ctypes.c_uint64),
        ("userns_fd", ctypes.c_uint64),
    ]


def check(result: int, what: str) -> None:
    """Raise OSError (with errno and ``what``) when a libc call failed."""
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def mount(source: str, target: str | Path, fstype: str | None, flags: int, data: str = "") -> None:
    """``mount(2)``."""
    check(
        _libc.mount(
            source.encode(),
            str(target).encode(),
            fstype.encode() if fstype else None,
            ctypes.c_ulong(flags),
            data.encode() if data else None,
        ),
        f"mount {target}",
    )


def _syscalls() -> tuple[int, int]:
    machine = platform.machine()
    if machine not in _SYSCALLS:
        raise OSError(0, f"pivot_root: unknown system call numbers on {machine}")
    return _SYSCALLS[machine]


def pivot_root(new_root: str, put_old: str) -> None:
    """``pivot_root(2)`` (no libc wrapper)."""
    number = _syscalls()[0]
    check(_libc.syscall(number, new_root.encode(), put_old.encode()), "pivot_root")


def umount2(target: str, flags: int) -> None:
    """``umount2(2)``."""
    check(_libc.umount2(target.encode(), flags), f"umount {target}")


def read_only(target: Path) -> None:
    """Make the mount at ``target`` and every mount under it read-only, no setuid, no
    devices (``mount_setattr(2)``, recursive; one remount where it is missing)."""
    attr = _MountAttr(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0, 0, 0)
    number = _syscalls()[1]
    result = _libc.syscall(
        number,
        ctypes.c_int(AT_FDCWD),
        str(target).encode(),
        ctypes.c_uint(AT_RECURSIVE),
        ctypes.byref(attr),
        ctypes.c_size_t(ctypes.sizeof(attr)),
    )
    if result == 0:
        return
    if ctypes.get_errno() != 38:  # ENOSYS: an old kernel
        check(result, f"mount_setattr {target}")
    # keep the flags the source mount has (a user namespace may not clear them)
    kept = os.statvfs(target).f_flag & (MS_NOSUID | MS_NODEV | MS_NOEXEC)
    mount("none", target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | kept)


def _python_folders() -> list[Path]:
    """The interpreter, the virtual environment and Parcours' own packages when they are
    installed editable (outside both): the folders the sandbox shows read-only."""
    folders = {Path(p).resolve() for p in (sys.base_prefix, sys.prefix, sys.exec_prefix)}
    for name in ("parcours", "parcours_lab"):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        for location in (spec.submodule_search_locations or []) if spec else []:
            folder = Path(location).resolve()
            if not any(folder.is_relative_to(prefix) for prefix in folders):
                folders.add(folder)
    # a folder inside another one is bound with it
    return sorted(f for f in folders if not any(f != o and f.is_relative_to(o) for o in folders))


#: computed once in the warm fork server, inherited by every sandbox
PYTHON_FOLDERS = _python_folders()


def _make_parents(root: Path, path: Path) -> Path:
    """``root / path`` with its missing parent folders made (0755)."""
    target = root / path.relative_to("/")
    os.makedirs(target.parent, mode=0o755, exist_ok=True)
    return target


def _plan() -> list[tuple[Path, str, str]]:
    """What of the machine the sandbox shows, read-only, at the same paths: ``(path,
    kind, link)`` with kind ``symlink`` (recreated, pointing at ``link``), ``dir`` or
    ``file`` (bound). Worked out once in the warm fork server: each sandbox only mounts."""
    plan: list[tuple[Path, str, str]] = []
    paths = [Path("/") / n for n in SYSTEM] + [Path("/etc") / n for n in ETC] + PYTHON_FOLDERS
    for path in paths:
        if path.is_symlink():
            plan.append((path, "symlink", os.readlink(path)))
        elif path.is_dir():
            plan.append((path, "dir", ""))
        elif path.exists():
            plan.append((path, "file", ""))
    return plan


PLAN = _plan()


def _show(root: Path, path: Path, kind: str, link: str) -> None:
    """Make ``path`` of the machine (a :data:`PLAN` entry) appear at the same path under
    ``root``, read-only."""
    target = _make_parents(root, path)
    if kind == "symlink":
        os.symlink(link, target)
        return
    if kind == "dir":
        os.mkdir(target, 0o755)
    else:
        os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
    mount(str(path), target, None, MS_BIND | MS_REC)
    read_only(target)


def _accounts(users: list[Any]) -> tuple[str, str]:
    """``/etc/passwd`` and ``/etc/group`` naming only ``users`` (``pwd`` entries)."""
    passwd, group, seen = [], [], set()
    for entry in users:
        if entry.pw_uid in seen:
            continue
        seen.add(entry.pw_uid)
        home = "/root" if entry.pw_uid == 0 else "/nonexistent"
        passwd.append(f"{entry.pw_name}:x:{entry.pw_uid}:{entry.pw_gid}::{home}:/usr/sbin/nologin")
        try:
            name = grp.getgrgid(entry.pw_gid).gr_name
        except KeyError:
            name = entry.pw_name
        group.append(f"{name}:x:{entry.pw_gid}:")
    return "\n".join(passwd) + "\n", "\n".join(dict.fromkeys(group)) + "\n"


def build(root: Path, workdir: Path, users: list[Any], proc: bool) -> list[str]:
    """Build the sandbox's tree on a fresh tmpfs mounted at ``root`` (an empty folder),
    make it the root, detach the machine's. The caller is in its own mount namespace
    with the mount capability (root, or in its own user namespace); the working
    directory stays at ``workdir``'s path. Returns the machine's paths made visible.

    Raises OSError when the OS refuses a step (the caller records it)."""
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=1m")
    # the private /tmp first: an interpreter or environment that lives under the machine's
    # /tmp is then shown inside it, not hidden by it
    (root / "tmp").mkdir()
    mount("tmpfs", root / "tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,size={TMP_MB}m")
    (root / "etc").mkdir(mode=0o755)
    for path, kind, link in PLAN:
        _show(root, path, kind, link)
    visible = [str(path) for path, _, _ in PLAN]
    passwd, group = _accounts(users)
    (root / "etc" / "passwd").write_text(passwd)
    (root / "etc" / "group").write_text(group)
    (root / "etc" / "hosts").write_text("127.0.0.1\tlocalhost\n::1\tlocalhost\n")
    dev = root / "dev"
    dev.mkdir(mode=0o755)
    for name in DEVICES:
        (dev / name).touch(mode=0o666)
        mount(f"/dev/{name}", dev / name, None, MS_BIND)
    for name, target in (
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ):
        os.symlink(target, dev / name)
    (dev / "shm").mkdir()
    mount("tmpfs", dev / "shm", "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,size={SHM_MB}m")
    (root / "proc").mkdir(mode=0o555)
    if proc:
        mount("proc", root / "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    work = _make_parents(root, workdir)
    work.mkdir(mode=0o700, exist_ok=True)
    mount(str(workdir), work, None, MS_BIND)
    # the folders leading to it in the private /tmp: not writable, even by their owner (the
    # grader's own user, grading without root, has no capabilities left after enter())
    for folder in work.parents:
        if folder == root / "tmp" or not folder.is_relative_to(root / "tmp"):
            break
        folder.chmod(0o555)
    visible.append(str(workdir))
    # the new root: the machine's is stacked under it, then detached
    os.chdir(root)
    pivot_root(".", ".")
    umount2(".", MNT_DETACH)
    os.chdir("/")
    mount("none", "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    return visible


def map_user(uid: int, gid: int) -> None:
    """In a new user namespace (grading without root): be the same user inside, so that
    files the sandbox makes are the grader's (an unmapped user may create nothing)."""
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
    Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
