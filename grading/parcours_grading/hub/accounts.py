"""The Unix accounts behind the hub's people (``parcours accounts sync``), and who may
read what on disk.

On one machine with JupyterHub's LocalProcessSpawner each person's JupyterLab runs as
their own Unix account, with a private home (0700). :func:`sync_accounts` (as root)
creates the missing accounts with a first password (kept for the teacher in
``<data_dir>/hub/passwords.csv``, readable by root only), puts everyone in the ``parcours``
Unix group (the PAM authenticator lets only that group log in), takes removed people out
of it (their tokens are then refused by the hub: see :func:`..server.HubClient`), and
gives each course's formgrader its own account ``grader-<course>``.

:func:`secure_folders` closes the data folder and the course content to learners: the data
folder and everything in it belong to root except each course's nbgrader folder, which
belongs to that course's grader account; quiz banks and sources are readable by root and
the course's grader group (its teachers) only.
"""

from __future__ import annotations

import csv
import datetime as dt
import grp
import os
import pwd
import secrets
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ParcoursError
from .people import UNIX_GROUP, People, grader_account, read_people

if TYPE_CHECKING:
    from ..config import ParcoursConfig

PASSWORDS_FILE = "passwords.csv"


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
            f"`{' '.join(command[:2])} …` failed (exit {done.returncode}): "
            f"{done.stderr.strip() or done.stdout.strip()}. Run Parcours as root on the hub's "
            "machine, or create the account by hand (docs/deployment.md)."
        )


