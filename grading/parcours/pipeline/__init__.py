"""The assignment loop on nbgrader: release, collect, autograde, feedback."""
