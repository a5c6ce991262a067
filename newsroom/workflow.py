"""The shape every workflow table has (articles/publishing.py, submissions/moderation.py).

A workflow names its steps; each step lists the statuses it may start from and the one it goes to.
A transition function names its step, so it refuses any other start status, even one from which
some *other* step reaches the same target (publishing a disabled story, appealing a story under review).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    sources: frozenset
    target: str

    def __init__(self, sources, target):
        object.__setattr__(self, "sources", frozenset(sources))
        object.__setattr__(self, "target", target)


def exits(steps: dict, statuses) -> dict:
    """{status: the statuses some step reaches from it}, for every status: the workflow as a graph."""
    return {status: {step.target for step in steps.values() if status in step.sources} for status in statuses}
