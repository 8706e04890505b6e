"""nbgrader's exchange in a learner's server on the hub: through the Parcours service.

On the hub the exchange folder belongs to the Parcours service (learners cannot read it),
so the hub names :func:`through_service` as the exchange's transport in every person's
server (``ParcoursConfig.exchange_transport``, env ``PARCOURS_EXCHANGE_TRANSPORT``): there
Parcours' exchange classes (``pipeline/exchange.py``, named in ``jupyter_config.py`` for
every nbgrader application, JupyterLab's *Assignments* panel included) send a learner's
list, fetch, submit and feedback fetch to the service with the learner's own token
(:class:`.client.ServiceClient`) — when ``ParcoursConfig.service_url`` and
``JUPYTERHUB_API_TOKEN`` are set and the process is not a hub service itself. Elsewhere
(one machine, the service, the formgrader) nbgrader's own filesystem exchange runs.

What the panel shows is what nbgrader's own ``ExchangeList`` gives: the service runs it on
its exchange for the asking learner (:func:`exchange_listing`) and this side adds what only
the learner's server knows (fetched folders, feedback already fetched).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .client import ServiceClient

#: the value of ``ParcoursConfig.exchange_transport`` in people's servers on the hub
EXCHANGE_TRANSPORT = "parcours.hub.exchange.through_service"


def through_service(exchange: Any, local: Callable[[], Any]) -> Any:
    """The exchange's transport on the hub: a learner's operation through the service,
    anything else (a teacher's release or collect, a service's own exchange) nbgrader's
    own (``local``)."""
    client = client_for(exchange)
    return local() if client is None else run(exchange, client)


def client_for(exchange: Any) -> ServiceClient | None:
    """The service client for a learner's exchange object on the hub, else None."""
    from nbgrader.exchange.abc import (
        ExchangeFetchAssignment,
        ExchangeFetchFeedback,
        ExchangeList,
        ExchangeSubmit,
    )

    learner_side = (ExchangeList, ExchangeFetchAssignment, ExchangeSubmit, ExchangeFetchFeedback)
    if not isinstance(exchange, learner_side) or os.environ.get("JUPYTERHUB_SERVICE_NAME"):
        return None
    url = exchange.parcours().service_url
    if not url or not os.environ.get("JUPYTERHUB_API_TOKEN"):
        return None
    return ServiceClient.from_environment(url)


def run(exchange: Any, client: ServiceClient) -> Any:
    """Do what ``exchange.start()`` does, through the service."""
    from nbgrader.exchange.abc import ExchangeFetchAssignment, ExchangeList, ExchangeSubmit

    course = exchange.coursedir.course_id
    assignment = exchange.coursedir.assignment_id
    into = Path(exchange.assignment_dir)
    if isinstance(exchange, ExchangeList):
        return listing(exchange, client, into)
    if not course or not assignment:
        exchange.fail("Give the course and the assignment.")
    if isinstance(exchange, ExchangeFetchAssignment):
        client.fetch(course, assignment, into)
    elif isinstance(exchange, ExchangeSubmit):
        receipt = client.submit(course, assignment, into)
        exchange.log.info("Submitted as of %s", receipt.get("received"))
    else:  # ExchangeFetchFeedback
        client.feedback(course, assignment, into)
    return None


def listing(exchange: Any, client: ServiceClient, into: Path) -> list[dict[str, Any]]:
    """nbgrader's list (released, or the learner's submissions with ``cached``/``inbound``)
    in nbgrader's own shape, the service's view completed with the learner's folders."""
    wanted = exchange.coursedir.course_id
    courses = (
        [wanted] if wanted else [c["id"] for c in client.json("GET", "api/courses", "courses")]
    )
    submitted = bool(exchange.inbound or exchange.cached)
    found: list[dict[str, Any]] = []
    for course in courses:
        answer = client.json("GET", f"api/courses/{course}/exchange", f"assignments of {course}")
        for info in answer["submitted" if submitted else "released"]:
            folder = into.resolve() / course / info["assignment_id"]
            if submitted:
                found.append(_with_local_feedback(info, folder))
            elif folder.is_dir():
                notebooks = sorted(glob.glob(str(folder / "*.ipynb")))
                found.append(
                    {
                        **info,
                        "status": "fetched",
                        "path": str(folder),
                        "notebooks": [{"notebook_id": Path(p).stem, "path": p} for p in notebooks],
                    }
                )
            else:
                found.append(info)
    return found


def _with_local_feedback(info: dict[str, Any], folder: Path) -> dict[str, Any]:
    for submission in info["submissions"]:
        local = folder / "feedback" / submission["timestamp"]
        for notebook in submission["notebooks"]:
            page = local / f"{notebook['notebook_id']}.html"
            notebook["has_local_feedback"] = page.is_file()
            notebook["local_feedback_path"] = str(page) if page.is_file() else None
        has_local = bool(submission["notebooks"]) and all(
            n["has_local_feedback"] for n in submission["notebooks"]
        )
        submission["has_local_feedback"] = has_local
        submission["local_feedback_path"] = str(local) if has_local else None
    return info


def exchange_listing(config: Any, course: Any, learner: str) -> dict[str, Any]:
    """For the service: nbgrader's own list of ``course``'s exchange as ``learner`` sees it
    — the assignments released to them, and their own submissions with whether feedback
    was released — without the service's paths."""
    import tempfile

    from ..pipeline.gradebook import nbgrader_course, nbgrader_log

    with tempfile.TemporaryDirectory(prefix="parcours-list-") as home:
        nbc = nbgrader_course(
            config,
            course,
            CourseDirectory__root=home,  # a learner's view, never the teacher's
            CourseDirectory__student_id=learner,
            CourseDirectory__assignment_id="",
            Exchange__assignment_dir=home,
        )
        out: dict[str, Any] = {}
        for kind, inbound in (("released", False), ("submitted", True)):
            lister = nbc.exchange.List(
                coursedir=nbc.coursedir,
                authenticator=nbc.authenticator,
                config=nbc.config,
                log=nbgrader_log(),
            )
            lister.inbound = inbound
            out[kind] = _without_paths(lister.start())
    return out


def _without_paths(value: Any) -> Any:
    """The listing with the service's own paths blanked (the learner has no use of them)."""
    if isinstance(value, list):
        return [_without_paths(v) for v in value]
    if isinstance(value, dict):
        return {
            k: (None if k in {"path", "local_feedback_path"} else _without_paths(v))
            for k, v in value.items()
        }
    return value
