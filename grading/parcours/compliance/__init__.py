"""Compliance for French training bodies (Qualiopi, funders, GDPR); docs/privacy.md.

One module per stage, each a plain Python API under a thin CLI command:

* :mod:`.sheet` — the public course sheet (HTML and PDF) from the manifest (``parcours sheet``);
* :mod:`.evidence` — what a learner did and achieved; :mod:`.pack` — the evidence pack,
  its archive and its recorded hash
  (``parcours evidence``);
* :mod:`.certificate` — the certificat de réalisation (``parcours certificate``);
* :mod:`.followups` — tutors' follow-ups of learners at risk (``parcours followup``);
* :mod:`.remind` — e-mail reminders, idempotent (``parcours remind``);
* :mod:`.privacy` — GDPR export, erasure and retention (``parcours privacy``).

Documents are built as data (:mod:`.typeset`) and typeset with Typst.
"""
