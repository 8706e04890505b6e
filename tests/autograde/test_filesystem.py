"""The grader sees only the submission: a hostile notebook that walks the whole file system
from inside the sandbox finds its own files, the interpreter's and the system's read-only
files, and nothing else of the machine (issue #12, item 5)."""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any

import pytest
from parcours.pipeline.autograde import Limits, grade_notebook
from parcours.pipeline.autograde.rootfs import PYTHON_FOLDERS

from .kit import ASSIGNMENT, RIGHT, Course, answered
from .test_grade_notebook import spec_of

PROJECT = Path(__file__).resolve().parents[2]

#: the student code: walks /, reads every file it can outside the read-only trees it is
#: given (system, interpreter), prints what it found and which writes the OS allowed
WALKER = """
import json, os, stat
READ_ONLY = READ_ONLY_TREES
found, readable, hits = [], 0, []
for folder, dirs, files in os.walk("/"):
    if folder in READ_ONLY:
        dirs[:] = []
        continue
    for name in dirs + files:
        path = os.path.join(folder, name)
        if path in READ_ONLY or folder == "/proc" or folder.startswith("/proc/"):
            continue
        found.append(path)
        try:
            if stat.S_ISREG(os.lstat(path).st_mode):
                with open(path, "rb") as fh:
                    content = fh.read(1 << 20)
                readable += 1
                if b"PARCOURS-MARKER" in content or b"HIDDEN TESTS" in content:
                    hits.append(path)
        except OSError:
            pass
    if folder == "/proc":
        dirs[:] = [d for d in dirs if d == "self"]
writes = {}
for path in ["/planted", "/etc/planted", "/usr/planted", "PREFIX/planted", "PACKAGE/planted",
             "../planted", "/dev/planted", "/tmp/planted", "planted"]:
    try:
        with open(path, "w") as fh:
            fh.write("x")
        writes[path] = "written"
    except OSError as exc:
        writes[path] = type(exc).__name__
print("WALK " + json.dumps({"found": found, "readable": readable, "hits": hits,
                            "writes": writes, "cwd": os.getcwd(),
                            "proc": sorted(os.listdir("/proc"))[:40]}))
"""


def _plant(folder: Path, token: str, planted: list[Path]) -> None:
    """A world-readable marker file (name and content carry ``token``) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f".parcours-marker-{token}"
    path.write_text(f"PARCOURS-MARKER {token}\n### BEGIN HIDDEN TESTS\nassert False\n")
    path.chmod(0o644)
    planted.append(path)


@pytest.fixture
def markers(course: Course, tmp_path: Path):
    """A marker in every place the grader must not show: the course's sources, its
    gradebook's folder, another learner's submission, the data folder, an exchange, the
    project folder (with ``courses/``), /root, /home, /work and the machine's /tmp."""
    token = secrets.token_hex(8)
    planted: list[Path] = []
    data_dir = course.root.parent.parent
    exchange = tmp_path / "exchange" / "cours-test" / "inbound"
    places = [
        course.root / "source",  # (the assignment's own folder holds its data files)
        course.root,  # the gradebook's folder
        course.root / "submitted" / "bob" / ASSIGNMENT,
        data_dir,
        exchange,
        PROJECT,
        PROJECT / "courses",
        Path("/tmp"),
    ]
    if os.geteuid() == 0:  # folders only root may write into
        places += [Path("/root"), Path("/home"), Path("/work")]
    for place in places:
        _plant(place, token, planted)
    (course.root / "submitted" / "bob" / ASSIGNMENT / "devoir.ipynb").write_text(
        "PARCOURS-MARKER bob's notebook"
    )
    yield token, planted
    for path in planted:
        path.unlink(missing_ok=True)


