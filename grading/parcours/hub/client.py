"""The learner's side of the Parcours hub service (:mod:`.service`): ``parcours fetch``,
``submit`` and ``deadlines`` in a learner's JupyterLab on the hub go through it with the
learner's own JupyterHub token (``JUPYTERHUB_API_TOKEN``, set by the hub in their server).

The service URL comes from ``ParcoursConfig.service_url`` (set by the hub in each server's
environment). Standard library only: it runs in the learner's terminal and kernel.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BadInputError, ParcoursError
from ..i18n import _


class ServiceError(ParcoursError):
    """The Parcours service could not be reached or failed."""


def refused(code: int, message: str, what: str) -> ParcoursError:
    """The service's answer as the error a learner reads (400/403/404: bad input)."""
    if code in (400, 403, 404, 413):
        return BadInputError(f"{what}: {message}")
    return ServiceError(
        _("{what}: the Parcours service answered {code}: {message}").format(
            what=what, code=code, message=message
        )
    )


@dataclass
class ServiceClient:
    """Calls to the service as the token's user."""

    url: str
    token: str

    @classmethod
    def from_environment(cls, service_url: str) -> ServiceClient:
        token = os.environ.get("JUPYTERHUB_API_TOKEN", "")
        if not token:
            raise BadInputError(
                _(
                    "no JupyterHub token in this session: run this from your JupyterLab on "
                    "the hub (its terminal), where JupyterHub gives you one."
                )
            )
        return cls(service_url.rstrip("/") + "/", token)

    def call(
        self,
        method: str,
        path: str,
        what: str,
        body: bytes | None = None,
        content_type: str = "application/json",
    ) -> bytes:
        request = urllib.request.Request(
            self.url + path,
            data=body,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": content_type},
        )
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                return bytes(response.read())
        except urllib.error.HTTPError as exc:
            text = exc.read().decode("utf-8", "replace")
            try:
                message = json.loads(text).get("message") or text
            except ValueError:
                message = text
            raise refused(exc.code, message.strip(), what) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            raise ServiceError(
                _(
                    "{what}: the Parcours service does not answer at {url} ({error}); try "
                    "again in a minute, or tell your teacher."
                ).format(what=what, url=self.url, error=exc)
            ) from None

    def json(self, method: str, path: str, what: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        return json.loads(self.call(method, path, what, data) or b"null")

    def roster(self, course: str) -> list[dict[str, Any]]:
        """A course's roster, for its teachers: ``id``, ``first_name``, ``last_name``,
        ``email``, ``groups``."""
        return list(self.json("GET", f"api/courses/{course}/roster", f"roster {course}"))

    def course(self, course: str) -> dict[str, Any]:
        """The service's entry of one of the asking person's courses (``id``, ``title``,
        ``role``, ``language``, ``timezone``)."""
        mine = self.json("GET", "api/courses", "my courses")
        for entry in mine:
            if entry["id"] == course:
                return dict(entry)
        known = ", ".join(e["id"] for e in mine) or "-"
        raise BadInputError(
            _("'{course}' is not one of your courses ({known}).").format(course=course, known=known)
        )

    def panel(self, part: str = "", course: str = "") -> dict[str, Any]:
        """A view of the "Mon parcours" panel computed by the service: the first answer
        (no ``part``: texts and each course's path), else ``deadlines``, ``review``,
        ``workload`` or ``badges`` of ``course``."""
        if not part:
            return dict(self.json("GET", "api/panel", "my path"))
        return dict(self.json("GET", f"api/courses/{course}/panel/{part}", f"{part} of {course}"))

    def deadlines(self, course: str) -> dict[str, Any]:
        """The learner's assignments in ``course`` (due dates, extensions, status)."""
        return dict(self.json("GET", f"api/courses/{course}/deadlines", f"deadlines of {course}"))

    def fetch(self, course: str, assignment: str, into: Path) -> tuple[Path, list[Path]]:
        """Fetch into ``<into>/<course>/<assignment>``; only missing files are written (the
        learner's work is never overwritten). Returns the folder and the files written."""
        data = self.call(
            "GET", f"api/courses/{course}/assignments/{assignment}", f"fetch {course}/{assignment}"
        )
        folder = into.resolve() / course / assignment
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for member in tar.getmembers():
                target = folder / member.name
                if not member.isfile() or target.exists():
                    continue
                tar.extract(member, folder, filter="data")
                written.append(target)
        return folder, written

    def submit(self, course: str, assignment: str, into: Path) -> dict[str, Any]:
        """Send ``<into>/<course>/<assignment>``; the service's receipt."""
        folder = into.resolve() / course / assignment
        if not folder.is_dir():
            raise BadInputError(
                _(
                    "nothing to submit: {folder} does not exist. Fetch the assignment first "
                    "('parcours fetch {course} {assignment}') and work in that folder."
                ).format(folder=folder, course=course, assignment=assignment)
            )
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            for path in sorted(folder.rglob("*")):
                if (
                    path.is_file()
                    and not path.is_symlink()
                    and ".ipynb_checkpoints" not in path.parts
                    and "feedback" not in path.relative_to(folder).parts[:1]
                ):
                    tar.add(path, arcname=str(path.relative_to(folder)), recursive=False)
        answer = self.call(
            "POST",
            f"api/courses/{course}/assignments/{assignment}",
            f"submit {course}/{assignment}",
            buffer.getvalue(),
            "application/gzip",
        )
        return dict(json.loads(answer))

    def feedback(self, course: str, assignment: str, into: Path) -> list[Path]:
        """Write the learner's feedback pages into ``<into>/<course>/<assignment>/feedback``."""
        found = self.json(
            "GET",
            f"api/courses/{course}/assignments/{assignment}/feedback",
            f"feedback on {course}/{assignment}",
        )
        folder = into.resolve() / course / assignment / "feedback"
        written = []
        for name, html in found["pages"].items():
            path = folder / Path(name).parent.name / Path(name).name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(html, encoding="utf-8")
            written.append(path)
        return sorted(written)

    def result(self, course: str, assignment: str, wait: float = 0) -> dict[str, Any]:
        """The learner's on-submit result of their latest submission (``wait`` seconds at
        most for a pending one): which graded cells passed, points, problems."""
        return dict(
            self.json(
                "GET",
                f"api/courses/{course}/assignments/{assignment}/result?wait={wait:g}",
                f"result of {course}/{assignment}",
            )
        )

    def teach(
        self, course: str, assignment: str, action: str, options: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A teacher's pipeline command on their course, run by the service:
        ``release`` (options ``{"to": [...]}``), ``collect``, ``autograde``,
        ``feedback-release``; the service's summary."""
        return dict(
            self.json(
                "POST",
                f"api/courses/{course}/assignments/{assignment}/{action}",
                f"{action} {course}/{assignment}",
                options or {},
            )
        )
