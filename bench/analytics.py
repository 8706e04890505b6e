"""Benchmark of the class analytics (a script, not a test).

1. The full class report for 10,000 learners x 50 activities x 1,000,000 events: the
   synthetic cohort is written to a real SQLite event store and a real nbgrader gradebook
   (schema made by nbgrader), then timed end to end, from the stored data to every table
   of :func:`class_report` (status, progress, KPIs and trend, risk, funnel, mastery,
   workload, per-question results): :func:`load_frames` (manifest, gradebook, events)
   followed by :func:`class_report`, best of 3, each run from the files with nothing kept
   in memory. The first load, which reads the whole event store and the gradebook and
   writes the caches kept beside them (the events' columnar snapshot and the gradebook's
   frames, see docs/analytics.md "Performance"), is timed and printed apart; so is a load
   after 1,000 new events are appended (read from SQLite on top of the snapshot).
2. Side by side on the same 1,000-learner gradebook: ``nbgrader export`` (a subprocess,
   Jupyter folders isolated in a temporary folder) against Parcours' per-learner and
   per-question report read from the same gradebook and written as CSV (in process: the
   Python API the CLI and the dashboards call; no cache involved).

Last line: ``analytics: report_10k_s=<x> parcours_1k_s=<x> nbgrader_export_1k_s=<x> ratio=<x>``
where report_10k_s is the end-to-end time (load + compute; the split is printed on the
line above it), and ratio = nbgrader_export_1k_s / parcours_1k_s (parcours_1k_s includes
reading the gradebook).

Usage: ``.venv/bin/python bench/analytics.py [--learners 10000] [--events 1000000]
[--keep DIR]`` (``--keep`` reuses the cohort generated in DIR by an earlier run with the
same sizes and seed; generating it takes minutes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def bench_course(n_modules: int = 10, lessons_per_module: int = 4):
    """A course of n_modules x (lessons + 1 assignment) activities (50 by default)."""
    from parcours.course.model import Course

    skills = [f"s{i}" for i in range(1, 6)]
    modules, assignments = [], []
    for m in range(n_modules):
        lessons = [
            {
                "id": f"m{m:02d}-l{i}",
                "title": f"Leçon {m}.{i}",
                "notebook": f"lessons/{m}-{i}.ipynb",
                "objectives": ["o"],
                "skills": [skills[(m + i) % 5]],
                "minutes": 20,
            }
            for i in range(lessons_per_module)
        ]
        modules.append({"id": f"m{m:02d}", "title": f"Module {m}", "lessons": lessons})
        day = 7 + 7 * m
        assignments.append(
            {
                "id": f"devoir-{m:02d}",
                "title": f"Devoir {m}",
                "source": f"source/d{m}",
                "module": f"m{m:02d}",
                "opens": _day(day, 8),
                "due": _day(day + 6, 23),
                "points": 10,
                "skills": [skills[m % 5]],
                "minutes": 60,
            }
        )
    return Course.model_validate(
        {
            "schema_version": 1,
            "id": "bench",
            "title": "Bench",
            "timezone": "Europe/Paris",
            "skills": [{"id": s, "label": s} for s in skills],
            "modules": modules,
            "assignments": assignments,
        }
    )


def _day(day: int, hour: int) -> str:
    """Local date and time ``day`` days after 2026-08-31 (day 7 is Monday 7 September)."""
    import datetime as dt

    when = dt.datetime(2026, 8, 31, hour) + dt.timedelta(days=day)
    return when.strftime("%Y-%m-%dT%H:%M:%S")


def build(folder: Path, course, n_learners: int, n_events: int | None, seed: int):
    """Write the cohort's events and gradebook under ``folder`` (reused when an earlier
    run wrote the same cohort there); return the config and the sizes."""
    import json
    import shutil

    from parcours.cohort import make_cohort, write_events, write_gradebook
    from parcours.config import ParcoursConfig

    config = ParcoursConfig(
        root=str(folder), data_dir=str(folder / "data"), courses_dir=str(folder / "courses")
    )
    marker = folder / "cohort.json"
    wanted = {"learners": n_learners, "events": n_events, "seed": seed}
    if marker.is_file():
        done = json.loads(marker.read_text())
        if done.get("cohort") == wanted:
            return config, done["n_events"], done["n_plans"]
    shutil.rmtree(folder, ignore_errors=True)
    cohort = make_cohort(
        course, n_learners, seed=seed, questions_per_lesson=1, salt=config.pseudonym_salt
    )
    events = cohort.events
    if n_events is not None and len(events) > n_events:
        events = events.iloc[:n_events]  # sorted by time: a course in progress
    write_events(events, folder / "data" / "events.sqlite")
    plans = cohort.plans
    if n_events is not None:  # keep the submissions made before the last event kept
        plans = plans[plans["submit_at"] <= events["timestamp"].iloc[-1]]
    write_gradebook(
        config.course_root(course.id) / "gradebook.db",
        course,
        plans,
        students=cohort.learners["student_id"].tolist(),
        seed=seed,
    )
    marker.write_text(
        json.dumps({"cohort": wanted, "n_events": len(events), "n_plans": len(plans)})
    )
    return config, len(events), len(plans)


def remove_events(config, after_rowid: int) -> None:
    """Remove the events :func:`append_events` added."""
    import sqlite3

    with sqlite3.connect(config.events_url.removeprefix("sqlite:///")) as conn:
        conn.execute("DELETE FROM events WHERE rowid > ?", (after_rowid,))


def append_events(config, n: int) -> int:
    """Append ``n`` new events (copies of the last ones, new ids, an hour later) to the
    event store, as learners working while the teacher looks; returns the rowid after
    which they were added."""
    import sqlite3
    import uuid

    path = config.events_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        before = conn.execute("SELECT max(rowid) FROM events").fetchone()[0]
        cols = [r[1] for r in conn.execute("PRAGMA table_info(events)")]
        rows = conn.execute(
            f"SELECT {', '.join(cols)} FROM events ORDER BY rowid DESC LIMIT ?", (n,)
        ).fetchall()
        at = cols.index("timestamp")
        new = []
        for row in rows:
            row = list(row)
            row[cols.index("id")] = uuid.uuid4().hex
            stamp = dt.datetime.fromisoformat(row[at]) + dt.timedelta(hours=1)
            row[at] = stamp.isoformat()
            new.append(row)
        conn.executemany(
            f"INSERT INTO events ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", new
        )
    return before


CPU: dict[str, float] = {}


def timed(fn, repeat: int = 3, name: str = ""):
    """Best wall time of ``repeat`` runs (the CPU time of that run goes to CPU[name]: on a
    shared machine it shows how much of the wall time was waiting for a core)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall = time.perf_counter() - start
        if wall < best:
            best, CPU[name] = wall, time.process_time() - cpu
    return best, result


