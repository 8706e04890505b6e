"""Differentiation groups on one skill: level bands (remediation / consolidation /
extension), complementary pairs (tutor and tutee) or heterogeneous teams with roles, each
learner with the reason they are there. Seeded: the same data give the same groups.
--release-remediation ASSIGNMENT releases that assignment (e.g. a remediation notebook)
to the learners of the remediation band through the grading pipeline."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from parcours.cli._course import add_course_arguments
from parcours.i18n import _

if TYPE_CHECKING:
    import pandas as pd

    from parcours.analytics.frames import ClassData
    from parcours.config import ParcoursConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser)
    parser.add_argument("--skill", required=True, help=_("skill id from course.toml"))
    parser.add_argument(
        "--mode",
        choices=["bands", "pairs", "teams"],
        default="bands",
        help=_("bands, pairs or teams (default: bands)"),
    )
    parser.add_argument("--size", type=int, default=4, help=_("team size, 2 to 5 (default: 4)"))
    parser.add_argument("--seed", type=int, help=_("random seed (default: random_seed setting)"))
    parser.add_argument("--csv", metavar="FILE", help=_("also write the groups to this CSV file"))
    parser.add_argument(
        "--release-remediation",
        metavar="ASSIGNMENT",
        help=_("release ASSIGNMENT to the learners of the remediation band"),
    )


def make_groups(
    config: ParcoursConfig,
    course_name: str,
    skill: str,
    mode: str,
    size: int = 4,
    seed: int | None = None,
) -> tuple[pd.DataFrame, ClassData]:
    """(groups frame, ClassData) — the Python API of ``parcours groups``."""
    from parcours.analytics.frames import load_frames
    from parcours.analytics.groups import bands, pairs, teams
    from parcours.analytics.mastery import skill_mastery
    from parcours.cli._course import open_course

    course = open_course(config, course_name)
    data = load_frames(config, [course])
    mastery = skill_mastery(data)
    seed = config.random_seed if seed is None else seed
    if mode == "bands":
        frame = bands(mastery, skill, dict(config.band_thresholds), course=course.id)
    elif mode == "pairs":
        frame = pairs(mastery, skill, seed, course=course.id)
    else:
        frame = teams(mastery, skill, size, seed, course=course.id)
    return frame, data


def _print(frame: pd.DataFrame, mode: str, lang: str) -> None:
    from parcours.safetext import printable

    group = {"bands": "band", "pairs": "group", "teams": "team"}[mode]
    role = {"bands": None, "pairs": "role", "teams": "role_name"}
    why = "why"  # in the language in force
    for key, rows in frame.groupby(group, sort=False):
        print(f"== {group} {key} ({len(rows)})")
        for _index, r in rows.iterrows():
            label = f" {r[role[mode]]:<17}" if role[mode] else ""
            learner = printable(r["learner"], keep_lines=False)  # shown, never obeyed
            print(f"  {learner}{label} {r['mean']:.2f}  {r[why]}")


def run(args: argparse.Namespace, config: ParcoursConfig) -> int:
    from pathlib import Path

    from parcours.cli._course import course_language, open_course
    from parcours.errors import BadInputError, ParcoursError
    from parcours.i18n import ngettext

    if args.release_remediation and args.mode != "bands":
        raise BadInputError(
            _(
                "--release-remediation works with --mode bands "
                "(it releases to the remediation band)."
            )
        )
    # the course's language first: the groups' reasons are written in the language in force
    lang = course_language(args, config, open_course(config, args.course))
    frame, data = make_groups(config, args.course, args.skill, args.mode, args.size, args.seed)
    _print(frame, args.mode, lang)
    if args.csv:
        out = Path(args.csv)
        out.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(out, index=False)
        print(_("Written: {file}").format(file=out))
    if args.release_remediation:
        ids = data.learners.drop_duplicates("learner").set_index("learner")["student_id"]
        band = frame[frame["band"] == "remediation"]["learner"]
        to = sorted(s for s in ids.reindex(band).dropna() if s)
        if not to:
            print(_("Nobody in remediation: nothing to release."))
            return 0
        try:
            from parcours.pipeline.release import release
        except ImportError as exc:
            raise ParcoursError(
                _("the grading pipeline cannot be loaded ({reason}).").format(reason=exc)
            ) from exc
        course = open_course(config, args.course)
        result = release(config, course, args.release_remediation, to=to)
        print(
            ngettext(
                "'{assignment}' released to {n} learner in remediation.",
                "'{assignment}' released to {n} learners in remediation.",
                len(to),
            ).format(assignment=result.assignment, n=len(to))
        )
    return 0
