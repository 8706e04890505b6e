"""The dashboards' first page: the dashboards the visitor may open, named for people
(served at the root of the dashboards' server instead of Voila's list of notebook files;
on the hub, only the pages the asking user may open: :func:`..hub.people.dashboards_for`).
"""

from __future__ import annotations

from html import escape

from ..i18n import N_, gettext_, language

#: each dashboard (its notebook's stem): its name and what it shows, in the order listed
DASHBOARDS: dict[str, tuple[str, str]] = {
    "coordinator": (
        N_("Coordination"),
        N_(
            "Every course: progress, indicators against their targets, learners at risk, "
            "dropout points, groups, workload."
        ),
    ),
    "teacher": (
        N_("Teaching"),
        N_("Each assignment: submissions, the questions that fail most, answers to grade."),
    ),
    "learner": (
        N_("My dashboard"),
        N_("My progress, my assignments and their feedback, my mastery of each skill."),
    ),
}


def index_html(pages: list[str], lang: str, base_url: str, *, asked: bool = False) -> str:
    """The page listing ``pages`` (keys of :data:`DASHBOARDS`) in ``lang``, each a link
    to ``<base_url>voila/render/<page>.ipynb``; ``asked``: the visitor asked for ``lang``
    (``?lang=``), which the links then keep (else each page speaks its course's language)."""
    with language(lang):
        title = gettext_("Parcours dashboards")
        items = []
        for page in pages:
            name, what = DASHBOARDS[page]
            href = f"{base_url}voila/render/{page}.ipynb" + (f"?lang={lang}" if asked else "")
            items.append(
                f'<li><a href="{escape(href)}">{escape(gettext_(name))}</a>'
                f"<p>{escape(gettext_(what))}</p></li>"
            )
        empty = gettext_("No dashboard is open to this account.")
        body = f"<ul>{''.join(items)}</ul>" if items else f"<p>{escape(empty)}</p>"
    return f"""<!DOCTYPE html>
<html lang="{escape(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>
body{{font-family:system-ui,sans-serif;margin:2rem auto;max-width:44rem;padding:0 1rem;
color:#1f1f1f}}
ul{{list-style:none;padding:0}}
li{{border:1px solid #ccc;border-radius:6px;padding:.75rem 1rem;margin:.75rem 0}}
li a{{font-size:1.2rem;font-weight:bold;color:#0b57d0}}
li a:focus{{outline:2px solid #0b57d0;outline-offset:2px}}
li p{{margin:.35rem 0 0}}
</style>
</head>
<body>
<main>
<h1>{escape(title)}</h1>
{body}
</main>
</body>
</html>
"""
