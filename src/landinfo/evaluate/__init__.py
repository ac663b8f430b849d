"""Evaluation: question sets -> answers -> metrics -> summary, comparison and reports."""
from landinfo.evaluate.questionset import QuestionSet, load_question_set, normalize_for_match
from landinfo.evaluate.runner import Run, run_set

__all__ = ["QuestionSet", "Run", "load_question_set", "normalize_for_match", "run_set"]
