"""UTC time helpers: one storage format, explicit time zones, no naive datetimes.

Storage format: ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` — fixed width, so string order equals time order
(sort keys and range conditions depend on it).
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dynamodb_wrapper.exceptions import ValidationError

__all__ = [
    "ensure_timezone_aware",
    "format_utc",
    "get_zone",
    "parse_utc",
    "require_aware",
    "to_user_timezone",
    "to_utc",
    "utc_now",
]


def utc_now() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


@lru_cache(maxsize=256)
def get_zone(name: str) -> tzinfo:
    """Resolve an IANA time zone name (``"America/New_York"``).

    Raises:
        ValidationError: The name is not a known IANA zone.
    """
    if not isinstance(name, str) or not name or name != name.strip():
        raise ValidationError(f"invalid time zone name {name!r}", field="user_timezone")
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValidationError(
            f"unknown time zone {name!r}: use an IANA name such as 'Europe/Paris'",
            field="user_timezone",
        ) from exc


def require_aware(dt: datetime, field: str | None = None) -> datetime:
    """Return ``dt`` unchanged if it carries a UTC offset, else raise ValidationError."""
    if not isinstance(dt, datetime):
        raise ValidationError(f"expected a datetime, got {type(dt).__name__}", field=field)
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        where = f" for {field!r}" if field else ""
        raise ValidationError(
            f"naive datetime {dt.isoformat()}{where}: pass a timezone-aware datetime "
            "(e.g. datetime.now(UTC)); naive values are never guessed",
            field=field,
        )
    return dt


def to_utc(dt: datetime, field: str | None = None) -> datetime:
    """Convert an aware datetime to UTC (naive or unrepresentable input: ValidationError)."""
    aware = require_aware(dt, field)
    try:
        return aware.astimezone(UTC)
    except OverflowError as exc:  # e.g. 0001-01-01T00:00+05:00 is before year 1 in UTC
        raise ValidationError(
            f"datetime {aware.isoformat()} is outside the representable range in UTC", field=field
        ) from exc


def to_user_timezone(dt: datetime, user_tz: str | None = None) -> datetime:
    """Convert an aware datetime to ``user_tz`` for display; ``None`` keeps UTC."""
    dt = require_aware(dt)
    return dt.astimezone(get_zone(user_tz) if user_tz else UTC)


def ensure_timezone_aware(dt: datetime, default_tz: str = "UTC") -> datetime:
    """Attach ``default_tz`` to a naive datetime (an explicit, opt-in assumption)."""
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        return dt.replace(tzinfo=get_zone(default_tz))
    return dt


def format_utc(dt: datetime, field: str | None = None) -> str:
    """The storage string of an aware datetime: fixed-width UTC with microseconds."""
    d = dt if type(dt) is datetime and dt.tzinfo is UTC else to_utc(dt, field)
    # Hand-formatted: strftime("%Y") does not zero-pad years < 1000 on glibc.
    return (
        f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:"
        f"{d.second:02d}.{d.microsecond:06d}Z"
    )


def parse_utc(value: str, field: str | None = None) -> datetime:
    """Parse an ISO-8601 string with an offset into an aware UTC datetime."""
    try:
        dt = datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"invalid ISO-8601 datetime {value!r}", field=field) from exc
    return to_utc(dt, field)
