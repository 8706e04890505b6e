"""Benchmark of the class analytics (a script, not a test).

1. The full class report for 10,000 learners x 50 activities x 1,000,000 events: the
   synthetic cohort is written to a real SQLite event store and a real nbgrader gradebook
   (schema made by nbgrader), then timed: loading the frames (one SQL query per table) and
   computing every table of :func:`class_report` (status, progress, KPIs and trend, risk,
   funnel, mastery, workload, per-question results).
2. Side by side on the same 1,000-learner gradebook: ``nbgrader export`` (a subprocess,
   Jupyter folders isolated in a temporary folder) against Parcours' per-learner and
   per-question report read from the same gradebook and written as CSV (in process: the
   Python API the CLI and the dashboards call).

Last line: ``analytics: report_10k_s=<x> parcours_1k_s=<x> nbgrader_export_1k_s=<x> ratio=<x>``
where report_10k_s is computing the full report from the loaded frames (the loading time,
one SQL query per table, is printed on the line above it), and ratio =
nbgrader_export_1k_s / parcours_1k_s (parcours_1k_s includes reading the gradebook).

Usage: ``.venv/bin/python bench/analytics.py [--learners 10000] [--events 1000000]``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def bench_course(n_modules: int = 10, lessons_per_module: int = 4):
    """A course of n_modules x (lessons + 1 assignment) activities (50 by default)."""
    from parcours_grading.course.model import Course

    skills = [f"s{i}" for i in range(1, 6)]
    modules, assignments = [], []
    for m in range(n_modules):
        lessons = [{"id": f"m{m:02d}-l{i}", "title": f"Leçon {m}.{i}",
                    "notebook": f"lessons/{m}-{i}.ipynb", "objectives": ["o"],
                    "skills": [skills[(m + i) % 5]], "minutes": 20}
                   for i in range(lessons_per_module)]
        modules.append({"id": f"m{m:02d}", "title": f"Module {m}", "lessons": lessons})
        day = 7 + 7 * m
        assignments.append({
            "id": f"devoir-{m:02d}", "title": f"Devoir {m}", "source": f"source/d{m}",
            "module": f"m{m:02d}", "opens": _day(day, 8), "due": _day(day + 6, 23),
            "points": 10, "skills": [skills[m % 5]],
            "minutes": 60})
    return Course.model_validate({
        "schema_version": 1, "id": "bench", "title": "Bench", "timezone": "Europe/Paris",
        "skills": [{"id": s, "label": s} for s in skills], "modules": modules,
        "assignments": assignments})


def _day(day: int, hour: int) -> str:
    """Local date and time ``day`` days after 2026-08-31 (day 7 is Monday 7 September)."""
    import datetime as dt

    when = dt.datetime(2026, 8, 31, hour) + dt.timedelta(days=day)
    return when.strftime("%Y-%m-%dT%H:%M:%S")


def build(folder: Path, course, n_learners: int, n_events: int | None, seed: int):
    """Write the cohort's events and gradebook under ``folder``; return the config."""
    import shutil

    from parcours_grading.cohort import make_cohort, write_events, write_gradebook
    from parcours_grading.config import ParcoursConfig

    shutil.rmtree(folder, ignore_errors=True)
    cohort = make_cohort(course, n_learners, seed=seed, questions_per_lesson=1)
    events = cohort.events
    if n_events is not None and len(events) > n_events:
        events = events.iloc[:n_events]  # sorted by time: a course in progress
    config = ParcoursConfig(root=str(folder), data_dir=str(folder / "data"),
                            courses_dir=str(folder / "courses"))
    write_events(events, folder / "data" / "events.sqlite")
    plans = cohort.plans
    if n_events is not None:  # keep the submissions made before the last event kept
        plans = plans[plans["submit_at"] <= events["timestamp"].iloc[-1]]
    write_gradebook(config.course_root(course.id) / "gradebook.db", course, plans,
                    students=cohort.learners["student_id"].tolist(), seed=seed)
    return config, len(events), len(plans)


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
    from parcours_grading.analytics import learner_report, question_report
    from parcours_grading.analytics.frames import assemble, events_frame
    from parcours_grading.analytics.gradebook import gradebook_frames, read_gradebook_tables

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
    env.update(JUPYTER_CONFIG_DIR=str(folder / "config"), JUPYTER_DATA_DIR=str(folder / "data"),
               JUPYTER_RUNTIME_DIR=str(folder / "runtime"), JUPYTER_PLATFORM_DIRS="1",
               PATH=str(BIN) + os.pathsep + env.get("PATH", ""))
    env.pop("JUPYTER_CONFIG_PATH", None)
    return env


def nbgrader_export(config, course, out: Path, jupyter: Path) -> float:
    root = config.course_root(course.id)
    cmd = [str(BIN / "nbgrader"), "export", "--to", str(out),
           f"--CourseDirectory.root={root}", f"--CourseDirectory.course_id={course.id}",
           f"--CourseDirectory.db_url={config.gradebook_for(course.id)}"]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=root, env=isolated_env(jupyter), capture_output=True,
                          text=True)
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

    from parcours_grading.analytics import class_report, load_frames

    course = bench_course()
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="parcours-bench-"))
    now = "2026-11-01T12:00:00+00:00"

    t0 = time.perf_counter()
    big, n_events, n_subs = build(base / "big", course, args.learners, args.events, args.seed)
    print(f"built {args.learners} learners x {50} activities: {n_events} events, "
          f"{n_subs} submissions ({time.perf_counter() - t0:.1f} s, not timed)")
    load_s, data = timed(lambda: load_frames(big, [course]), repeat=2, name="load")
    def fresh_report():
        data.cache.clear()  # nothing reused between runs
        return class_report(data, now)

    report_s, report = timed(fresh_report, repeat=3, name="report")
    sizes = ", ".join(f"{k} {len(v)}" for k, v in report.tables().items())
    print(f"10k: load_frames {load_s:.3f} s (cpu {CPU['load']:.3f}) + class_report "
          f"{report_s:.3f} s (cpu {CPU['report']:.3f}) = {load_s + report_s:.3f} s ({sizes})")
    print(f"machine load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")

    small, _, n_small = build(base / "small", course, args.small, None, args.seed + 1)
    out = base / "small" / "out" / "grades.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    parcours_s, (n_rows, n_questions) = timed(lambda: parcours_report_1k(small, course, out),
                                              name="1k")
    print(f"1k parcours (in process, gradebook -> per-learner + per-question CSV): "
          f"{parcours_s:.3f} s ({n_rows} learners, {n_questions} questions)")
    export_s = nbgrader_export(small, course, out, base / "jupyter")
    rows = sum(1 for _ in out.open()) - 1
    print(f"1k nbgrader export (subprocess): {export_s:.3f} s ({rows} rows, "
          f"{n_small} submissions)")
    ratio = export_s / parcours_s
    print(f"ratio nbgrader export / parcours: {ratio:.1f}x")
    print(f"analytics: report_10k_s={report_s:.3f} parcours_1k_s={parcours_s:.3f} "
          f"nbgrader_export_1k_s={export_s:.3f} ratio={ratio:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
