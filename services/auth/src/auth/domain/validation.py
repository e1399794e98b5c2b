"""Input rules of the auth domain: pure functions raising InvalidInput with the offending field."""
from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chassis.errors import InvalidInput

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
ROLE_NAME = re.compile(r"^[a-z][a-z0-9_-]{1,62}$")
# Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is not our business.
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY "
    "NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR".split())


def email(value: str, field: str = "email") -> str:
    value = value.strip().lower()
    if len(value) > 320 or not EMAIL.match(value):
        raise InvalidInput("must be an e-mail address", field=field)
    return value


def slug(value: str, field: str = "slug") -> str:
    if not SLUG.match(value):
        raise InvalidInput("must be 1-63 lower-case letters, digits or dashes", field=field)
    return value


def role_name(value: str, field: str = "name") -> str:
    if not ROLE_NAME.match(value):
        raise InvalidInput("must be 2-63 characters: a lower-case letter, then letters, digits, _ or -",
                           field=field)
    return value


def time_zone(value: str, field: str = "time_zone") -> str:
    try:
        if "/" not in value and value != "UTC":
            raise ValueError(value)
        ZoneInfo(value)
    except (ValueError, ZoneInfoNotFoundError):
        raise InvalidInput("must be an IANA time zone such as America/New_York", field=field) from None
    return value


def state(value: str, field: str = "state") -> str:
    value = value.upper()
    if value not in US_STATES:
        raise InvalidInput("must be a two-letter US state code", field=field)
    return value


def text(value: str, field: str, max_length: int = 200, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidInput("must not be empty", field=field)
    if len(value) > max_length or any(ord(c) < 32 for c in value):
        raise InvalidInput(f"must be at most {max_length} printable characters", field=field)
    return value
