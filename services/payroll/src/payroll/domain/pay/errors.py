"""The one error the pay engine raises for bad input: 422 naming the field path as the JSON names it."""

from __future__ import annotations

from chassis.errors import InvalidInput


class PayInputError(InvalidInput):
    """`field` is the request path ("workweeks[0].daily_hours[3]", "pay.rate"); `message` the reason."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)

