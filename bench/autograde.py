"""Benchmark: ``parcours autograde`` against ``nbgrader autograde`` on the same submissions.

Builds ``--submissions`` learners' submissions (a mix of right, partial and blank answers)
of a demo assignment in a temporary course folder (``nbgrader generate_assignment``, not
timed), copies it twice, runs the real ``nbgrader autograde`` app on one copy and
``parcours autograde`` on the other (both as subprocesses, same isolated Jupyter folders),
then compares every grade row of the two gradebooks (auto_score, needs_manual_grade) and
every automatic comment.

Figures (wall-clock seconds, start-up included in ``parcours_s`` and ``nbgrader_s``):

* ``ratio`` = nbgrader_s / parcours_s;
* ``startup_s`` = parcours_s − grading_s: the fixed cost of one run (interpreter and
  imports, fork server warm-up, opening the gradebook, checksums; late penalties and
  stopping the server at the end), paid once whatever the number of submissions.
  ``grading_s`` (printed by ``parcours autograde``) runs from the first notebook handed
  to the fork server to the last result committed;
* ``overhead_per_submission_s`` = grading_s × workers / n − mean cell time of a
  submission: the worker time each submission costs beyond running its own cells — job
  folder, fork, sandbox, result channel, gradebook and ``autograded/`` writes, and every
  moment a worker waits (idle cores between jobs and at the tail of the run). This is the
  issue's "per-submission overhead": a fixed start-up is not per submission, so it is
  reported on its own instead of being spread over n;
* ``overhead_all_in_s`` = parcours_s × workers / n − mean cell time: the earlier figure,
  start-up spread over the n submissions (kept for comparison with older runs).

Last line (machine-readable)::

    autograde: submissions=<n> parcours_s=<x> nbgrader_s=<x> ratio=<x> startup_s=<x>
    overhead_per_submission_s=<x> overhead_all_in_s=<x> same_scores=<yes|no>  (one line)

Usage: ``.venv/bin/python bench/autograde.py --submissions 40`` (200 by default: nbgrader
needs several minutes for those); ``--parcours-only`` skips nbgrader while iterating
(ratio and same_scores are then ``n/a``). Other helpers' load on the machine is printed.

``--dask`` compares instead the two Parcours backends on the same submissions:
``parcours autograde --workers W`` (local fork server) and ``parcours autograde
--scheduler ADDRESS`` on a ``distributed.LocalCluster`` of W worker processes of one
thread, started (and its workers' fork servers warmed, as long-running workers would be)
before the timed run. Last line::

    autograde-dask: submissions=<n> workers=<w> local_s=<x> dask_s=<x> local_grading_s=<x>
    dask_grading_s=<x> dask_over_local=<x> same_rows=<yes|no>  (one line)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DEMO = (REPO / "courses" / "analyse-de-donnees", "analyse-de-donnees", "devoir-1")
FIXTURE = (REPO / "tests" / "autograde" / "fixtures" / "cours-test", "cours-test", "devoir-test")
_SOLUTION = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[^\n]*\n?", re.M)


def isolated_env(base: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("config", "data", "runtime"):
        folder = base / f"jupyter-{name}"
        folder.mkdir(parents=True, exist_ok=True)
        env[f"JUPYTER_{name.upper()}_DIR"] = str(folder)
    env.pop("JUPYTER_CONFIG_PATH", None)
    env["IPYTHONDIR"] = str(base / "ipython")
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PARCOURS_EVENTS"] = "off"
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    return env


def write_nbgrader_config(root: Path, course_id: str) -> None:
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        f"c.CourseDirectory.course_id = {course_id!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{root / 'gradebook.db'}'\n"
        "c.ExecutePreprocessor.timeout = 30\n"
    )


def solutions(source: Path) -> dict[str, str]:
    """grade_id -> the teacher's answer (solution markers removed)."""
    nb = json.loads(source.read_text())
    answers = {}
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            answers[meta["grade_id"]] = _SOLUTION.sub("", text)
    return answers


