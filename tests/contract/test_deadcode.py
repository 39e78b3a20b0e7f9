"""The dead code check (`make lint` runs `python -m tests.deadcode` over the shipped code) reports
a function nobody calls, and leaves data fields alone."""

from __future__ import annotations

from tests.deadcode import findings

MODULE = """
from pydantic import BaseModel


class Answer(BaseModel):
    shown: int
    also: str = "x"


def used() -> Answer:
    answer = Answer(shown=1)
    answer.also = "y"
    return answer


def forgotten() -> int:
    return 2


used()
"""


def test_a_newly_unused_function_is_reported_and_model_fields_are_not(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(MODULE, encoding="utf-8")

    assert findings([str(module)]) == [f"{module}:16: unused function 'forgotten' (60% confidence)"]
