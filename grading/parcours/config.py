"""The one Parcours configuration class, and how it is found.

``ParcoursConfig`` is read by the CLI, the server extension, the learner's kernel and the
dashboards. Its values come from ``jupyter_config.py`` files, loaded the way Jupyter
applications load them (``jupyter_core.paths.jupyter_config_path``):

1. the user's own ``~/.jupyter/jupyter_config.py`` (``JUPYTER_CONFIG_DIR``) — highest priority;
2. the project's ``jupyter_config.py`` (the folder holding ``courses/``);
3. the usual environment and system folders.

:func:`activate_project` puts the user's folder and the project folder at the head of
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
from traitlets.config import Config, Configurable

from .analytics.thresholds import RISK_THRESHOLDS

#: Environment variable naming the project folder (the one holding ``jupyter_config.py``
#: and ``courses/``). Set by :func:`activate_project` for child processes.
ROOT_ENV = "PARCOURS_ROOT"
CONFIG_FILE = "jupyter_config.py"

#: Parcours' nbgrader exchange classes (:mod:`.pipeline.exchange`), by ``ExchangeFactory``
#: trait: release-record checks for learners, and every exchange's root from
#: ``ParcoursConfig.exchange_dir``. Written into a configuration by :func:`use_parcours_exchange`.
EXCHANGE_CLASSES = {
    "list": "parcours.pipeline.exchange.ParcoursExchangeList",
    "fetch_assignment": "parcours.pipeline.exchange.ParcoursFetchAssignment",
    "submit": "parcours.pipeline.exchange.ParcoursSubmit",
    "fetch_feedback": "parcours.pipeline.exchange.ParcoursFetchFeedback",
    "release_assignment": "parcours.pipeline.exchange.ParcoursReleaseAssignment",
    "release_feedback": "parcours.pipeline.exchange.ParcoursReleaseFeedback",
    "collect": "parcours.pipeline.exchange.ParcoursCollect",
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
    service_token_cache_s = Float(
        30.0,
        help="How long the Parcours service trusts the hub's answer about a token before "
        "asking again. Each answer costs the hub a database lookup; a deadline brings "
        "hundreds of requests a second. A person removed from the hub is refused at most "
        "this long after; 0 asks the hub at every request.",
    ).tag(config=True)

    exchange_dir = Unicode(
        "",
        help="nbgrader exchange folder (release/inbound/feedback). Default: <data_dir>/exchange.",
    ).tag(config=True)

    # -- people and language ----------------------------------------------------------
    language = Enum(
        ["fr", "en"],
        default_value="fr",
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
        64, help="Processes a submission may create (RLIMIT_NPROC for the sandbox user)."
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
        "(analytics/thresholds.py lists them; reflections_missing is said only with "
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
        help="The courses' teachers (JupyterHub user names, or the single-machine learner id): "
        "they may open another learner's dashboard with ?learner=<id> (everyone else sees only "
        "their own), and their Jupyter servers may grade a notebook through POST "
        "/parcours/api/grade. Default: env PARCOURS_DASHBOARD_TEACHERS (comma-separated), else "
        "nobody.",
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
        4,
        help="Learner dashboards kept ready on the hub (preheated kernels, ~150 MB each): "
        "that many learners opening their page at once get it without a kernel start.",
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

    # -- derived paths ----------------------------------------------------------------
    @default("dashboard_teachers")
    def _default_dashboard_teachers(self) -> list[str]:
        names = os.environ.get("PARCOURS_DASHBOARD_TEACHERS", "")
        return [n.strip() for n in names.split(",") if n.strip()]

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


def secret_key(path: Path) -> str:
    """The secret in ``path``, made at random (0600, in a 0700 folder) the first time.
    "" when this process may not read it (a learner's server on the hub: there the
    Parcours service pseudonymises, never the learner's kernel)."""
    import secrets

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


def use_parcours_exchange(config: Config) -> Config:
    """Make nbgrader use Parcours' exchange classes (:data:`EXCHANGE_CLASSES`) in ``config``.

    Called by the project's ``jupyter_config.py`` (so that nbgrader's JupyterLab assignment
    list and every nbgrader application use them) and by the pipeline's own nbgrader
    configuration. The exchange's folder is not written here: each class takes it from
    ``ParcoursConfig.exchange_dir`` when it is used, after the user's file has been read.
    """
    for trait, klass in EXCHANGE_CLASSES.items():
        setattr(config.ExchangeFactory, trait, klass)
    config.Exchange.path_includes_course = True
    return config


def find_root(start: Path | None = None) -> Path:
    """The project folder: ``$PARCOURS_ROOT``, else the nearest folder upwards from ``start``
    (default: the working directory) that holds both ``jupyter_config.py`` and ``courses/``,
    else the source checkout this package was installed from (editable install), else the
    copy a wheel installs in ``<prefix>/share/parcours`` (its configuration file and the
    dashboard notebooks)."""
    env = os.environ.get(ROOT_ENV)
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).is_file() and (folder / "courses").is_dir():
            return folder
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / CONFIG_FILE).is_file():
        return checkout
    import sys

    installed = Path(sys.prefix) / "share" / "parcours"
    if (installed / CONFIG_FILE).is_file():
        return installed
    return here


def config_paths(root: Path) -> list[str]:
    """Folders searched for ``jupyter_config.py``, highest priority first."""
    from jupyter_core.paths import jupyter_config_dir

    user = jupyter_config_dir()
    paths = [user, str(root)]
    for extra in os.environ.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep):
        if extra and extra not in paths:
            paths.append(extra)
    return paths


def activate_project(root: Path | str | None = None) -> Path:
    """Make this process and its children use the project's configuration.

    Sets ``PARCOURS_ROOT`` and puts the user's Jupyter config folder, then the project
    folder, at the head of ``JUPYTER_CONFIG_PATH`` (where the user's file keeps priority).
    Idempotent. Returns the project folder.
    """
    root = (Path(root) if root else find_root()).resolve()
    os.environ[ROOT_ENV] = str(root)
    os.environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join(config_paths(root))
    return root


def load_traitlets_config(root: Path | str | None = None) -> Config:
    """Merge every ``jupyter_config.py`` on the search path, user's file last (it wins)."""
    from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

    folder_root = activate_project(root)
    merged = Config()
    for folder in reversed(config_paths(folder_root)):
        path = Path(folder) / CONFIG_FILE
        try:
            if not path.is_file():
                continue
        except PermissionError:
            if Path(folder) == folder_root:
                from .errors import ConfigurationError

                raise ConfigurationError(
                    f"{path}: this process's account cannot read the project's "
                    "configuration; make the project folder readable by it (the hub's "
                    "services run as their own accounts: docs/deployment.md)."
                ) from None
            continue  # another account's folder left on the search path: not ours

        try:
            loaded = PyFileConfigLoader(CONFIG_FILE, path=folder).load_config()
        except ConfigFileNotFound:
            continue
        except Exception as exc:  # a user's config file may raise anything
            from .errors import ConfigurationError

            raise ConfigurationError(
                f"{path}: this configuration file could not be loaded ({exc}). "
                "Fix the line it names, or move the file away to use the defaults."
            ) from exc
        merged.merge(loaded)
    return merged


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