def require_root(what: str) -> None:
    """Raise :class:`AccountsError` unless this process is root."""
    if os.geteuid() != 0:
        raise AccountsError(
            f"{what} needs root: JupyterHub starts each person's JupyterLab as their own "
            "Unix account. Run it with sudo, or see docs/deployment.md for container "
            "spawners."
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
    _run("chpasswd", stdin=f"{name}:{password}\n")


def new_password() -> str:
    """A first password a person can type: four groups of letters and digits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def _create(name: str, *, system: bool = False) -> None:
    command = ["useradd", "--create-home", "--shell", "/bin/bash", "-K", "HOME_MODE=0700"]
    if system:
        command += ["--system", "--home-dir", f"/var/lib/parcours/{name}"]
        Path("/var/lib/parcours").mkdir(parents=True, exist_ok=True)
    _run(*command, name)


def _record_passwords(config: ParcoursConfig, passwords: dict[str, str]) -> None:
    folder = config.hub_dir
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = folder / PASSWORDS_FILE
    new = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
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
    _run("groupadd", "--force", UNIX_GROUP)
    members = group_members(UNIX_GROUP)
    for name in sorted(people.by_name):
        if not account_exists(name):
            _create(name)
            report.created.append(name)
            report.passwords[name] = new_password()
            set_password(name, report.passwords[name])
        if name not in members:
            _run("usermod", "--append", "--groups", UNIX_GROUP, name)
        home = Path(pwd.getpwnam(name).pw_dir)
        if home.is_dir():
            os.chmod(home, 0o700)  # learners cannot read each other's homes
    for name in sorted(members - set(people.by_name)):
        _run("gpasswd", "--delete", name, UNIX_GROUP)
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
    if report.passwords:
        _record_passwords(config, report.passwords)
    secure_folders(config, people)
    return report


def _own(path: Path, uid: int, gid: int) -> None:
    for folder, dirs, files in os.walk(path):
        os.chown(folder, uid, gid)
        for name in dirs + files:
            target = Path(folder) / name
            if not target.is_symlink():
                os.chown(target, uid, gid)


def _close(path: Path, mode_dirs: int, mode_files: int) -> None:
    for folder, _dirs, files in os.walk(path):
        os.chmod(folder, mode_dirs)
        for name in files:
            target = Path(folder) / name
            if not target.is_symlink():
                os.chmod(target, mode_files)


def secure_folders(config: ParcoursConfig, people: People) -> None:
    """Close the data folder and the course content to everyone but root, each course's
    grader account (its nbgrader folder) and its teachers (its content, read-only)."""
    close_data_folder(config)
    content = Path(config.courses_dir)
    os.chmod(content, 0o711)
    for course in people.courses:
        grader = pwd.getpwnam(grader_account(course))
        hand_over_course(config, course)
        folder = content / course
        if folder.is_dir():
            _own(folder, 0, grader.pw_gid)
            _close(folder, 0o750, 0o640)


def close_data_folder(config: ParcoursConfig) -> None:
    """The data folder passable (its graders reach their course folder) but not listable,
    and everything in it but ``courses/`` root's alone: the exchange (nbgrader makes its
    folders world-writable for a shared file system; on the hub only the Parcours service
    uses it), the event store, the hub's state, the service's caches."""
    data = Path(config.data_dir)
    data.mkdir(parents=True, exist_ok=True)
    os.chmod(data, 0o711)  # graders pass through to their course folder, list nothing
    (data / "courses").mkdir(exist_ok=True)
    os.chmod(data / "courses", 0o711)
    for entry in data.iterdir():
        if entry.name != "courses" and not entry.is_symlink():
            os.chmod(entry, 0o700 if entry.is_dir() else 0o600)


def hand_over_course(config: ParcoursConfig, course: str) -> None:
    """Give a course's nbgrader folder to its grader account (its formgrader writes manual
    grades there), closed to everyone else. Called after each teacher command run as root
    while the account exists; does nothing otherwise."""
    if os.geteuid() != 0 or not account_exists(grader_account(course)):
        return
    folder = config.course_root(course)
    if not folder.is_dir():
        return
    grader = pwd.getpwnam(grader_account(course))
    _own(folder, grader.pw_uid, grader.pw_gid)
    os.chmod(folder, 0o700)
    close_data_folder(config)  # what the command made there (the exchange) closed again


def remove_account_files(name: str) -> None:  # pragma: no cover - used by tests' cleanup
    """Delete an account and its home (tests)."""
    _run("userdel", "--remove", name)


def hub_machine(config: ParcoursConfig) -> bool:
    """Whether this process may and should keep the hub's accounts: it runs as root, on a
    machine where the hub's Unix group exists (``parcours accounts sync`` made it), for
    the data folder the hub serves (its API token is there: made when the hub started).
    Anything less — a teacher's laptop, a test's data folder — leaves accounts alone."""
    from .settings import ACCOUNTS_TOKEN

    if os.geteuid() != 0 or not (config.hub_dir / ACCOUNTS_TOKEN).is_file():
        return False
    try:
        grp.getgrnam(UNIX_GROUP)
    except KeyError:
        return False
    return True


def sync_everything(config: ParcoursConfig, *, port: int = 0, required: bool = False) -> str:
    """Bring the hub in step with the rosters, manifests and configuration: the Unix
    accounts (on a hub machine, see :func:`hub_machine`; always with ``required``, which
    refuses a run that is not root), then the running hub's users and groups. What
    changed, one line per part; '' when there is no hub here (nothing done).

    Called by ``parcours accounts sync`` (``required``) and after every change of a
    roster (``parcours roster COURSE import|add|remove``)."""
    from .server import HubClient
    from .settings import ACCOUNTS_TOKEN

    if not (required or hub_machine(config)):
        return ""
    people = read_people(config)
    report = sync_accounts(config, people)
    lines = [
        f"{len(people.by_name)} accounts: {len(report.created)} created, "
        f"{len(report.removed)} removed, {len(report.graders)} grader accounts created."
    ]
    if report.passwords:
        lines.append(f"first passwords of the new accounts: {config.hub_dir / PASSWORDS_FILE}")
    if required or (config.hub_dir / ACCOUNTS_TOKEN).is_file():
        client = HubClient.for_config(config, port)
        if client.running():
            changed = client.sync(people)
            lines.append(
                f"hub: {len(changed['added'])} users added, "
                f"{len(changed['deleted'])} deleted, {len(changed['groups'])} "
                "groups changed."
            )
    return "\n".join(lines)
