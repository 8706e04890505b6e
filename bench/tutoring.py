"""Tutoring at a busy hour: many learners asking questions through the Parcours service,
with the suggestions computed while they type; then the coordinator's tutoring figures
over 100,000 questions.

The project, hub and tokens are bench/hub.py's (the real hub, configurable-http-proxy, the
Parcours service, a real hub token per learner, no Unix accounts). Each of ``--learners``
learners asks 5 questions of ``bench-a``, arriving at random moments within ``--window``
seconds (600: a busy hour compressed into ten minutes); before each question she types
it, and the panel asks for suggestions three times (after two words, four words, the
whole title), as the "Une question ?" form does. Every request's latency is kept; lost
questions are those answered 201 but missing from the store, plus those refused.

Then, on the same kind of store, 100,000 questions (a third answered late, a third on
time, a third open; 40 tutors; 2,000 learners) are written directly and
:func:`parcours.tutoring.figures.figures` is timed, as the coordinator's page calls it.

    .venv/bin/python bench/tutoring.py [--learners 1000] [--window 600]
                                       [--store sqlite|postgresql] [--figures 100000]

Needs root (the hub runs as root here). Last line:
``tutoring: learners=<n> questions=<n> store=<sqlite|postgresql> p95_s=<x> lost=<n>
figures_100k_s=<x>``
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib.util
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("bench_hub", BENCH / "hub.py")
assert _spec is not None and _spec.loader is not None
hubbench = importlib.util.module_from_spec(_spec)
sys.modules["bench_hub"] = hubbench  # its dataclasses look their module up
_spec.loader.exec_module(hubbench)

COURSE = "bench-a"
QUESTIONS_EACH = 5
VERBS = ["créer", "lire", "filtrer", "grouper", "trier", "fusionner", "tracer", "nettoyer"]
THINGS = ["un DataFrame", "le fichier CSV", "les valeurs manquantes", "une colonne de dates"]
THINGS += ["un graphique", "les doublons", "la moyenne par groupe", "un index"]
TAILS = ["avec pandas", "sans erreur", "dans la leçon", "pour le devoir", "plus vite"]


def title(rng: random.Random) -> str:
    """A learner's question, from a small vocabulary (so that many look alike)."""
    return f"Comment {rng.choice(VERBS)} {rng.choice(THINGS)} {rng.choice(TAILS)} ?"


async def ask_all(
    client: Any, tokens: dict[str, str], window: float, lessons: list[str], seed: int = 7
) -> tuple[int, float]:
    """Every learner asks her questions within ``window`` seconds; (201 answers, wall)."""
    from urllib.parse import quote

    rng = random.Random(seed)
    plans = [
        (token, sorted(rng.uniform(0, window) for _ in range(QUESTIONS_EACH)))
        for token in tokens.values()
    ]
    started = time.perf_counter()
    created = 0

    async def learner(token: str, moments: list[float], rng: random.Random) -> None:
        nonlocal created
        for moment in moments:
            delay = started + moment - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)  # her arrival, as planned
            text = title(rng)
            words = text.split()
            for typed in (words[:2], words[:4], words):
                path = f"api/courses/{COURSE}/questions/suggest?q={quote(' '.join(typed))}"
                await client.call("suggest", token, "GET", path)
            body = {
                "title": text,
                "body": "Je bloque sur la cellule 4, voici ce que j'ai essayé.",
                "code": "df.groupby('x').mean()",
                "activity": rng.choice(lessons),
                "notebook": "lessons/01-decouvrir.ipynb",
                "cell": "c4",
            }
            answer = await client.call(
                "ask",
                token,
                "POST",
                f"api/courses/{COURSE}/questions",
                json.dumps(body).encode(),
                headers={"Content-Type": "application/json"},
            )
            if answer is not None and answer.code == 201:
                created += 1

    await asyncio.gather(
        *(learner(t, m, random.Random(seed + i)) for i, (t, m) in enumerate(plans))
    )
    return created, time.perf_counter() - started


def stamp(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="microseconds")


