"""French and English texts of the widgets (one table; ``text(key, lang)``)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "check": {"fr": "Vérifier", "en": "Check"},
    "check_tip": {"fr": "Vérifier ma réponse", "en": "Check my answer"},
    "hint": {"fr": "Indice", "en": "Hint"},
    "hint_tip": {"fr": "Afficher un indice", "en": "Show a hint"},
    "no_more_hints": {"fr": "Plus d'indice.", "en": "No more hints."},
    "answer": {"fr": "Réponse", "en": "Answer"},
    "question": {"fr": "Question", "en": "Question"},
    "correct": {"fr": "✔ Correct.", "en": "✔ Correct."},
    "partly": {"fr": "◐ Presque : réponse incomplète.", "en": "◐ Nearly: answer incomplete."},
    "wrong": {"fr": "✘ Incorrect.", "en": "✘ Incorrect."},
    "retry": {
        "fr": "Essayez encore ({left} essai(s) restant(s)).",
        "en": "Try again ({left} attempt(s) left).",
    },
    "solution": {"fr": "La bonne réponse : {answer}", "en": "The right answer: {answer}"},
    "no_answer": {
        "fr": "Choisissez ou saisissez d'abord une réponse.",
        "en": "Choose or type an answer first.",
    },
    "attempts": {"fr": "Essai {n} sur {total}", "en": "Attempt {n} of {total}"},
    "position": {"fr": "Position {n}", "en": "Position {n}"},
    "choose": {"fr": "— choisir —", "en": "— choose —"},
    "number_help": {"fr": "Un nombre (virgule ou point){unit}", "en": "A number{unit}"},
    "unit": {"fr": ", en {unit}", "en": ", in {unit}"},
    "not_a_number": {"fr": "« {value} » n'est pas un nombre.", "en": "'{value}' is not a number."},
    "code_help": {
        "fr": "Définissez « {target} » dans une cellule au-dessus, exécutez-la, puis vérifiez.",
        "en": "Define '{target}' in a cell above, run it, then check.",
    },
    "code_missing": {
        "fr": "« {target} » n'est pas encore défini : exécutez d'abord votre cellule.",
        "en": "'{target}' is not defined yet: run your cell first.",
    },
    "code_error": {
        "fr": "Votre code a levé une erreur : {error}",
        "en": "Your code raised an error: {error}",
    },
    "spooled": {
        "fr": "⚠ Enregistrement différé : le registre des réponses est indisponible. Votre "
        "réponse est gardée sur votre compte et sera envoyée automatiquement plus tard.",
        "en": "⚠ Recording delayed: the answer store is unavailable. Your answer is kept in "
        "your account and will be sent automatically later.",
    },
    "not_recorded": {
        "fr": "⚠ Réponse NON enregistrée : {reason}",
        "en": "⚠ Answer NOT recorded: {reason}",
    },
    "recorded": {"fr": "Réponse enregistrée.", "en": "Answer recorded."},
    "submit": {"fr": "Envoyer", "en": "Submit"},
    "sent": {"fr": "✔ Merci, c'est enregistré.", "en": "✔ Thank you, it is recorded."},
    # reflection
    "reflection_title": {"fr": "Retour réflexif", "en": "Looking back"},
    "minutes": {"fr": "Temps passé (minutes)", "en": "Time spent (minutes)"},
    "difficulties": {"fr": "Difficultés rencontrées", "en": "Difficulties met"},
    "difficulties_ph": {
        "fr": "Ce qui vous a bloqué ou ralenti…",
        "en": "What blocked or slowed you…",
    },
    "help_used": {"fr": "Aide utilisée", "en": "Help used"},
    "help.camarade": {"fr": "Un camarade", "en": "A classmate"},
    "help.forum": {"fr": "Le forum", "en": "The forum"},
    "help.tuteur": {"fr": "Le tuteur", "en": "The tutor"},
    "help.documentation": {"fr": "La documentation", "en": "The documentation"},
    "help.IA": {"fr": "Une IA", "en": "An AI assistant"},
    "help.aucune": {"fr": "Aucune", "en": "None"},
    "confidence": {
        "fr": "Confiance (1 = faible, 5 = forte)",
        "en": "Confidence (1 = low, 5 = high)",
    },
    "need_minutes": {
        "fr": "Indiquez le temps passé (en minutes).",
        "en": "Give the time spent (in minutes).",
    },
    "need_confidence": {
        "fr": "Choisissez votre niveau de confiance.",
        "en": "Choose your confidence level.",
    },
    # satisfaction
    "satisfaction_title": {"fr": "Votre avis sur le module", "en": "Your opinion of the module"},
    "rating": {"fr": "Note du module (1 à 5)", "en": "Module rating (1 to 5)"},
    "nps": {
        "fr": "Recommanderiez-vous ce module ? (0 = pas du tout, 10 = certainement)",
        "en": "Would you recommend this module? (0 = not at all, 10 = certainly)",
    },
    "comment": {"fr": "Commentaire libre", "en": "Comments"},
    "need_rating": {
        "fr": "Choisissez une note et une réponse de 0 à 10.",
        "en": "Choose a rating and an answer from 0 to 10.",
    },
    # review
    "review_title": {"fr": "Révisions du jour", "en": "Today's review"},
    "review_empty": {"fr": "Rien à réviser aujourd'hui.", "en": "Nothing to review today."},
    "review_count": {
        "fr": "{shown} question(s) à revoir aujourd'hui (environ {minutes} min){more}.",
        "en": "{shown} question(s) to review today (about {minutes} min){more}.",
    },
    "review_more": {
        "fr": " ; {n} autre(s) reportée(s) pour respecter votre charge du jour",
        "en": "; {n} more postponed to respect today's workload",
    },
}


def text(key: str, lang: str = "fr", **values: object) -> str:
    """The text ``key`` in ``lang`` (French when the language is unknown), formatted."""
    entry = TEXTS[key]
    return entry.get(lang, entry["fr"]).format(**values)