def _walker(course: Course) -> bytes:
    read_only = ["/usr", "/proc/self", *map(str, PYTHON_FOLDERS)]
    import parcours

    package = Path(parcours.__file__).parent
    code = (
        WALKER.replace("READ_ONLY_TREES", repr(read_only))
        .replace("PREFIX", sys.prefix)
        .replace("PACKAGE", str(package))
    )
    nb = answered(course.release, RIGHT)
    for cell in nb["cells"]:  # the honest answer stays: the notebook keeps its score
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "q1":
            cell["source"] = code + "\n" + RIGHT["q1"]
    return json.dumps(nb).encode()


def test_walk_of_the_whole_file_system_finds_only_the_submission(
    course: Course, markers, server, tmp_path: Path
):
    token, planted = markers
    limits = Limits(
        cell_timeout_s=60,
        notebook_timeout_s=120,
        output_kb=1024,
        hidden_paths=(str(course.root),),
    )
    result = grade_notebook(
        spec_of(course),
        _walker(course),
        limits,
        data=course.root / "source" / ASSIGNMENT,
        server=server,
    )
    assert result.sandbox["filesystem"] == "own root", result.sandbox
    assert not [p for p in result.problems if p.code != "sandbox"], result.problems
    q1 = next(
        c
        for c in result.notebook_json["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade_id") == "q1"
    )
    text = "".join(o.get("text", "") for o in q1["outputs"])
    walk = json.loads(text.split("WALK ", 1)[1].splitlines()[0])
    outputs = json.dumps([c.get("outputs", []) for c in result.notebook_json["cells"]])

    # nothing planted shows: not by name, not by content, in no output of the notebook
    assert token not in outputs
    assert walk["hits"] == []
    assert "HIDDEN TESTS" not in outputs
    # what it found: its own files, /tmp, /dev, the few /etc files, the folders leading to
    # the read-only trees; none of the machine's other paths
    cwd = walk["cwd"]
    own = {p for p in walk["found"] if p == cwd or p.startswith(cwd + "/")}
    assert f"{cwd}/ventes.csv" in own  # the data file copied next to the notebook
    assert not any(p.endswith(".ipynb") for p in own)  # no source notebook copied in
    leading = {str(p) for f in PYTHON_FOLDERS for p in f.parents} | {
        str(p) for p in Path(cwd).parents
    }
    others = {
        p
        for p in walk["found"]
        if p not in own
        and p not in leading
        and p not in map(str, PYTHON_FOLDERS)
        and not p.startswith(("/etc/", "/dev/", "/tmp/", "/proc/"))
    }
    assert others <= {"/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"} | {
        "/etc",
        "/dev",
        "/tmp",
        "/proc",
    }, sorted(others)
    for path in planted:
        assert str(path) not in walk["found"]
    assert str(PROJECT / "courses") not in walk["found"]
    assert str(course.root) not in walk["found"]
    # /proc is the sandbox's own: a handful of processes, not the machine's
    assert len([p for p in walk["proc"] if p.isdigit()]) < 10
    # writes: only the working directory and the private /tmp
    writes = walk["writes"]
    assert writes.pop("planted") == "written"
    assert writes.pop("/tmp/planted") == "written"
    assert all(outcome != "written" for outcome in writes.values()), writes
    assert not (Path("/tmp") / "planted").exists()  # the machine's /tmp untouched
    # the honest answers still get their points
    assert {c.name: c.auto_score for c in result.cells} == {
        "q1_test": 2.0,
        "q2_test": 3.0,
        "q3_test": 2.0,
        "q4": None,
    }


#: run as an unprivileged user: grades the walker with that user's own fork server
UNPRIVILEGED = """
import json, sys
from pathlib import Path
from parcours.pipeline.autograde import Limits, grade_notebook
folder = Path(sys.argv[1])
result = grade_notebook(
    folder / "source" / "devoir.ipynb",
    folder / "submission.ipynb",
    Limits(cell_timeout_s=60, notebook_timeout_s=120, output_kb=1024),
    data=folder / "source",
)
print("RESULT " + json.dumps(result.to_dict(with_notebook=True)))
"""


