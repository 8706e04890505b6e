"""The limits a submission is graded under (plain data, cheap to import)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ...config import ParcoursConfig


def _setting(name: str) -> Any:
    """The default of one ``ParcoursConfig`` setting: the limits' only source of defaults."""
    return ParcoursConfig.class_traits()[name].default_value


@dataclass(frozen=True)
class Limits:
    """What one submission may use while it is graded.

    Every limit applies to one notebook run in its own sandboxed process.
    """

    #: seconds one cell may run before it is interrupted (then killed)
    cell_timeout_s: float = _setting("cell_timeout")
    #: seconds the whole notebook may run
    notebook_timeout_s: float = _setting("notebook_timeout")
    #: address-space limit of the process running student code, in MiB
    memory_mb: int = _setting("memory_limit_mb")
    #: processes the sandbox may hold (its pids control group, else RLIMIT_NPROC)
    processes: int = _setting("process_limit")
    #: largest output one cell keeps, in KiB; the rest is cut and the cut recorded
    output_kb: int = _setting("output_limit_kb")
    #: size of the working folder (a private tmpfs: the learner's files, the data files
    #: and what the notebook writes there), in MiB; going over it is a "disk" problem
    disk_mb: int = _setting("disk_limit_mb")
    #: let student code reach the network
    network: bool = _setting("allow_network")
    #: unprivileged user student code runs as when grading is started as root
    sandbox_user: str = _setting("sandbox_user")
    #: seconds between the interrupt (SIGINT) of a cell that overran and the kill
    kill_grace_s: float = 2.0
    #: folders student code must not see (course sources, gradebook, other learners'
    #: work): absent from the sandbox's own root (sandbox.py, rootfs.py) like every path
    #: it does not show; when the OS refuses that root, covered by empty read-only folders
    hidden_paths: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_config(cls, config: ParcoursConfig, **overrides: Any) -> Limits:
        """The limits set in ``jupyter_config.py`` (``c.ParcoursConfig.*``)."""
        from pathlib import Path

        hidden = [config.courses_dir, config.data_dir, config.exchange_dir]
        url = config.gradebook_url
        if url.startswith("sqlite:///"):
            hidden.append(str(Path(url[len("sqlite:///") :]).parent))
        values: dict[str, Any] = dict(
            cell_timeout_s=float(config.cell_timeout),
            notebook_timeout_s=float(config.notebook_timeout),
            memory_mb=int(config.memory_limit_mb),
            processes=int(config.process_limit),
            output_kb=int(config.output_limit_kb),
            disk_mb=int(config.disk_limit_mb),
            network=bool(config.allow_network),
            sandbox_user=str(config.sandbox_user),
            hidden_paths=tuple(sorted({p for p in hidden if p and "{course}" not in p})),
        )
        values.update(overrides)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form (sent to the grading process)."""
        data = asdict(self)
        data["hidden_paths"] = list(self.hidden_paths)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Limits:
        """Inverse of :meth:`to_dict`."""
        data = dict(data)
        data["hidden_paths"] = tuple(data.get("hidden_paths", ()))
        return cls(**data)
