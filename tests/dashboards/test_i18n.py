"""French and English from the gettext catalogues: complete, compiled at run time,
chosen by request, course or configuration."""

from __future__ import annotations

import gettext
import io

import pytest
from parcours.errors import BadInputError
from parcours.i18n import (
    _,
    choose_language,
    compile_po,
    display,
    get_language,
    language,
    ngettext,
    set_language,
    translations,
)
from parcours.i18n.extract import messages, missing, po_files


def test_every_message_is_translated() -> None:
    found = messages()
    assert "Learners at risk" in found and "quiz_mean" in found
    assert missing("fr", found) == []
    assert missing("en", found) == []


def test_catalogues_compile_and_switch() -> None:
    mo = compile_po(po_files("fr"), "fr")
    assert gettext.GNUTranslations(io.BytesIO(mo)).gettext("Learners at risk") == (
        "Apprenants à risque"
    )
    with language("fr"):
        assert _("Learners at risk") == "Apprenants à risque"
        flagged = ("{n} learner flagged.", "{n} learners flagged.")
        assert ngettext(*flagged, 3).format(n=3) == "3 apprenants signalés."
        assert ngettext(*flagged, 0).format(n=0) == "0 apprenant signalé."
        assert display.number(77.44) == "77,4" and display.percent(0.45) == "45\u00a0%"
        with language("en"):
            assert _("Learners at risk") == "Learners at risk"
            assert _("quiz_mean") == "Mean quiz score"
        assert get_language() == "fr"
    assert translations("en") is translations("en")  # compiled once


def test_an_empty_entry_in_one_catalogue_never_hides_anothers(tmp_path) -> None:
    """Two areas' catalogues may hold the same message while the extraction moves it: the
    learner reads the translation whichever file comes first."""
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    first, second = tmp_path / "a.po", tmp_path / "b.po"
    first.write_text(header + 'msgid "Ask a question"\nmsgstr ""\n', encoding="utf-8")
    second.write_text(
        header + 'msgid "Ask a question"\nmsgstr "Poser une question"\n', encoding="utf-8"
    )
    for files in ([first, second], [second, first]):
        mo = gettext.GNUTranslations(io.BytesIO(compile_po(files, "fr")))
        assert mo.gettext("Ask a question") == "Poser une question"


def test_language_choice_and_bad_language() -> None:
    assert choose_language("en", "fr", "fr") == "en"
    assert choose_language(None, "en", "fr") == "en"
    assert choose_language("", None, "fr") == "fr"
    assert choose_language("de", None, None) == "fr"
    with language("en"), pytest.raises(BadInputError, match="use one of fr, en"):
        set_language("de")
    with language("fr"), pytest.raises(BadInputError, match="utilisez l'une de fr, en"):
        set_language("de")
