"""The house format of Quorvane's support replies: what is wrong with a reply, and whether it passes.
"""

from __future__ import annotations

from .schema import (
    HOUSE_ANSWER_PREFIX,
    HOUSE_GREETING,
    HOUSE_NEXT_PREFIX,
    HOUSE_SIGNOFF,
)


def house_format_problems(reply: str) -> list[str]:
    """Why ``reply`` is not in the house format (empty list when it is)::

        Hello from Quorvane Support!
        Answer: <one sentence>
        Next step: <one sentence>
        Kind regards, the Quorvane Support team
    """
    if not isinstance(reply, str) or not reply.strip():
        return ["the reply is empty"]
    lines = [line.strip() for line in reply.strip().splitlines()]
    problems = []
    if any(not line for line in lines):
        problems.append("blank lines are not allowed")
        lines = [line for line in lines if line]
    if len(lines) != 4:
        problems.append(f"expected 4 lines, got {len(lines)}")
    if not lines or lines[0] != HOUSE_GREETING:
        problems.append(f"line 1 must be {HOUSE_GREETING!r}")
    if len(lines) < 2 or not lines[1].startswith(HOUSE_ANSWER_PREFIX) or not lines[1][len(HOUSE_ANSWER_PREFIX):].strip():
        problems.append(f"line 2 must start with {HOUSE_ANSWER_PREFIX!r} followed by the answer")
    if len(lines) < 3 or not lines[2].startswith(HOUSE_NEXT_PREFIX) or not lines[2][len(HOUSE_NEXT_PREFIX):].strip():
        problems.append(f"line 3 must start with {HOUSE_NEXT_PREFIX!r} followed by one step")
    if len(lines) < 4 or lines[-1] != HOUSE_SIGNOFF:
        problems.append(f"the last line must be {HOUSE_SIGNOFF!r}")
    return problems


def check_house_format(reply: str) -> bool:
    """True when ``reply`` follows the house format exactly (see :func:`house_format_problems`)."""
    return not house_format_problems(reply)
