"""A tutor records a follow-up of a learner at risk from the coordinator dashboard, in a
real browser on a real Voila server; the follow-up is then in the list and in the
learner's evidence pack."""

from __future__ import annotations

import json
import zipfile

import pytest

from .browser import open_dashboard, table_rows
from .conftest import COURSE, REPO

pytestmark = pytest.mark.browser


def test_follow_up_from_the_dashboard_lands_in_the_evidence_pack(
    voila_server,
    page,
    dashboard_data,
) -> None:
    from parcours.compliance.pack import write_pack
    from parcours.config import load_config
    from parcours.course import find_course, load_course
    from parcours.dashboards import coordinator as vm

    risk = vm.learners_at_risk(dashboard_data)
    assert len(risk), "the class has learners at risk"
    open_dashboard(page, voila_server.url("coordinator"), server=voila_server)
    page.wait_for_selector(".parcours-followup-learner select", timeout=120_000)
    choice = page.eval_on_selector(".parcours-followup-learner select", "s => s.options[0].text")
    student = choice.split("(")[0].strip()  # ipywidgets shows spaces as no-break spaces
    page.select_option(".parcours-followup-how select", label="par téléphone")
    page.fill(".parcours-followup-by input", "tuteur-durand")
    page.fill(".parcours-followup-outcome textarea", "Rappel le 12, reprend la leçon 3")
    page.click("button.parcours-followup-record")
    page.wait_for_selector("#table-followups", timeout=60_000)
    (row,) = table_rows(page, "table-followups")
    assert row[0] == student and row[2] == "par téléphone" and row[4] == "tuteur-durand"
    assert row[6] == "ouvert"
    assert "ouverts : 1 ; faits : 0" in page.inner_text("#followups-count")

    config = load_config(REPO)
    course = load_course(find_course(config.courses_dir, COURSE))
    pack = write_pack(config, course, student)
    with zipfile.ZipFile(pack.archive) as zf:
        data = json.loads(zf.read("evidence.json"))
        csv_text = zf.read("followups.csv").decode()
    (followup,) = data["followups"]
    assert (followup["how"], followup["by"]) == ("phone", "tuteur-durand")
    assert followup["status"] == "open"
    assert followup["outcome"] == "Rappel le 12, reprend la leçon 3"
    assert "tuteur-durand" in csv_text
