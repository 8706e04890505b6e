"""Default thresholds of the risk rules (:mod:`.risk`), in one place: the default of
``ParcoursConfig.risk_thresholds`` (set your own in ``jupyter_config.py``). Plain data,
no import: the configuration reads it at the CLI's start-up."""

#: rule -> threshold (a rule fires when its measure is at least the threshold)
RISK_THRESHOLDS: dict[str, float] = {
    # no trace for a week and a half: a learner of an asynchronous course may skip a
    # week, not two
    "days_inactive": 10,
    "missed_deadlines": 1,
    "late_submissions": 2,
    # the last two scores at least 20 points under the earlier ones...
    "score_drop": 0.2,
    # ... and under this share: a drop from 100 % to 80 % is no worry
    "score_drop_below": 0.6,
    "unanswered_quizzes": 0.5,
    # a supporting reason only: said with another reason, never flags a learner alone
    "reflections_missing": 3,
}
