"""The Unix accounts behind the hub's people (``parcours accounts sync``), and who may
read what on disk.

On one machine with JupyterHub's LocalProcessSpawner each person's JupyterLab runs as
their own Unix account, with a private home (0700). :func:`sync_accounts` (as root)
creates the missing accounts with a first password (kept for the teacher in
``<data_dir>/hub/passwords.csv``, readable by root only), puts everyone in the ``parcours``
Unix group (the PAM authenticator lets only that group log in), takes removed people out
of it (their tokens are then refused by the hub: see :func:`..server.HubClient`), and
gives each course's formgrader its own account ``grader-<course>``.

:func:`secure_folders` closes the data folder and the course content to learners. The
Parcours service runs as its own system account, ``parcours-service``
(:func:`ensure_service_account`), which owns the data folder (the exchange, the event
store, the pseudonym key, its caches; only the hub's own state in ``hub/`` stays root's).
Each course's nbgrader folder belongs to that course's grader account (its formgrader
writes manual grades there) and to the course's data group (``data-<course>``: the
grader account and the service, not the teachers), shared through setgid folders (2770)
and files whose group may do what their owner does; the service and the formgraders
create files with umask 007 so that it stays so. Quiz banks and sources are
readable by root and the course's grader group (its teachers, and the service) only.
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import grp
import logging
import os
import pwd
import secrets
import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ParcoursError
from ..i18n import _
from ..safefs import chmod_tree, own_tree
from .people import (
    SERVICE_ACCOUNT,
    People,
    data_group,
    grader_account,
    read_people,
)

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from ..config import ParcoursConfig

PASSWORDS_FILE = "passwords.csv"
#: under <data_dir>/hub: the ``parcours-accounts`` service's API token
ACCOUNTS_TOKEN = "accounts.token"


class AccountsError(ParcoursError):
    """Accounts could not be created or changed on this machine."""


@dataclass
class SyncReport:
    """What :func:`sync_accounts` changed."""

    created: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    graders: list[str] = field(default_factory=list)
    #: first passwords of the accounts created now (also in passwords.csv)
    passwords: dict[str, str] = field(default_factory=dict)


def _run(*command: str, stdin: str | None = None) -> None:
    done = subprocess.run(command, input=stdin, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise AccountsError(
            _(
                "`{command} …` failed (exit {status}): {output}. Run Parcours as root on "
                "the hub's machine, or create the account by hand (docs/deployment.md)."
            ).format(
                command=" ".join(command[:2]),
                status=done.returncode,
                output=done.stderr.strip() or done.stdout.strip(),
            )
        )


def require_root(what: str) -> None:
    """Raise :class:`AccountsError` unless this process is root."""
    if os.geteuid() != 0:
        raise AccountsError(
            _(
                "{what} needs root: JupyterHub starts each person's JupyterLab as their "
                "own Unix account. Run it with sudo, or see docs/deployment.md for "
                "container spawners."
            ).format(what=what)
        )


def account_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def group_members(group: str) -> set[str]:
    try:
        return set(grp.getgrnam(group).gr_mem)
    except KeyError:
        return set()


def set_password(name: str, password: str) -> None:
    """Set the Unix password the hub's PAM login checks."""
    set_passwords({name: password})


def set_passwords(passwords: dict[str, str]) -> None:
    """Set the Unix passwords of several accounts (account -> password) at once."""
    if passwords:
        _run("chpasswd", stdin="".join(f"{name}:{pw}\n" for name, pw in passwords.items()))


def new_password() -> str:
    """A first password a person can type: four groups of letters and digits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def _set_aside_stale_home(home: Path) -> Path | None:
    """A home folder left by an earlier account of this name (deleted without its home,
    its number perhaps given to someone else since): moved aside, root's alone, so that
    the new account gets a fresh home of its own — never another person's files, nor a
    folder another account owns. Returns where it went (None: there was none)."""
    try:
        os.lstat(home)
    except FileNotFoundError:
        return None
    aside = home.with_name(f".{home.name}.left-{secrets.token_hex(4)}")
    os.rename(home, aside)  # the entry itself: a link there is moved, never followed
    os.chown(aside, 0, 0, follow_symlinks=False)
    if not aside.is_symlink():
        os.chmod(aside, 0o700)
    return aside


def _create(name: str, *, system: bool = False) -> None:
    if not system:
        aside = _set_aside_stale_home(Path("/home") / name)
        if aside is not None:
            log.warning(
                "%s: a home left by an earlier account of that name was moved to %s "
                "(root's only); the new account gets a fresh home",
                name,
                aside,
            )
    command = ["useradd", "--create-home", "--shell", "/bin/bash", "-K", "HOME_MODE=0700"]
    try:  # a group left by an earlier account of that name (others were in it): reused
        grp.getgrnam(name)
        command += ["--gid", name]
    except KeyError:
        pass
    if system:
        command += ["--system", "--home-dir", f"/var/lib/parcours/{name}"]
        Path("/var/lib/parcours").mkdir(parents=True, exist_ok=True)
    _run(*command, name)


def _passwords_folder(config: ParcoursConfig) -> Path:
    """``<data_dir>/hub``, root's alone (0700), refused when it is a link."""
    folder = config.hub_dir
    folder.mkdir(parents=True, exist_ok=True)
    if folder.is_symlink() or not folder.is_dir():
        raise AccountsError(
            _("{folder}: not a folder (a link?); remove it, then run again.").format(folder=folder)
        )
    os.chmod(folder, 0o700)
    return folder