def parcours_report_1k(config, course, out: Path):
    from parcours.analytics import learner_report, question_report
    from parcours.analytics.frames import assemble, events_frame
    from parcours.analytics.gradebook import gradebook_frames, read_gradebook_tables

    tables = read_gradebook_tables(config.gradebook_for(course.id))
    learners, grades, subs = gradebook_frames(tables, course, config.pseudonym_salt)
    data = assemble([course], events_frame([]), grades, subs, learners=learners)
    per_learner = learner_report(data)
    per_question = question_report(data)
    per_learner.to_csv(out.with_name("parcours-learners.csv"), index=False)
    per_question.to_csv(out.with_name("parcours-questions.csv"), index=False)
    return len(per_learner), len(per_question)


def isolated_env(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("config", "data", "runtime"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    env.update(
        JUPYTER_CONFIG_DIR=str(folder / "config"),
        JUPYTER_DATA_DIR=str(folder / "data"),
        JUPYTER_RUNTIME_DIR=str(folder / "runtime"),
        JUPYTER_PLATFORM_DIRS="1",
        PATH=str(BIN) + os.pathsep + env.get("PATH", ""),
    )
    env.pop("JUPYTER_CONFIG_PATH", None)
    return env


def nbgrader_export(config, course, out: Path, jupyter: Path) -> float:
    root = config.course_root(course.id)
    cmd = [
        str(BIN / "nbgrader"),
        "export",
        "--to",
        str(out),
        f"--CourseDirectory.root={root}",
        f"--CourseDirectory.course_id={course.id}",
        f"--CourseDirectory.db_url={config.gradebook_for(course.id)}",
    ]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=root, env=isolated_env(jupyter), capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"nbgrader export failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=1_000, help="learners for the export race")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", help="keep the generated data in this folder")
    args = parser.parse_args()

    from parcours.analytics import class_report, load_frames

    course = bench_course()
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="parcours-bench-"))
    now = "2026-11-01T12:00:00+00:00"

    t0 = time.perf_counter()
    big, n_events, n_subs = build(base / "big", course, args.learners, args.events, args.seed)
    print(
        f"built {args.learners} learners x {50} activities: {n_events} events, "
        f"{n_subs} submissions ({time.perf_counter() - t0:.1f} s, not timed)"
    )
    import scipy.stats  # noqa: F401  (imported once by any long-lived process)
    from parcours.analytics.gradebook import FRAMES_CACHE_SUFFIX
    from parcours.analytics.snapshot import snapshot_path

    store = Path(big.events_url.removeprefix("sqlite:///"))
    gradebook = Path(big.gradebook_for(course.id).removeprefix("sqlite:///"))
    for cache in (snapshot_path(store), gradebook.with_name(gradebook.name + FRAMES_CACHE_SUFFIX)):
        cache.unlink(missing_ok=True)  # a cold first load, even with --keep
    first_s, _ = timed(lambda: load_frames(big, [course]), repeat=1, name="first")
    print(
        f"10k: first load {first_s:.3f} s (cpu {CPU['first']:.3f}; reads the whole event "
        "store and the gradebook, writes the caches kept beside them)"
    )
    runs: list[tuple[float, float]] = []

    def end_to_end():
        start = time.perf_counter()
        data = load_frames(big, [course])  # from the files: nothing kept in memory
        loaded = time.perf_counter()
        report = class_report(data, now)
        runs.append((loaded - start, time.perf_counter() - loaded))
        return report

    report_s, report = timed(end_to_end, repeat=3, name="e2e")
    load_s, compute_s = min(runs, key=sum)
    sizes = ", ".join(f"{k} {len(v)}" for k, v in report.tables().items())
    added_after = append_events(big, 1000)
    tail_s, _ = timed(lambda: class_report(load_frames(big, [course]), now), repeat=1, name="tail")
    remove_events(big, added_after)  # the cohort as generated, for --keep
    print(
        f"10k after 1000 new events (read on top of the snapshot): {tail_s:.3f} s end to "
        f"end (cpu {CPU['tail']:.3f})"
    )
    print(f"machine load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"10k tables: {sizes}")
    split = (
        f"10k end to end: load_frames {load_s:.3f} s + class_report {compute_s:.3f} s = "
        f"{report_s:.3f} s (cpu {CPU['e2e']:.3f}; best of 3)"
    )

    small, _, n_small = build(base / "small", course, args.small, None, args.seed + 1)
    out = base / "small" / "out" / "grades.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    parcours_s, (n_rows, n_questions) = timed(
        lambda: parcours_report_1k(small, course, out), name="1k"
    )
    print(
        f"1k parcours (in process, gradebook -> per-learner + per-question CSV): "
        f"{parcours_s:.3f} s ({n_rows} learners, {n_questions} questions)"
    )
    export_s = nbgrader_export(small, course, out, base / "jupyter")
    rows = sum(1 for _ in out.open()) - 1
    print(f"1k nbgrader export (subprocess): {export_s:.3f} s ({rows} rows, {n_small} submissions)")
    ratio = export_s / parcours_s
    print(f"ratio nbgrader export / parcours: {ratio:.1f}x")
    print(split)
    print(
        f"analytics: report_10k_s={report_s:.3f} parcours_1k_s={parcours_s:.3f} "
        f"nbgrader_export_1k_s={export_s:.3f} ratio={ratio:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
