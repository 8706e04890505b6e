"""Course model: the manifest (``course.toml``), its loading, and ``parcours check``."""

from .load import find_course, list_courses, load_course, read_manifest
from .model import Assignment, Course, KpiTargets, LatePolicy, Lesson, Module, Skill, Workload

__all__ = [
    "Assignment",
    "Course",
    "KpiTargets",
    "LatePolicy",
    "Lesson",
    "Module",
    "Skill",
    "Workload",
    "find_course",
    "list_courses",
    "load_course",
    "read_manifest",
]
