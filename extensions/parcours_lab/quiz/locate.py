"""Finding a lesson's quiz bank: the course's ``quizzes/`` folder (found through
ParcoursConfig / PARCOURS_ROOT / the notebook's ``../quizzes``), YAML first, then the sealed
copy. Banks are cached by file and modification time, so an author who edits the YAML and
runs the cell again sees the change."""

from __future__ import annotations

from pathlib import Path

from parcours.i18n import _, choose_language, get_language, language
from parcours.quizbank.model import Bank, Question, QuizDefinitionError, bank_paths, load_bank

from ..context import CourseContext

_cache: dict[tuple[str, float], Bank] = {}


def quiz_folders(ctx: CourseContext) -> list[Path]:
    """Folders that may hold the course's banks, most specific first."""
    folders = [ctx.quizzes] if ctx.quizzes else []
    cwd = Path.cwd()
    folders += [cwd.parent / "quizzes", cwd / "quizzes"]
    unique: list[Path] = []
    for folder in folders:
        if folder is not None and folder not in unique:
            unique.append(folder)
    return unique


def bank_for(ctx: CourseContext, lesson: str) -> Bank:
    """The bank of ``lesson`` (QuizDefinitionError naming where it was looked for)."""
    tried: list[str] = []
    for folder in quiz_folders(ctx):
        for path in bank_paths(folder, lesson):
            tried.append(str(path))
            if path.is_file():
                key = (str(path), path.stat().st_mtime)
                if key not in _cache:
                    _cache[key] = load_bank(path, lesson=lesson)
                return _cache[key]
    raise QuizDefinitionError(
        _(
            "no quiz bank for lesson '{lesson}' of course '{course}'; looked for: "
            "{tried} — create quizzes/{lesson}.yaml in the course folder (see "
            "docs/quiz-authoring.md)",
            lang=ctx.language,
        ).format(lesson=lesson, course=ctx.id, tried=", ".join(tried))
    )


def all_banks(ctx: CourseContext) -> list[Bank]:
    """Every bank of the course (one per lesson; YAML preferred over sealed)."""
    lessons: dict[str, Path] = {}
    for folder in quiz_folders(ctx):
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            name = path.name
            for suffix in (".yaml", ".yml", ".sealed.json"):
                if name.endswith(suffix):
                    lessons.setdefault(name.removesuffix(suffix), path)
        if lessons:
            break
    return [bank_for(ctx, lesson) for lesson in lessons]


def find_question(ctx: CourseContext, question_id: str, lesson: str | None = None) -> Question:
    """A question by id, from its lesson's bank or, without a lesson, from any bank; a
    bank's problems and a missing question are said in the course's language (a kernel
    serves courses in either)."""
    with language(choose_language(ctx.language, None, get_language())):
        if lesson:
            return bank_for(ctx, lesson).question(question_id)
        for bank in all_banks(ctx):
            if question_id in bank.questions:
                return bank.questions[question_id]
        raise QuizDefinitionError(
            _(
                "no question '{question}' in the quiz banks of course '{course}' ({folders}) "
                "— check the id"
            ).format(
                question=question_id,
                course=ctx.id,
                folders=", ".join(str(f) for f in quiz_folders(ctx)),
            )
        )
