"""The base of every pydantic model in Tracktion.

`defer_build=True` makes pydantic build a model's validator and serializer on first use
instead of when the class is created: a function's cold start then pays only for the models
its invoked route touches, not for every model its handler module imports (see
docs/performance.md, "Cold start"). Behaviour is unchanged; only the moment of the build moves.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """`pydantic.BaseModel` whose schema is built lazily, on first validation or dump."""

    model_config = ConfigDict(defer_build=True)
