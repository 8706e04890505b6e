"""JupyterHub's own pages in the course language: Parcours' templates, loaded the way
JupyterHub loads them (its own templates behind ``templates/``, ours first), render every
page a person meets — login, home, server starting / not running / stopping, logout, the
403/404/500 error pages, the navigation bar and its Services menu — in French for a French
course, in English for an English one, with no English sentence of JupyterHub's left in
French. No hub is started: the hub's own use is in test_readme_demo.py."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

#: JupyterHub's words a French page must not show
ENGLISH = (
    "Sign in",
    "Username",
    "Password",
    "Logout",
    "Login",
    "Start My Server",
    "Stop My Server",
    "My Server",
    "Not Found",
    "Forbidden",
    "Internal Server Error",
    "Jupyter has lots of moons",
    "Your server is starting up",
    "redirected automatically",
    "Event log",
    "Stop Server",
    "Server not running",
    "is not running",
    "Would you like",
    "Successfully logged out",
    "Your server is stopping",
    "refresh",
    "Token",
    "Home",
)


class _Text(HTMLParser):
    """What a reader sees of a page: its text and its buttons' values, not its scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "noscript"):
            self._hidden += 1
        found = dict(attrs)
        for name in ("value", "title", "aria-label", "alt"):
            if found.get(name) and not (tag == "input" and found.get("type") == "hidden"):
                self.parts.append(str(found[name]))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "noscript"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def shown(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return " | ".join(parser.parts)


@pytest.fixture
def render(repo: Path) -> Any:
    """``render(template, user=None, **namespace)``: a page as the hub renders it with
    Parcours' configuration (``configure_pages``) for a hub of the repository's courses."""
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader
    from jupyterhub.app import JupyterHub
    from parcours.config import load_config
    from parcours.hub.pages import configure_pages
    from parcours.hub.people import People, Person
    from traitlets.config import Config

    config = load_config(repo)
    people = People(
        {
            "ana": Person("ana", learns={"analyse-de-donnees"}),
            "prof": Person("prof", teaches={"analyse-de-donnees"}),
        },
        ["analyse-de-donnees"],
    )
    c = Config()
    configure_pages(c, config, people)
    base = JupyterHub()._template_paths_default()[0]  # as JupyterHub.init_tornado_settings
    paths = [*c.JupyterHub.template_paths, base]
    loader = ChoiceLoader(
        [PrefixLoader({"templates": FileSystemLoader([base])}, "/"), FileSystemLoader(paths)]
    )
    env = Environment(loader=loader, autoescape=True)

    def page(template: str, user: str | None = None, **namespace: Any) -> str:
        person = None
        if user:
            person = SimpleNamespace(
                name=user, json_escaped_name=user, spawner=SimpleNamespace(options_form="")
            )
        ns: dict[str, Any] = {
            "base_url": "/hub/",
            "prefix": "/",
            "user": person,
            "login_url": "/hub/login",
            "logout_url": "/hub/logout",
            "static_url": lambda path, include_version=True: f"/hub/static/{path}",
            "version_hash": "",
            "services": [],
            "parsed_scopes": {},
            "xsrf": "x",
            "xsrf_token": "x",
            "authenticator_login_url": "/hub/login",
            "authenticator": SimpleNamespace(request_otp=False),
        }
        for key, value in c.JupyterHub.template_vars.items():  # as JupyterHub's handlers
            ns[key] = value(person) if callable(value) else value
        ns.update(namespace)
        return env.get_template(template).render(**ns)

    return page


def _french(page: str, *expected: str) -> str:
    text = shown(page)
    for phrase in expected:
        assert phrase in text, (phrase, text)
    for word in ENGLISH:
        assert not re.search(rf"\b{re.escape(word)}\b", text), (word, text)
    assert '<html lang="en">' not in page or 'documentElement.lang = "fr"' in page
    return text


def test_login_home_and_server_pages_speak_french(render: Any) -> None:
    _french(
        render("login.html", login_error="Invalid username or password"),
        "Se connecter",
        "Nom d'utilisateur :",
        "Mot de passe :",
        "Nom d'utilisateur ou mot de passe incorrect.",
    )
    services = [
        SimpleNamespace(name="dashboards", href="/services/dashboards/"),
        SimpleNamespace(name="formgrader-analyse-de-donnees", href="/services/fg/"),
    ]
    home = _french(
        render(
            "home.html",
            "prof",
            services=services,
            default_server=SimpleNamespace(active=True),
            url="/user/prof/",
        ),
        "Accueil",
        "Se déconnecter",
        "Arrêter mon serveur",
        "Tableaux de bord",
        "Correction : Analyse de données avec pandas",
    )
    assert "formgrader-" not in home
    _french(
        render("home.html", "ana", default_server=SimpleNamespace(active=False), url="/hub/spawn"),
        "Démarrer mon serveur",
    )
    _french(
        render("spawn_pending.html", "ana", progress_url="/hub/api/progress"),
        "Votre serveur démarre.",
        "Journal des étapes",
        "Arrêter le serveur",
    )
    _french(
        render("not_running.html", "ana", spawn_url="/hub/spawn/ana", failed=False),
        "Votre serveur n'est pas démarré",
        "Démarrer mon serveur",
    )
    _french(render("stop_pending.html", "ana"), "Votre serveur s'arrête.", "Actualiser")
    _french(render("logout.html"), "Vous êtes déconnecté.")


def test_the_pages_scripts_are_javascript(render: Any, tmp_path: Path) -> None:
    """The scripts Parcours' templates write (the server's start, the home page's stop,
    the password's eye) parse: a broken one would leave a person on the waiting page."""
    import shutil
    import subprocess

    node = shutil.which("node")
    assert node, "node is installed by .ci/setup (configurable-http-proxy needs it)"
    pages = [
        render("spawn_pending.html", "ana", progress_url="/hub/api/progress"),
        render("home.html", "ana", default_server=SimpleNamespace(active=True), url="/u/"),
        render("login.html"),
    ]
    scripts = [
        script
        for page in pages
        for script in re.findall(r"<script>(.*?)</script>", page, flags=re.S)
        if "require(" in script or "addEventListener" in script
    ]
    assert len(scripts) >= 3, scripts
    for n, script in enumerate(scripts):
        path = tmp_path / f"script-{n}.js"
        path.write_text(script, encoding="utf-8")
        checked = subprocess.run([node, "--check", str(path)], capture_output=True, text=True)
        assert checked.returncode == 0, (checked.stderr, script)


@pytest.mark.parametrize(
    ("template", "status", "title"),
    [
        ("error.html", 403, "Accès refusé"),
        ("404.html", 404, "Page introuvable"),
        ("error.html", 500, "Erreur du serveur"),
    ],
)
def test_error_pages_speak_french(render: Any, template: str, status: int, title: str) -> None:
    page = render(
        template,
        "ana",
        status_code=status,
        status_message="Not Found" if status == 404 else "Forbidden",
        message="Action is not authorized with current scopes",
        message_html="",
        extra_error_html="",
    )
    text = shown(page.replace("<details>", "<script>").replace("</details>", "</script>"))
    _french(page.split("<details>")[0], title, "Revenir à ma page d'accueil")
    assert "Action is not authorized" not in text  # folded: details for whoever helps
    assert "Détails techniques (code" in page


def test_each_person_reads_the_pages_in_the_language_of_her_courses() -> None:
    from parcours.hub.pages import HubPages

    pages = HubPages("fr", {"sam": "en"}, {"data": "Data analysis"})
    assert pages.language(None) == "fr"
    assert pages.language(SimpleNamespace(name="sam")) == "en"
    assert pages.language(SimpleNamespace(name="someone-new")) == "fr"
    assert pages.service_label("formgrader-data", "en") == "Grading: Data analysis"
    assert pages.service_label("dashboards", "fr") == "Tableaux de bord"
    labels = pages.template_vars()
    assert labels["_"](SimpleNamespace(name="sam"))("Sign in") == "Sign in"
    assert labels["_"](None)("Sign in") == "Se connecter"


def test_the_templates_words_are_in_the_catalogue() -> None:
    """Jinja's own extractor reads the templates: their words are gettext messages,
    translated (test_i18n checks every message has its French)."""
    from parcours.i18n.extract import messages

    found = messages()
    assert found["Sign in"].startswith("hub/templates/login.html:")
    assert found["Page not found"].startswith("hub/templates/error.html:")
    assert found["Grading: {course}"].startswith("hub/pages.py:")


def test_the_data_service_is_not_in_the_services_menu(repo: Path) -> None:
    """The Parcours service answers API calls only: listed, it led to "404: Not Found"."""
    from parcours.config import load_config
    from parcours.hub.settings import parcours_service

    assert parcours_service(load_config(repo), 8000)["display"] is False


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("Rendu reçu le 6 déc. 2026 à 16 h 40 (heure de Paris, UTC+1).", None),
        ("lundi 28 septembre 2026 à 18:59 UTC−3", None),
        ("Rendu reçu le 2026-12-06T15:40:55.555+00:00", "ISO timestamp"),
        ("Rendu reçu le 6 déc. 2026 à 16:40.", "a time without its zone"),
        ("Suivi du 6 déc. à 21 h 13", "a time without its zone"),
        ("the Parcours service answered 500: event store", "500"),
        ("Sign in", "Sign in"),
        ("⚠ Enregistrement différé : le registre est indisponible", "Enregistrement différé"),
        ("Durée : 1,5 h ; 45 min ; 12,30 €", None),
    ],
)
def test_the_french_mode_check_sees_each_fault(text: str, fault: str | None) -> None:
    """The oracle of test_readme_demo: each fault it must see, and plain French it must
    let through."""
    from .french import french_mode

    if fault is None:
        french_mode(text, "example")
        return
    with pytest.raises(AssertionError, match=re.escape(fault)):
        french_mode(text, "example")