def write_passwords(config: ParcoursConfig, passwords: dict[str, str]) -> Path:
    """``passwords.csv`` replaced by ``passwords`` (account -> its password now), root's
    only (0600): written to a new file, then renamed over the old one (a link put in its
    place is replaced, never written through). Returns its path."""
    folder = _passwords_folder(config)
    path = folder / PASSWORDS_FILE
    part = folder / f".{PASSWORDS_FILE}.{secrets.token_hex(4)}"
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["account", "first_password", "created"])
            now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            writer.writerows([name, password, now] for name, password in passwords.items())
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return path


def _record_passwords(config: ParcoursConfig, passwords: dict[str, str]) -> None:
    path = _passwords_folder(config) / PASSWORDS_FILE
    new = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        if new:
            writer.writerow(["account", "first_password", "created"])
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        for name, password in passwords.items():
            writer.writerow([name, password, now])


def sync_accounts(config: ParcoursConfig, people: People | None = None) -> SyncReport:
    """Create, update and retire the Unix accounts of everyone in ``people`` (default: read
    from the rosters, manifests and configuration); as root."""
    require_root("`parcours accounts sync`")
    people = people or read_people(config)
    report = SyncReport()
    group = config.hub_unix_group
    _run("groupadd", "--force", group)
    members = group_members(group)
    for name in sorted(people.by_name):
        if not account_exists(name):
            _create(name)
            report.created.append(name)
            report.passwords[name] = new_password()
            set_password(name, report.passwords[name])
        if name not in members:
            _run("usermod", "--append", "--groups", group, name)
        home = Path(pwd.getpwnam(name).pw_dir)
        if home.is_dir():
            os.chmod(home, 0o700)  # learners cannot read each other's homes
    for name in sorted(members - set(people.by_name)):
        _run("gpasswd", "--delete", name, group)
        report.removed.append(name)
    for course in people.courses:
        grader = grader_account(course)
        if not account_exists(grader):
            _create(grader, system=True)
            report.graders.append(grader)
        teachers = [p.name for p in people.by_name.values() if course in p.teaches]
        for teacher in teachers:  # teachers read their course's content in their own Lab
            if teacher not in group_members(grader):
                _run("usermod", "--append", "--groups", grader, teacher)
    ensure_service_account(people)
    if report.passwords:
        _record_passwords(config, report.passwords)
    secure_folders(config, people)
    from .shellpath import install_login_path

    install_login_path()  # `parcours` in everyone's terminal (a login shell resets PATH)
    return report


def ensure_service_account(people: People) -> None:
    """Create the Parcours service's system account when missing (as root); put it in each
    course's grader group (it reads the content — sources, quiz banks — that only the
    course's teachers and grader read) and, with the course's grader account, in the
    course's data group (:func:`.people.data_group`: the nbgrader folder they share)."""
    require_root("the Parcours service's account")
    if not account_exists(SERVICE_ACCOUNT):
        _create(SERVICE_ACCOUNT, system=True)
    for course in people.courses:
        grader, shared = grader_account(course), data_group(course)
        _run("groupadd", "--force", "--system", shared)
        members = [SERVICE_ACCOUNT, *([grader] if account_exists(grader) else [])]
        for member in members:
            if member not in group_members(shared):
                _run("usermod", "--append", "--groups", shared, member)
        if account_exists(grader) and SERVICE_ACCOUNT not in group_members(grader):
            _run("usermod", "--append", "--groups", grader, SERVICE_ACCOUNT)


def service_ids() -> tuple[int, int] | None:
    """(uid, gid) of the service's account, or None where it does not exist (one machine,
    not root)."""
    try:
        entry = pwd.getpwnam(SERVICE_ACCOUNT)
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid


def _own(path: Path, uid: int, gid: int) -> None:
    """``path``'s tree owned by ``uid``:``gid``, never through a link planted in it (nor
    out of it by a folder swapped for a link meanwhile: :mod:`..safefs`)."""
    own_tree(path, uid, gid)


def _close(path: Path, mode_dirs: int, mode_files: int) -> None:
    """Folders ``mode_dirs``, files ``mode_files`` in ``path``'s tree (links left alone)."""
    chmod_tree(path, lambda _mode: mode_dirs, lambda _mode: mode_files)


def _share_with_group(path: Path) -> None:
    """Folders 2770 (new entries take the folder's group); files: the group may do what
    the owner does (``g=u``), others nothing (links left alone)."""
    chmod_tree(path, lambda _mode: 0o2770, lambda mode: (mode & 0o700) | (mode & 0o700) >> 3)


