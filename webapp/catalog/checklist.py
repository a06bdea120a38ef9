"""Narrowing a task's document checklist by the reader's answers."""

import hashlib


def narrow(task: dict, answers: dict[str, str]) -> list[dict]:
    """Groups that apply: in all cases, of an unanswered question, or matching an answer."""
    owner = {o["id"]: q["id"] for q in task["questions"] for o in q["options"]}
    return [
        group
        for group in task["checklist"]
        if "when" not in group
        or not answers.get(owner[group["when"]])
        or answers[owner[group["when"]]] == group["when"]
    ]


def read_answers(task: dict, args) -> dict[str, str]:
    """The reader's valid answers from query arguments; unknown values are ignored."""
    answers = {}
    for question in task["questions"]:
        value = args.get(question["id"], "")
        if value in {o["id"] for o in question["options"]}:
            answers[question["id"]] = value
    return answers


def document_key(document: dict) -> str:
    """A short stable key for a document, used to remember ticks on the reader's device."""
    return hashlib.sha1(document["text"]["en"].encode()).hexdigest()[:10]