def build(base: Path, course_dir: Path, course_id: str, assignment: str, count: int) -> Path:
    """A course root with ``count`` submissions; returns the root."""
    root = base / "template" / "courses" / course_id
    (root / "source").mkdir(parents=True)
    shutil.copytree(course_dir / "source" / assignment, root / "source" / assignment)
    write_nbgrader_config(root, course_id)
    env = isolated_env(base / "template")
    done = subprocess.run(
        [str(BIN / "nbgrader"), "generate_assignment", assignment, "--create", "--force"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"nbgrader generate_assignment failed:\n{done.stderr[-3000:]}")
    releases = sorted((root / "release" / assignment).glob("*.ipynb"))
    rng = random.Random(2026)
    for i in range(count):
        learner = f"apprenant-{i:03d}"
        folder = root / "submitted" / learner / assignment
        folder.mkdir(parents=True)
        level = (1.0, 0.7, 0.4, 0.0)[i % 4]  # right, mostly right, partial, blank
        for release in releases:
            answers = solutions(root / "source" / assignment / release.name)
            nb = json.loads(release.read_text())
            for cell in nb["cells"]:
                grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                if grade_id in answers and rng.random() < level:
                    cell["source"] = answers[grade_id]
            (folder / release.name).write_text(json.dumps(nb, indent=1, ensure_ascii=False))
        (folder / "timestamp.txt").write_text("2026-09-20 10:00:00.000000 UTC")
    return root


def twin(root: Path, dest_data: Path, course_id: str) -> Path:
    dest = dest_data / "courses" / course_id
    shutil.copytree(root, dest, symlinks=True)
    write_nbgrader_config(dest, course_id)
    return dest


def rows(db_url: str, assignment: str) -> dict[tuple, tuple]:
    from nbgrader.api import Gradebook

    found: dict[tuple, tuple] = {}
    with Gradebook(db_url) as gb:
        for sub in gb.find_assignment(assignment).submissions:
            for nb in sub.notebooks:
                for g in nb.grades:
                    found[(sub.student.id, nb.name, g.cell.name)] = (
                        g.auto_score,
                        g.needs_manual_grade,
                    )
                for c in nb.comments:
                    found[(sub.student.id, nb.name, c.cell.name, "comment")] = (c.auto_comment,)
    return found


def grading_seconds(stdout: str, default: float) -> float:
    """``grading_s`` as printed by ``parcours autograde``."""
    found = re.search(
        r"(?:start-up|démarrage) [\d.,]+ s, (?:grading|correction) ([\d.,]+) s", stdout
    )
    return float(found.group(1).replace(",", ".")) if found else default


def timed_autograde(
    base: Path, data: Path, course_dir: Path, assignment: str, *options: str
) -> tuple[float, float]:
    """(wall seconds, grading seconds) of one ``parcours autograde`` subprocess."""
    env = isolated_env(base)
    env["PARCOURS_DATA_DIR"] = str(data)
    t0 = time.perf_counter()
    done = subprocess.run(
        [
            str(BIN / "parcours"),
            "autograde",
            str(course_dir),
            assignment,
            "--data-dir",
            str(data),
            "--no-progress",
            *options,
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t0
    print(f"parcours autograde {' '.join(options)}: {wall:.1f} s (exit {done.returncode})")
    print(done.stdout[-1500:], done.stderr[-1500:], sep="\n")
    return wall, grading_seconds(done.stdout, wall)


def dask_side_by_side(
    base: Path,
    template: Path,
    course_dir: Path,
    course_id: str,
    assignment: str,
    workers: int,
    n: int,
) -> None:
    """Local fork server vs a LocalCluster of ``workers`` processes, same submissions."""
    from distributed import Client, LocalCluster

    local_root = twin(template, base / "local", course_id)
    dask_root = twin(template, base / "dask", course_id)
    print(f"load average before: {os.getloadavg()}")
    local_s, local_grading = timed_autograde(
        base / "local", base / "local", course_dir, assignment, "--workers", str(workers)
    )
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            host="127.0.0.1",
        ) as cluster,
        Client(cluster, set_as_default=False) as client,
    ):

        def warm() -> bool:  # runs on each worker: start its fork server now
            from parcours.pipeline.autograde.api import default_server

            return default_server().process.poll() is None

        assert all(client.run(warm).values())
        print(f"load average before: {os.getloadavg()}")
        dask_s, dask_grading = timed_autograde(
            base / "dask",
            base / "dask",
            course_dir,
            assignment,
            "--scheduler",
            cluster.scheduler_address,
        )
    mine = rows(f"sqlite:///{dask_root / 'gradebook.db'}", assignment)
    theirs = rows(f"sqlite:///{local_root / 'gradebook.db'}", assignment)
    same = "yes" if mine == theirs and len(mine) > 0 else "no"
    print(
        f"autograde-dask: submissions={n} workers={workers} local_s={local_s:.1f} "
        f"dask_s={dask_s:.1f} local_grading_s={local_grading:.2f} "
        f"dask_grading_s={dask_grading:.2f} dask_over_local={dask_s / local_s:.2f} "
        f"same_rows={same}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--workers", type=int, default=0, help="parcours workers (0: cores)")
    parser.add_argument(
        "--fixture",
        action="store_true",
        help="use the small test assignment instead of the demo course's",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    parser.add_argument(
        "--parcours-only",
        action="store_true",
        help="skip nbgrader (for iterating; no ratio, no score comparison)",
    )
    parser.add_argument(
        "--dask", action="store_true", help="local fork server vs a Dask LocalCluster (no nbgrader)"
    )
    args = parser.parse_args()
    course_dir, course_id, assignment = FIXTURE if args.fixture else DEMO
    if not (course_dir / "source" / assignment).is_dir():
        course_dir, course_id, assignment = FIXTURE
    workers = args.workers or os.cpu_count() or 1
    base = Path(tempfile.mkdtemp(prefix="parcours-bench-"))
    try:
        print(f"building {args.submissions} submissions of {course_id}/{assignment} in {base}")
        template = build(base, course_dir, course_id, assignment, args.submissions)
        if args.dask:
            dask_side_by_side(
                base, template, course_dir, course_id, assignment, workers, args.submissions
            )
            return 0
        nb_root = twin(template, base / "nbgrader", course_id)
        pc_data = base / "parcours"
        pc_root = twin(template, pc_data, course_id)
        originals = {p: p.read_bytes() for p in (pc_root / "submitted").rglob("*.ipynb")}

        nbgrader_s = 0.0
        if not args.parcours_only:
            print(f"load average before: {os.getloadavg()}")
            t0 = time.perf_counter()
            done = subprocess.run(
                [str(BIN / "nbgrader"), "autograde", assignment],
                cwd=nb_root,
                env=isolated_env(base / "nbgrader"),
                capture_output=True,
                text=True,
            )
            nbgrader_s = time.perf_counter() - t0
            print(f"nbgrader autograde: {nbgrader_s:.1f} s (exit {done.returncode})")

        print(f"load average before: {os.getloadavg()}")
        env = isolated_env(base / "parcours")
        env["PARCOURS_DATA_DIR"] = str(pc_data)
        t0 = time.perf_counter()
        ours = subprocess.run(
            [
                str(BIN / "parcours"),
                "autograde",
                str(course_dir),
                assignment,
                "--data-dir",
                str(pc_data),
                "--workers",
                str(workers),
                "--no-progress",
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        parcours_s = time.perf_counter() - t0
        print(f"parcours autograde: {parcours_s:.1f} s (exit {ours.returncode}, {workers} workers)")
        print(ours.stdout[-2000:], ours.stderr[-2000:], sep="\n")
        print(f"load average after: {os.getloadavg()}")

        untouched = all(p.read_bytes() == data for p, data in originals.items())
        theirs = (
            {} if args.parcours_only else rows(f"sqlite:///{nb_root / 'gradebook.db'}", assignment)
        )
        mine = rows(f"sqlite:///{pc_root / 'gradebook.db'}", assignment)
        differ = sorted(k for k in set(theirs) | set(mine) if theirs.get(k) != mine.get(k))
        for key in [] if args.parcours_only else differ[:10]:
            print(f"  differs {key}: nbgrader {theirs.get(key)} parcours {mine.get(key)}")
        same = bool(theirs) and not differ and untouched
        run_s, sandbox_s = [], []
        for path in (pc_root / "autograded").glob(f"*/{assignment}/parcours-result.json"):
            data = json.loads(path.read_text())
            run_s.append(sum(nb.get("run_s", 0.0) for nb in data["notebooks"]))
            sandbox_s.append(
                sum(nb.get("wall_s", 0.0) - nb.get("run_s", 0.0) for nb in data["notebooks"])
            )
        n = args.submissions
        cell_s = sum(run_s) / len(run_s) if run_s else 0.0
        grading_s = grading_seconds(ours.stdout, parcours_s)
        startup_s = parcours_s - grading_s
        overhead = grading_s * workers / n - cell_s
        all_in = parcours_s * workers / n - cell_s
        print(
            f"grade rows compared: {len(theirs)}; originals untouched: {untouched}; "
            f"mean cell time per submission: {cell_s:.3f} s; mean sandbox set-up and "
            f"grading time beyond the cells: {sum(sandbox_s) / max(len(sandbox_s), 1):.3f} s; "
            f"grading_s={grading_s:.2f} (first notebook handed over to last commit)"
        )
        ratio = "n/a" if args.parcours_only else f"{nbgrader_s / parcours_s:.1f}"
        same_scores = "n/a" if args.parcours_only else ("yes" if same else "no")
        print(
            f"autograde: submissions={n} parcours_s={parcours_s:.1f} nbgrader_s={nbgrader_s:.1f} "
            f"ratio={ratio} startup_s={startup_s:.2f} overhead_per_submission_s={overhead:.3f} "
            f"overhead_all_in_s={all_in:.3f} same_scores={same_scores}"
        )
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