def secure_folders(config: ParcoursConfig, people: People) -> None:
    """Close the data folder and the course content to everyone but root, the service's
    account, each course's grader account (its nbgrader folder) and its teachers (its
    content, read-only), and the content's other copies in the project (its Git
    repository, its builds: :mod:`.copies`) to everyone but their owner; as root."""
    ensure_service_account(people)
    _ = config.pseudonym_salt  # made now, if it is not yet, so that it is handed over with the rest
    close_data_folder(config)
    content = Path(config.courses_dir)
    ids = service_ids()
    if ids is not None:  # the service lists the courses; others pass to theirs
        os.chown(content, 0, ids[1])
    os.chmod(content, 0o751 if ids is not None else 0o711)
    for course in people.courses:
        hand_over_course(config, course)
        folder = content / course
        if not folder.is_dir():
            continue
        if account_exists(grader_account(course)):  # the service is in its group
            group = pwd.getpwnam(grader_account(course)).pw_gid
        elif ids is not None:
            # no grader account yet: the service's own group, whatever modes the content
            # came with (a copy of a checkout an earlier hub closed is root's alone: the
            # service, not root, would then see no course and answer 404 to every learner)
            group = ids[1]
        else:
            continue
        _own(folder, 0, group)
        _close(folder, 0o750, 0o640)
    from .copies import close_copies

    closed = {(content / course).resolve() for course in people.courses}
    close_copies(Path(config.root), {*closed, Path(config.data_dir).resolve()})


def close_data_folder(config: ParcoursConfig) -> None:
    """The data folder passable (graders reach their course folder) but not listable, and
    everything in it but ``courses/`` and ``hub/`` the service account's alone (root's
    where there is no such account): the exchange (nbgrader makes its folders
    world-writable for a shared file system; on the hub only the Parcours service uses
    it), the event store, the pseudonym key, the service's caches. ``hub/`` (the hub's
    database, cookie secret, first passwords) stays root's."""
    data = Path(config.data_dir)
    data.mkdir(parents=True, exist_ok=True)
    (data / "courses").mkdir(exist_ok=True)
    owner = service_ids() if os.geteuid() == 0 else None
    for folder in (data, data / "courses"):
        if owner is not None:
            os.chown(folder, *owner)
        os.chmod(folder, 0o711)  # graders pass through to their course folder, list nothing
    for entry in data.iterdir():
        if entry.name == "courses" or entry.is_symlink():
            continue
        if not entry.is_dir():  # the event store, its snapshots, logs: the service's too
            _give_file(entry, owner, 0o600)
            continue
        if owner is not None and entry != config.hub_dir:
            _own(entry, *owner)
        os.chmod(entry, 0o700)


def _give_file(path: Path, owner: tuple[int, int] | None, mode: int) -> None:
    """A regular file given to ``owner`` (unchanged when None) with ``mode``, through a
    descriptor opened without following a link: a symbolic link, or a hard link to a file
    elsewhere, put there in its place is left alone (never chowned through)."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOENT, errno.ENXIO):  # a link, gone, a socket
            return
        raise
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode) or found.st_nlink != 1:
            return
        if owner is not None:
            os.fchown(fd, *owner)
        os.fchmod(fd, mode)
    finally:
        os.close(fd)


def hand_over_course(config: ParcoursConfig, course: str) -> None:
    """Give a course's nbgrader folder to its grader account (its formgrader writes manual
    grades there; the service's account where the course has none yet) and the course's
    data group, shared between them (see the module's text), closed to everyone else. Called
    after each teacher command run as root; does nothing unless root, with the service's
    account, on a data folder a hub serves (one machine, tests)."""
    ids = service_ids()
    if os.geteuid() != 0 or ids is None or not (config.hub_dir / ACCOUNTS_TOKEN).is_file():
        return
    folder = config.course_root(course)
    if not folder.is_dir():
        return
    grader = grader_account(course)
    uid = pwd.getpwnam(grader).pw_uid if account_exists(grader) else ids[0]
    try:
        gid = grp.getgrnam(data_group(course)).gr_gid
    except KeyError:  # made by ensure_service_account; the service's own group till then
        gid = ids[1]
    _own(folder, uid, gid)
    _share_with_group(folder)
    close_data_folder(config)  # what the command made there (the exchange) handed over too


def remove_account_files(name: str) -> None:  # pragma: no cover - used by tests' cleanup
    """Delete an account and its home (tests)."""
    _run("userdel", "--remove", name)


def hub_machine(config: ParcoursConfig) -> bool:
    """Whether this process may and should keep the hub's accounts: it runs as root, on a
    machine where the hub's Unix group exists (``parcours accounts sync`` made it), for
    the data folder the hub serves (its API token is there: made when the hub started).
    Anything less — a teacher's laptop, a test's data folder — leaves accounts alone."""
    if os.geteuid() != 0 or not (config.hub_dir / ACCOUNTS_TOKEN).is_file():
        return False
    try:
        grp.getgrnam(config.hub_unix_group)
    except KeyError:
        return False
    return True