def test_walk_without_root_finds_only_the_submission(course: Course, markers, tmp_path: Path):
    """Grading as an ordinary user (the hub's service account; the sandbox in a user
    namespace with its own PID namespace; as root the test switches to ``nobody`` for
    this run): the same tree, its own /proc, and no capability left to remount it
    writable."""
    token, _planted = markers
    result = _grade_unprivileged(course, _walker(course))
    sandbox = result["sandbox"]
    assert sandbox["filesystem"] == "own root", sandbox
    assert sandbox["user"] != "root" and sandbox["refused"] == [], sandbox
    # its working folder on a size-limited tmpfs of its own, without root too
    assert sandbox["workdir"] == "private tmpfs, 512 MiB", sandbox
    cells = result["notebook_json"]["cells"]
    outputs = json.dumps([c.get("outputs", []) for c in cells])
    assert token not in outputs and "HIDDEN TESTS" not in outputs
    q1 = next(c for c in cells if c["metadata"].get("nbgrader", {}).get("grade_id") == "q1")
    text = "".join(o.get("text", "") for o in q1["outputs"])
    walk = json.loads(text.split("WALK ", 1)[1].splitlines()[0])
    assert walk["hits"] == []
    # its own PID namespace (in the grader's user namespace): a handful of processes, not
    # the machine's — the grader's service is out of its sight and reach
    assert sandbox["proc"] == "own PID namespace", sandbox
    assert 0 < len([p for p in walk["proc"] if p.isdigit()]) < 10
    writes = walk["writes"]
    assert writes.pop("planted") == "written"
    assert writes.pop("/tmp/planted") == "written"
    assert all(outcome != "written" for outcome in writes.values()), writes
    machine = ("/home", "/root/.parcours", "/var", "/opt")
    assert not any(p.startswith(machine) for p in walk["found"])
    scores = {c["name"]: c["auto_score"] for c in result["cells"]}
    assert scores == {"q1_test": 2.0, "q2_test": 3.0, "q3_test": 2.0, "q4": None}


def _grade_unprivileged(course: Course, submission: bytes) -> dict[str, Any]:
    """Grade ``submission`` as an ordinary user (``nobody`` when the tests run as root),
    with that user's own fork server; the result as a dict."""
    import shutil
    import subprocess
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="parcours-unprivileged-"))
    try:
        folder.chmod(0o755)
        shutil.copytree(course.root / "source" / ASSIGNMENT, folder / "source")
        (folder / "submission.ipynb").write_bytes(submission)
        for path in [folder, *folder.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(folder),
            "IPYTHONDIR": str(folder / "ipython"),
        }
        command = [sys.executable, "-c", UNPRIVILEGED, str(folder)]
        if os.geteuid() == 0:
            (folder / "ipython").mkdir(mode=0o777)
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=600, env=env, cwd=folder
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return dict(json.loads(done.stdout.split("RESULT ", 1)[1]))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_student_code_cannot_signal_the_graders_processes(course: Course) -> None:
    """Grading without root (the hub's service account), student code runs as the
    grader's own user: outside its PID namespace it could kill the service. A process of
    that user is started beside the grader; the submission tries to kill it by its pid,
    and fails; it lives on."""
    import subprocess

    user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    sleeper = subprocess.Popen([*(user if os.geteuid() == 0 else []), "sleep", "600"])
    try:
        attack = (
            "import os, signal\n"
            f"try:\n    os.kill({sleeper.pid}, signal.SIGKILL)\n    print('KILL sent')\n"
            "except OSError as exc:\n    print('KILL refused', type(exc).__name__)\n"
        )
        nb = answered(course.release, RIGHT)
        for cell in nb["cells"]:
            if cell["metadata"].get("nbgrader", {}).get("grade_id") == "q1":
                cell["source"] = attack + RIGHT["q1"]
        result = _grade_unprivileged(course, json.dumps(nb).encode())
        outputs = json.dumps([c.get("outputs", []) for c in result["notebook_json"]["cells"]])
        assert "KILL refused ProcessLookupError" in outputs, outputs[:2000]
        assert sleeper.poll() is None  # alive
    finally:
        sleeper.kill()
        sleeper.wait()
