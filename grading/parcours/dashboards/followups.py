"""The coordinator dashboard's follow-ups (Qualiopi indicator 12): next to the learners
at risk, a small form to record that a tutor contacted one of them (how, outcome, by
whom, open or done), and the list of follow-ups recorded, open and done.

The records are :mod:`parcours.compliance.followups`' (the same file the CLI
and the evidence pack read); this module only lays the form out.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from ..i18n import _

if TYPE_CHECKING:
    import pandas as pd

    from ..config import ParcoursConfig
    from .data import DashboardData


def followups_table(config: ParcoursConfig, data: DashboardData) -> str:
    """The follow-ups of the courses shown, newest contact first, as an HTML table: each
    learner named as in the learners-at-risk table (:mod:`.names`), each contact's time
    in its course's zone, the zone named."""
    import pandas as pd

    from ..compliance.followups import CHANNELS, LABELS, list_followups
    from ..i18n import get_language
    from .names import name_of_login
    from .ui import table_html

    rows = []
    for course in data.courses.values():
        for f in list_followups(config, course):
            rows.append(
                {"learner": name_of_login(data, f.learner), "course": f.course,
                 "how": _(CHANNELS.get(f.how, f.how)),
                 "at": pd.Timestamp(f.contacted_at).tz_convert("UTC"), "by": f.by,
                 "outcome": f.outcome, "status": _(LABELS.get(f.status, f.status))}
            )  # fmt: skip
    frame = pd.DataFrame(rows)
    count = sum(1 for r in rows if r["status"] == _(LABELS["open"]))
    head = (
        "<p id='followups-count'>"
        + html.escape(_(LABELS["count"]).format(open=count, done=len(rows) - count))
        + "</p>"
    )
    columns = {k: _(LABELS[k]) for k in ("learner", "course", "how", "when", "by", "outcome",
                                         "status")}  # fmt: skip
    if frame.empty:
        return head
    frame = frame.sort_values("at", ascending=False, ignore_index=True)
    frame["when"] = data.shown_times(frame["course"], frame["at"], get_language())
    return head + table_html(frame, columns, table_id="table-followups")


def followups_panel(config: ParcoursConfig, data: DashboardData, risk: pd.DataFrame) -> Any:
    """The form (learners at risk to choose from) and the list, as one widget."""
    import ipywidgets as w

    from ..compliance.followups import CHANNELS, LABELS, record_followup
    from .names import learner_names

    known = learner_names(data)
    choices = []
    for course, pseudo in zip(risk["course"], risk["learner"], strict=True) if len(risk) else []:
        sid, name = known.get(pseudo, ("", ""))
        if sid:  # named as in the table above
            choices.append((f"{name} ({course})", f"{course}/{sid}"))
    learner = w.Dropdown(options=choices, description=_(LABELS["learner"]))
    how = w.Dropdown(options=[(_(t), k) for k, t in CHANNELS.items()], description=_(LABELS["how"]))
    by = w.Text(description=_(LABELS["by"]))
    outcome = w.Textarea(description=_(LABELS["outcome"]))
    status = w.Dropdown(
        options=[(_(LABELS["open"]), "open"), (_(LABELS["done"]), "done")],
        description=_(LABELS["status"]),
    )
    button = w.Button(description=_(LABELS["record"]), button_style="primary")
    message = w.HTML()
    listing = w.HTML(followups_table(config, data))
    for widget, css in ((learner, "learner"), (how, "how"), (by, "by"), (outcome, "outcome"),
                        (status, "status"), (button, "record"), (message, "message"),
                        (listing, "list")):  # fmt: skip
        widget.add_class(f"parcours-followup-{css}")
        if hasattr(widget, "style") and hasattr(widget.style, "description_width"):
            widget.style.description_width = "initial"

    def record(_button: Any) -> None:
        if not learner.value:
            return
        if not by.value.strip():
            message.value = f"<p role='alert'>{html.escape(_(LABELS['missing']))}</p>"
            return
        course_id, sid = learner.value.split("/", 1)
        record_followup(config, data.courses[course_id], sid, how=how.value,
                        outcome=outcome.value, by=by.value, status=status.value)  # fmt: skip
        outcome.value = ""
        message.value = f"<p role='status'>{html.escape(_(LABELS['recorded']))}</p>"
        listing.value = followups_table(config, data)

    button.on_click(record)
    title = w.HTML(f"<h3>{html.escape(_(LABELS['title']))}</h3>")
    form = w.VBox([learner, how, by, outcome, status, button, message])
    box = w.VBox([title, form if choices else w.HTML(""), listing])
    box.add_class("parcours-section-followups")
    return box
