"""The one Parcours configuration class, and :func:`load_config` (where the project and its
configuration files are, and how they are merged: :mod:`.project`).

``ParcoursConfig`` is read by the CLI, the server extension, the learner's kernel and the
dashboards. Its values come from ``jupyter_config.py`` files, loaded the way Jupyter
applications load them (``jupyter_core.paths.jupyter_config_path``):

1. the user's own ``~/.jupyter/jupyter_config.py`` (``JUPYTER_CONFIG_DIR``) — highest priority;
2. the project's ``jupyter_config.py`` (the folder holding ``courses/``);
3. the usual environment and system folders.

:func:`.project.activate_project` puts the user's folder and the project folder at the head of
``JUPYTER_CONFIG_PATH`` for this process and every server or kernel it starts, so that
``jupyter lab``, ``voila`` and ``nbgrader`` started by ``parcours`` read the same file
without the user exporting anything.

This module imports only traitlets and the standard library: it is on the CLI's start-up
path.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from traitlets import Bool, Dict, Enum, Float, Int, List, Unicode, default
from traitlets.config import Configurable

from .i18n import DEFAULT_LANGUAGE, LANGUAGES
from .project import find_root, load_traitlets_config

#: default thresholds of the risk rules (:mod:`.analytics.risk`), ``ParcoursConfig.
#: risk_thresholds``' default: rule -> threshold (fires when its measure is at least that)
RISK_THRESHOLDS: dict[str, float] = {
    # no trace for a week and a half: a learner of an asynchronous course may skip a
    # week, not two
    "days_inactive": 10,
    "missed_deadlines": 1,
    "late_submissions": 2,
    # the last two scores at least 20 points under the earlier ones...
    "score_drop": 0.2,
    # ... and under this share: a drop from 100 % to 80 % is no worry
    "score_drop_below": 0.6,
    "unanswered_quizzes": 0.5,
    # a supporting reason only: said with another reason, never flags a learner alone
    "reflections_missing": 3,
}


class ParcoursConfig(Configurable):
    """Every Parcours setting, set in ``jupyter_config.py`` as ``c.ParcoursConfig.<name>``."""

    # -- where things live ------------------------------------------------------------
    root = Unicode(
        "",
        help="Project folder holding courses/, notebooks/ and jupyter_config.py. "
        "Found automatically; rarely set by hand.",
    ).tag(config=True)

    data_dir = Unicode(
        "",
        help="Runtime state: nbgrader course folders (release, submitted, autograded, "
        "feedback), gradebooks, the exchange and the event store. Default: <root>/.parcours. "
        "Never inside courses/.",
    ).tag(config=True)

    courses_dir = Unicode(
        "",
        help="Folder of course folders, each with a course.toml. Default: <root>/courses.",
    ).tag(config=True)

    gradebook_url = Unicode(
        "",
        help="SQLAlchemy URL of the nbgrader gradebook; '{course}' is replaced by the course "
        "id. Default: sqlite:///<data_dir>/courses/{course}/gradebook.db. For PostgreSQL: "
        "postgresql+psycopg://user@127.0.0.1/parcours_{course}.",
    ).tag(config=True)

    events_url = Unicode(
        "",
        help="Where learners' events are recorded: sqlite:///path (default "
        "<data_dir>/events.sqlite), or on a hub the Parcours service (service_url).",
    ).tag(config=True)

    service_url = Unicode(
        "",
        help="The Parcours hub service (http://127.0.0.1:<port>/services/parcours/): on the "
        "hub, learners' events, fetch, submit and deadlines go through it with their token. "
        "Set by the hub in each person's server (env PARCOURS_SERVICE_URL); empty elsewhere.",
    ).tag(config=True)
    exchange_transport = Unicode(
        "",
        help="What carries nbgrader's exchange operations instead of nbgrader itself: the "
        "import name of a function (exchange, local_start) -> result. On the hub, set in "
        "each person's server (env PARCOURS_EXCHANGE_TRANSPORT) to the Parcours service's "
        "(parcours.hub.exchange.through_service); empty elsewhere: nbgrader's own.",
    ).tag(config=True)
    service_token_cache_s = Float(
        30.0,
        help="How long the Parcours service trusts the hub's answer about a token before "
        "asking again. Each answer costs the hub a database lookup; a deadline brings "
        "hundreds of requests a second. A person removed from the hub is refused at most "
        "this long after; 0 asks the hub at every request.",
    ).tag(config=True)
    service_learner_threads = Int(
        8,
        help="Threads of the Parcours service serving learners' fetches, submissions, "
        "feedback and reads (each writes only its own learner's files, so several run at "
        "once); never shared with the teachers' pipeline commands, which run one at a time "
        "in a thread of their own.",
    ).tag(config=True)
    service_max_body_mb = Int(
        128,
        help="Largest request body the Parcours service accepts, in MiB (a submission's "
        "tar.gz, a batch of events).",
    ).tag(config=True)
    service_max_events = Int(
        5000, help="Most events the Parcours service accepts in one request."
    ).tag(config=True)
    service_result_wait_s = Float(
        120.0,
        help="Longest wait the Parcours service grants a learner asking for an on-submit "
        "result still pending (``…/result?wait=S``), in seconds.",
    ).tag(config=True)
    history_attempts = Int(
        5,
        help="Attempts at writing one entry of a course's history after the action it "
        "records landed (the action's answer never waits for them); when all fail, the "
        "entry is kept among the course's service problems, which its teachers read.",
    ).tag(config=True)
    history_retry_s = Float(
        2.0,
        help="Seconds before the first new attempt at writing a history entry; doubled "
        "after each failure.",
    ).tag(config=True)
    history_connect_timeout_s = Float(
        10.0,
        help="Seconds the history waits for PostgreSQL to accept a connection (then the "
        "attempt fails and is retried: history_attempts).",
    ).tag(config=True)
    spawn_hook_timeout_s = Float(
        60.0,
        help="Seconds the hub waits for a person's workspace to be prepared before their "
        "server starts (the spawn hook's child process); beyond, the child is stopped and "
        "the start fails with a message.",
    ).tag(config=True)

    exchange_dir = Unicode(
        "",
        help="nbgrader exchange folder (release/inbound/feedback). Default: <data_dir>/exchange.",
    ).tag(config=True)

    # -- people and language ----------------------------------------------------------
    language = Enum(
        list(LANGUAGES),
        default_value=DEFAULT_LANGUAGE,
        help="Language of messages, widgets and dashboards when a course does not say.",
    ).tag(config=True)

    learner = Unicode(
        "",
        help="Learner id used in single-machine mode when no JupyterHub user is known "
        "(JUPYTERHUB_USER wins when set).",
    ).tag(config=True)

    pseudonym_salt = Unicode(
        help="The secret key of learners' pseudonyms in events and exports (HMAC-SHA256). "
        "Leave it unset: it is then made once, at random, in <data_dir>/secrets/"
        "pseudonyms.key (0600), which on the hub only root and the Parcours service read — "
        "learners cannot compute anyone's pseudonym. Set it only to share pseudonyms "
        "between two deployments.",
    ).tag(config=True, secret=True)

    @default("pseudonym_salt")
    def _secret_key(self) -> str:
        from .safefs import secret_key

        return secret_key(Path(self.data_dir) / "secrets" / "pseudonyms.key")

    # -- grading ----------------------------------------------------------------------
    grading_workers = Int(0, help="Parallel grading workers; 0 means one per CPU core.").tag(
        config=True
    )
    cell_timeout = Float(30.0, help="Seconds one cell of a submission may run.").tag(config=True)
    notebook_timeout = Float(
        300.0, help="Seconds a whole submission may run before it is stopped."
    ).tag(config=True)
    memory_limit_mb = Int(1024, help="Address-space limit of a submission's process, in MiB.").tag(
        config=True
    )
    process_limit = Int(
        64,
        help="Processes a submission may create (its sandbox's pids control group; "
        "RLIMIT_NPROC of the sandbox user where no group can be made).",
    ).tag(config=True)
    output_limit_kb = Int(
        256, help="Largest output a cell may keep, in KiB; beyond it the output is cut."
    ).tag(config=True)
    disk_limit_mb = Int(
        512,
        help="Size of a submission's working folder while it is graded, in MiB (a private "
        "in-memory file system holding the learner's files, the assignment's data files and "
        "what the notebook writes there); going over it is recorded as that learner's problem.",
    ).tag(config=True)
    submission_max_mb = Int(
        100,
        help="Largest size of a submission once unpacked, in MiB (the hub's submit): a larger "
        "one is refused, nothing of it kept.",
    ).tag(config=True)
    submission_max_files = Int(
        1000,
        help="Most files and folders a submission may hold (the hub's submit): more is refused.",
    ).tag(config=True)
    sandbox_user = Unicode(
        "nobody",
        help="Unprivileged user student code runs as when Parcours is started as root.",
    ).tag(config=True)
    allow_network = Bool(False, help="Let student code reach the network while being graded.").tag(
        config=True
    )
    grading_scheduler = Unicode(
        "",
        help="Address of a Dask scheduler (tcp://host:8786) whose workers grade the notebooks "
        "of `parcours autograde` (one task per notebook; this machine stays the only gradebook "
        "writer). Empty: grade on this machine. Needs the 'distributed' extra; "
        "`parcours autograde --scheduler` overrides it. See docs/autograde.md.",
    ).tag(config=True)

    # -- analytics --------------------------------------------------------------------
    risk_thresholds = Dict(
        default_value=RISK_THRESHOLDS,
        help="Rules that flag a learner at risk; each a threshold a tutor can edit "
        "(config.py: RISK_THRESHOLDS lists them; reflections_missing is said only with "
        "another reason).",
    ).tag(config=True)
    band_thresholds = Dict(
        default_value={"remediation": 0.5, "extension": 0.8},
        help="Mastery below 'remediation' puts a learner in remediation, at or above "
        "'extension' in extension, between the two in consolidation.",
    ).tag(config=True)
    random_seed = Int(2026, help="Seed for groups, A/B assignment and synthetic cohorts.").tag(
        config=True
    )

    # -- servers ----------------------------------------------------------------------
    ip = Unicode("127.0.0.1", help="Address the servers Parcours starts listen on.").tag(
        config=True
    )
    lab_port = Int(8890, help="Port of the JupyterLab server started by `parcours demo`.").tag(
        config=True
    )
    dashboard_port = Int(8866, help="Port of the Voila dashboards server.").tag(config=True)
    formgrader_port = Int(
        8867,
        help="Port of nbgrader's formgrader started by `parcours formgrader` (one "
        "machine; on the hub each course has its formgrader-<course> service).",
    ).tag(config=True)
    dashboard_now = Unicode(
        "",
        help="View the dashboards as of this moment (ISO 8601 with a zone, e.g. "
        "2026-10-20T12:00:00+02:00) instead of the current time: for demos, audits and "
        "replays. Default: env PARCOURS_NOW, else empty (the current time).",
    ).tag(config=True)
    dashboard_teachers = List(
        Unicode(),
        default_value=[],
        help="Deprecated: name each course's teachers in its course.toml (teachers = [...]), "
        "the one place that says who teaches (parcours.course.teachers). Still read, with a "
        "warning, as teachers of every course added to the manifests'.",
    ).tag(config=True)

    # -- JupyterHub (docs/deployment.md) ------------------------------------------
    hub_port = Int(8000, help="Port of JupyterHub's proxy (the address people open).").tag(
        config=True
    )
    hub_authenticator = Unicode(
        "pam",
        help="Who checks passwords at the hub's login page: 'pam' (the machine's accounts, "
        "passwords set by `parcours accounts`), or the import path of any JupyterHub "
        "authenticator class (oauthenticator.generic.GenericOAuthenticator, "
        "ltiauthenticator.lti13.authenticator.LTI13Authenticator, ...) whose own settings "
        "go in this file as c.<ClassName>.<setting>.",
    ).tag(config=True)
    hub_spawner = Unicode(
        "jupyterhub.spawner.LocalProcessSpawner",
        help="How each person's JupyterLab is started: LocalProcessSpawner (each as their "
        "own Unix account on this machine; Parcours must run as root), or the import path "
        "of another spawner (dockerspawner.DockerSpawner, kubespawner.KubeSpawner).",
    ).tag(config=True)
    hub_proxy_command = Unicode(
        "",
        help="The configurable-http-proxy command. Default: the one README's setup installs "
        "under <root>/node_modules/.bin, else 'configurable-http-proxy' on PATH.",
    ).tag(config=True)
    coordinators = List(
        Unicode(),
        default_value=[],
        help="Accounts of the coordinators: they read every course's dashboards on the hub.",
    ).tag(config=True)
    hub_unix_group = Unicode(
        "parcours",
        help="Unix group of the people of this installation: the hub's login accepts only "
        "its members, and `parcours accounts sync` keeps it equal to the rosters (an account "
        "no longer in them leaves the group). Two installations on one machine need two "
        "groups.",
    ).tag(config=True)
    hub_learner_pool = Int(
        1,
        help="Voila learner dashboards kept ready on the hub (preheated kernels, ~150 MB "
        "each) for the learner page's Voila form (?voila=1): that many opening it at once "
        "get it without a kernel start. The learner page itself is built by the dashboards "
        "service without a kernel.",
    ).tag(config=True)
    hub_idle_minutes = Int(
        60,
        help="Stop a person's JupyterLab after this many idle minutes (0: never); their files "
        "stay in their home.",
    ).tag(config=True)

    # -- compliance: training body, e-mail reminders, retention (docs/privacy.md) -----
    organisation_name = Unicode(
        "", help="Name of the training body, printed on certificates and evidence packs."
    ).tag(config=True)
    organisation_siret = Unicode("", help="SIRET number of the training body.").tag(config=True)
    organisation_nda = Unicode(
        "", help="Declaration of activity number (numéro de déclaration d'activité), if any."
    ).tag(config=True)
    organisation_address = Unicode("", help="Postal address of the training body.").tag(config=True)
    organisation_signatory = Unicode(
        "",
        help="Name and role of the person who signs certificates (e.g. 'Claire Moreau, "
        "directrice').",
    ).tag(config=True)
    organisation_city = Unicode(
        "", help="Town printed in the certificate's 'Fait à ...' line."
    ).tag(config=True)
    smtp_host = Unicode(
        "", help="SMTP server `parcours remind` sends through; empty: reminders are not sent."
    ).tag(config=True)
    smtp_port = Int(25, help="Port of the SMTP server.").tag(config=True)
    smtp_starttls = Bool(False, help="Upgrade the SMTP connection with STARTTLS.").tag(config=True)
    smtp_user = Unicode("", help="SMTP login, if the server asks for one.").tag(config=True)
    smtp_password = Unicode(
        "", help="SMTP password; better from the environment than written in the file."
    ).tag(config=True, secret=True)
    smtp_sender = Unicode(
        "", help="From: address of reminders, e.g. 'Parcours <formation@example.org>'."
    ).tag(config=True)
    reminder_days_before = List(
        Int(),
        default_value=[3, 1],
        help="Days before each learner's own due date (extensions included) to remind them.",
    ).tag(config=True)
    quiet_hours = Unicode(
        "21:00-08:00",
        help="Local hours (course time zone) when no reminder is sent, 'HH:MM-HH:MM'; "
        "empty: any hour.",
    ).tag(config=True)
    tutoring_near_hours = Float(
        4.0,
        help="Working hours before a question's due time (the course's [tutoring] "
        "response_hours) from which it is near the delay: listed first for the tutors and "
        "in their e-mail reminder.",
    ).tag(config=True)
    satisfaction_relance_days = Int(
        7,
        help="Days between two relances of the satisfaction survey, sent until answered "
        "once the course's last assignment is due.",
    ).tag(config=True)
    retention_certificates_years = Int(
        3, help="Years certificates of completion are kept (`parcours privacy purge`)."
    ).tag(config=True)
    retention_evidence_years = Int(
        6, help="Years evidence packs and follow-ups are kept (Qualiopi audits, funders)."
    ).tag(config=True)
    retention_events_days = Int(
        730,
        help="Days learners' analytics events are kept; 0: kept until the learner is erased.",
    ).tag(config=True)

    lti_platforms = List(
        Dict(),
        default_value=[],
        help="LMS platforms Parcours is an LTI 1.3 tool of, one dict each (docs/lti.md): "
        "issuer, client_ids, auth_login_url, token_url, jwks_url, deployment_ids, courses "
        "(LMS context id -> course id), default_course; checked by parcours.lti.platforms.",
    ).tag(config=True)
    lti_key_file = Unicode(
        "",
        help="The LTI tool's RSA private key (PEM), made on first use. Default: "
        "<data_dir>/secrets/lti-tool.pem.",
    ).tag(config=True)
    lrs_url = Unicode(
        "",
        help="Learning record store the learners' events go to as xAPI 1.0.3 statements "
        "(`parcours lrs sync`): its xAPI endpoint (https://lrs.example.org/xAPI/); empty: none.",
    ).tag(config=True)
    lrs_user = Unicode("", help="HTTP Basic login at the LRS (lrs_url).").tag(config=True)
    lrs_password = Unicode("", help="HTTP Basic password at the LRS (lrs_url).").tag(
        config=True, secret=True
    )
    lrs_home_page = Unicode(
        "",
        help="Public address of Parcours in xAPI statements: the actor's account homePage "
        "(her pseudonym as name) and the base of activity ids. Default: http://<ip>:<hub_port>.",
    ).tag(config=True)

    # -- derived paths ----------------------------------------------------------------
    @default("dashboard_now")
    def _default_dashboard_now(self) -> str:
        return os.environ.get("PARCOURS_NOW", "")

    @default("root")
    def _default_root(self) -> str:
        return str(find_root())

    @default("data_dir")
    def _default_data_dir(self) -> str:
        return str(Path(self.root) / ".parcours")

    @default("courses_dir")
    def _default_courses_dir(self) -> str:
        return str(Path(self.root) / "courses")

    @default("exchange_dir")
    def _default_exchange_dir(self) -> str:
        return str(Path(self.data_dir) / "exchange")

    @default("service_url")
    def _default_service_url(self) -> str:
        return os.environ.get("PARCOURS_SERVICE_URL", "")

    @default("exchange_transport")
    def _default_exchange_transport(self) -> str:
        return os.environ.get("PARCOURS_EXCHANGE_TRANSPORT", "")

    @default("events_url")
    def _default_events_url(self) -> str:
        if self.service_url:
            return self.service_url
        return "sqlite:///" + str(Path(self.data_dir) / "events.sqlite")

    @default("gradebook_url")
    def _default_gradebook_url(self) -> str:
        return "sqlite:///" + str(Path(self.data_dir) / "courses" / "{course}" / "gradebook.db")

    def course_root(self, course_id: str) -> Path:
        """nbgrader course folder (``CourseDirectory.root``) of one course, under data_dir."""
        return Path(self.data_dir) / "courses" / course_id

    def course_dir(self, course_id: str) -> Path:
        """Content folder of one course (its course.toml, lessons and sources)."""
        return Path(self.courses_dir) / course_id

    @property
    def hub_dir(self) -> Path:
        """JupyterHub's state (its database, cookie secret, accounts' first passwords)."""
        return Path(self.data_dir) / "hub"

    def gradebook_for(self, course_id: str) -> str:
        """The gradebook URL of one course."""
        return self.gradebook_url.replace("{course}", course_id)

    @property
    def workers(self) -> int:
        """Grading workers actually used."""
        return self.grading_workers or (os.cpu_count() or 1)


def load_config(root: Path | str | None = None, **overrides: Any) -> ParcoursConfig:
    """The Parcours configuration for a project, from its ``jupyter_config.py`` files.

    ``overrides`` (for example from command-line flags) win over the files.
    """
    config = load_traitlets_config(root)
    parcours = ParcoursConfig(config=config)
    if root is not None and not config.ParcoursConfig.get("root"):
        parcours.root = str(Path(root).resolve())
    for name, value in overrides.items():
        if value is not None:
            setattr(parcours, name, value)
    return parcours