def fill(store: Any, course: Any, count: int, seed: int = 11) -> None:
    """``count`` questions of ``course`` written directly (the figures' input)."""
    from parcours.tutoring.clock import WorkingClock
    from parcours.tutoring.tables import QUESTION_COLUMNS

    rng = random.Random(seed)
    clock = WorkingClock.of_course(course)
    lessons = [lesson.id for lesson in course.lessons]
    start = dt.datetime(2026, 9, 1, 8, tzinfo=dt.UTC)
    rows = []
    for n in range(count):
        asked = start + dt.timedelta(seconds=rng.uniform(0, 90 * 86400))
        kind = n % 3
        first = None if kind == 2 else clock.add(asked, rng.uniform(0.5, 20 if kind else 60))
        rows.append(
            (
                f"q-bench{n:07d}", course.id, f"lrn{rng.randrange(2000):04d}", "Question",
                "texte", stamp(asked), rng.choice(lessons), "", "", "", 1,
                "asked" if first is None else "answered", stamp(first),
                "" if first is None else f"tuteur{rng.randrange(40):02d}", stamp(first), None,
                "",
            )
        )  # fmt: skip
    marks = ", ".join("?" for _ in QUESTION_COLUMNS)
    sql = f"INSERT INTO tutoring_questions ({', '.join(QUESTION_COLUMNS)}) VALUES ({marks})"
    conn = store._connect()
    if store.dialect == "sqlite":
        conn.execute("BEGIN")
        conn.executemany(sql, rows)
        conn.execute("COMMIT")
    else:
        with conn.transaction(), conn.cursor() as cursor:
            cursor.executemany(sql.replace("?", "%s"), rows)


def figures_time(url: str, course: Any, count: int) -> float:
    """Seconds :func:`figures` takes over ``count`` questions (best of 3, warm)."""
    from parcours.tutoring import open_tutoring
    from parcours.tutoring.figures import figures

    with open_tutoring(url) as store:
        fill(store, course, count)
        now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
        best = float("inf")
        for _ in range(3):
            began = time.perf_counter()
            (found,) = figures(store, [course], now)
            best = min(best, time.perf_counter() - began)
        assert found["questions"] == count, found["questions"]
        print(
            f"figures over {count}: p50 {found['first_response_p50_h']} h, p90 "
            f"{found['first_response_p90_h']} h, within {found['within_commitment']}, "
            f"{len(found['tutors'])} tutors; {best:.3f} s"
        )
        return best


def run(learners: int, window: float, store: str, figures_n: int) -> str:
    from parcours.course import find_course, load_course
    from parcours.hub.server import HubServer
    from parcours.hub.settings import accounts_token
    from parcours.servers import free_port
    from parcours.tutoring import open_tutoring

    base = Path(tempfile.mkdtemp(prefix="parcours-tutoring-bench-", dir="/tmp"))
    names = [f"lrn{n:04d}" for n in range(1, learners + 1)]
    store_urls: dict[str, str] = {}
    database = None
    if store == "postgresql":
        from parcours.store.pgserver import PostgresServer

        os.chmod(base, 0o711)
        database = PostgresServer(base / "postgres").start()
        store_urls = database.parcours_urls()
    hub = None
    try:
        config = hubbench.make_project(base, names, store_urls)
        course = load_course(find_course(config.courses_dir, COURSE))
        lessons = [lesson.id for lesson in course.lessons]
        hub = HubServer(config, port=free_port())
        hub.start(timeout=600)
        client = hubbench.Client(hub.url)

        async def phase() -> tuple[int, float]:
            tokens = await hubbench.make_tokens(hub.url, accounts_token(config), names)
            await client.ready(next(iter(tokens.values())))
            return await ask_all(client, tokens, window, lessons)

        created, wall = asyncio.run(phase())
        with open_tutoring(config.events_url) as opened:
            stored = len(opened.questions(COURSE))
        asked = learners * QUESTIONS_EACH
        lost = (asked - created) + (created - stored)
        every = [t for values in client.timings.values() for t in values]
        p95 = hubbench.quantile(every, 0.95)
        for op, values in sorted(client.timings.items()):
            print(
                f"  {op:>8}: {len(values)} ok, {len(client.failures[op])} failed, p50 "
                f"{hubbench.quantile(values, 0.5):.3f} s, p95 {hubbench.quantile(values, 0.95):.3f}"
                f" s, max {max(values):.3f} s"
            )
        for op, errors in client.failures.items():
            if errors:
                print(f"  {op} failures, e.g.: {errors[0]}")
        print(f"asked {created}/{asked} in {wall:.0f} s; stored {stored}")
        hub.stop()
        hub = None
        figures_url = (
            f"sqlite:///{base / 'figures.sqlite'}"
            if store == "sqlite"
            else store_urls["events_url"].rsplit("/", 1)[0] + "/parcours_tutoring_figures"
        )
        figures_s = figures_time(figures_url, course, figures_n)
    finally:
        if hub is not None:
            hub.stop()
        if database is not None:
            database.stop()
        shutil.rmtree(base, ignore_errors=True)
    return (
        f"tutoring: learners={learners} questions={stored} store={store} p95_s={p95:.3f} "
        f"lost={lost} figures_100k_s={figures_s:.3f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--window", type=float, default=600.0, help="seconds of arrivals")
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--figures", type=int, default=100_000, help="questions for figures")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("bench/tutoring.py starts the hub as root: run it as root.", file=sys.stderr)
        return 2
    print(run(args.learners, args.window, args.store, args.figures), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
