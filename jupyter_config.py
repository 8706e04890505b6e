# Parcours — the one configuration file.
#
# Every Jupyter application started by `parcours` (JupyterLab, Voila, nbgrader) and every
# `parcours` command reads this file, then your own ~/.jupyter/jupyter_config.py, whose
# settings win. Run `parcours config` to see the values in force and their files.
#
# Paths here are relative to this file's folder unless absolute.
import os

here = os.path.dirname(os.path.abspath(__file__))
data_dir = os.environ.get("PARCOURS_DATA_DIR") or os.path.join(here, ".parcours")

c = get_config()  # noqa: F821 (provided by traitlets' config loader)

# --- Parcours -----------------------------------------------------------------------
c.ParcoursConfig.data_dir = data_dir
c.ParcoursConfig.courses_dir = os.path.join(here, "courses")
c.ParcoursConfig.language = "fr"
# c.ParcoursConfig.gradebook_url = "postgresql+psycopg://parcours@127.0.0.1/parcours_{course}"
# c.ParcoursConfig.events_url = "sqlite:////srv/parcours/events.sqlite"

# Grading: parallel workers (0 = one per core) and the sandbox's limits, e.g.
# c.ParcoursConfig.grading_workers = 4
# c.ParcoursConfig.cell_timeout = 60
# (also notebook_timeout, memory_limit_mb, process_limit, output_limit_kb, allow_network;
# `parcours config` shows their values in force, defaults included).
# Grade on a Dask cluster instead of this machine (`parcours autograde --scheduler`
# overrides it; needs the 'distributed' extra; workers as root, one thread each).
# c.ParcoursConfig.grading_scheduler = "tcp://127.0.0.1:8786"

# Servers started by Parcours listen on the loopback interface only.
c.ParcoursConfig.ip = "127.0.0.1"
# JupyterHub (`parcours hub`, `parcours demo`; docs/deployment.md). Learners come from the
# rosters, teachers from each course.toml's `teachers`, coordinators from here.
c.ParcoursConfig.coordinators = ["coord-demo"]
c.ParcoursConfig.hub_port = 8000
# c.ParcoursConfig.hub_authenticator = "oauthenticator.generic.GenericOAuthenticator"
# c.ParcoursConfig.hub_spawner = "dockerspawner.DockerSpawner"
# Who teaches a course: its course.toml's `teachers`, on the hub and on one machine
# (c.ParcoursConfig.dashboard_teachers is deprecated).
# View the dashboards as of a moment (demos, audits); default: now (or env PARCOURS_NOW).
# c.ParcoursConfig.dashboard_now = "2026-10-20T12:00:00+02:00"

# --- compliance: training body, reminders, retention (docs/privacy.md) -------------
# Printed on certificates of completion and evidence packs (`parcours certificate`).
c.ParcoursConfig.organisation_name = "Formations Parcours (démonstration)"
# c.ParcoursConfig.organisation_siret = "123 456 789 00012"
# c.ParcoursConfig.organisation_nda = "76 31 01234 31"
# c.ParcoursConfig.organisation_address = "1 rue des Écoles, 31000 Toulouse"
# c.ParcoursConfig.organisation_signatory = "Claire Moreau, directrice"
# c.ParcoursConfig.organisation_city = "Toulouse"
# E-mail reminders (`parcours remind COURSE`, from cron): the SMTP server to send through.
# c.ParcoursConfig.smtp_host = "smtp.example.org"
# c.ParcoursConfig.smtp_port = 587
# c.ParcoursConfig.smtp_starttls = True
# c.ParcoursConfig.smtp_user = "parcours"
# c.ParcoursConfig.smtp_password = os.environ.get("PARCOURS_SMTP_PASSWORD", "")
# c.ParcoursConfig.smtp_sender = "Parcours <formation@example.org>"
c.ParcoursConfig.reminder_days_before = [3, 1]
c.ParcoursConfig.quiet_hours = "21:00-08:00"
# Retention (`parcours privacy purge`): certificates 3 years, evidence 6 years, events.
c.ParcoursConfig.retention_certificates_years = 3
c.ParcoursConfig.retention_evidence_years = 6
c.ParcoursConfig.retention_events_days = 730

# --- nbgrader -----------------------------------------------------------------------
# Parcours sets CourseDirectory.root and course_id per course, and the grading timeout from
# cell_timeout. The exchange is shared by all courses: Parcours' exchange classes find it
# under ParcoursConfig.data_dir (or exchange_dir), wherever that is set, and let learners
# see only the releases meant for them (group / named-learner releases, corrections after
# their own due date) in nbgrader's JupyterLab assignment list and `parcours fetch` alike.
from parcours.pipeline.coursedir import use_parcours_exchange, use_safe_html  # noqa: E402

use_parcours_exchange(c)
c.ClearSolutions.code_stub = {"python": "# VOTRE CODE ICI\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "VOTRE RÉPONSE ICI"
# Learner content never runs in staff views: the feedback pages nbgrader generates (also
# from formgrader's "Generate feedback" button) render learners' Markdown, HTML and
# outputs sanitised, under a Content-Security-Policy with no script at all. The
# formgrader's own pages get the same sanitiser and a CSP from `parcours formgrader` and
# the hub's formgrader services (docs/assignment-loop.md, "Learner content in staff views").
use_safe_html(c)

# --- Voila --------------------------------------------------------------------------
# JupyterLab extensions Voila must not load (by package name): nbgrader's and notebook's
# need JupyterLab's full application and fail inside a dashboard page; the others are
# not used by the dashboards and cost every visit their start-up (plotly figures are
# drawn by Parcours' Voila template with plotly.js' smaller cartesian bundle).
c.VoilaConfiguration.extension_denylist = [
    "@jupyter/nbgrader",
    "@jupyter-notebook/lab-extension",
    "jupyterlab-plotly",
    "jupyterlab_pygments",
    "@voila-dashboards/jupyterlab-preview",
    "anywidget",  # the lessons' quiz choices, never in a dashboard
    "parcours-panel",  # "Mon parcours" lives in JupyterLab's side bar
]
c.VoilaConfiguration.show_tracebacks = False
c.MappingKernelManager.cull_idle_timeout = 900
c.MappingKernelManager.cull_interval = 60
# seconds before Voila heats the next kernel of a dashboard whose preheated kernel a
# visitor has just taken (Voila's default: 1): heating runs the notebook (data loaded,
# default view computed, its outputs rendered by the server), which on a small server
# takes the CPU from the visitor's page while it starts (1,000 learners, 2 cores: page
# interactive in 1.95 s with 1, 1.66 s with 3; bench/dashboard.py). A second visitor
# of the same page within these seconds waits for that kernel as before.
c.VoilaKernelManager.fill_delay = 3
