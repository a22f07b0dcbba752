"""Unit tests of dynamodb_wrapper.core.timeutils (storage format of datetimes, time zones)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dynamodb_wrapper.core.timeutils import (
    ensure_timezone_aware,
    format_utc,
    get_zone,
    parse_utc,
    require_aware,
    to_user_timezone,
    to_utc,
    utc_now,
)
from dynamodb_wrapper.exceptions import ValidationError

STORAGE_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")

# Fixed offsets strictly inside (-24h, +24h), at minute resolution.
offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
# Fixed offsets only: wall times inside a DST gap or fold of an IANA zone do not compare equal
# across zones (PEP 495), which would make the equality properties below meaningless.
zones = st.one_of(offsets, st.just(UTC))
# Keep away from year 1 / 9999 so that converting to any offset stays representable.
aware_datetimes = st.datetimes(
    min_value=datetime(1, 1, 3), max_value=datetime(9999, 12, 29), timezones=zones
)


# --------------------------------------------------------------------------- format_utc


def test_format_utc_known_value_from_offset() -> None:
    dt = datetime(2024, 3, 5, 14, 7, 9, 120, tzinfo=timezone(timedelta(hours=2)))
    assert format_utc(dt) == "2024-03-05T12:07:09.000120Z"


def test_format_utc_pads_microsecond_zero() -> None:
    text = format_utc(datetime(2024, 1, 1, tzinfo=UTC))
    assert text == "2024-01-01T00:00:00.000000Z"
    assert len(text) == 27


@pytest.mark.parametrize("year", [1, 9, 10, 99, 100, 999, 1000])
def test_format_utc_pads_small_years(year: int) -> None:
    text = format_utc(datetime(year, 6, 15, 1, 2, 3, tzinfo=UTC))
    assert text == f"{year:04d}-06-15T01:02:03.000000Z"
    assert len(text) == 27


@given(aware_datetimes)
def test_format_utc_is_fixed_width_and_parses_back(dt: datetime) -> None:
    text = format_utc(dt)
    assert len(text) == 27
    assert STORAGE_FORMAT.match(text)
    back = parse_utc(text)
    assert back == dt
    assert back.utcoffset() == timedelta(0)


@given(aware_datetimes, aware_datetimes)
def test_format_utc_lexical_order_is_chronological_order(a: datetime, b: datetime) -> None:
    fa, fb = format_utc(a), format_utc(b)
    assert (fa < fb) == (a < b)
    assert (fa == fb) == (a == b)


def test_format_utc_rejects_naive() -> None:
    with pytest.raises(ValidationError) as info:
        format_utc(datetime(2024, 1, 1), field="created_at")
    assert info.value.field == "created_at"
    assert "naive" in str(info.value)


def test_format_utc_rejects_non_datetime() -> None:
    with pytest.raises(ValidationError):
        format_utc("2024-01-01T00:00:00Z")  # type: ignore[arg-type]


def test_format_utc_out_of_range_after_utc_conversion_is_validation_error() -> None:
    # 0001-01-01T00:00+05:00 is 0000-12-31T19:00Z, which Python cannot represent.
    dt = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))
    with pytest.raises(ValidationError):
        format_utc(dt)


# --------------------------------------------------------------------------- parse_utc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05T12:07:09.000120Z", datetime(2024, 3, 5, 12, 7, 9, 120, tzinfo=UTC)),
        ("2024-03-05T12:07:09Z", datetime(2024, 3, 5, 12, 7, 9, tzinfo=UTC)),
        ("2024-03-05T14:07:09+02:00", datetime(2024, 3, 5, 12, 7, 9, tzinfo=UTC)),
        ("2024-03-05T07:07:09.5-05:00", datetime(2024, 3, 5, 12, 7, 9, 500000, tzinfo=UTC)),
        ("2024-03-05T12:07:09+00:00", datetime(2024, 3, 5, 12, 7, 9, tzinfo=UTC)),
        ("2024-03-05T17:52:09+05:45", datetime(2024, 3, 5, 12, 7, 9, tzinfo=UTC)),
    ],
)
def test_parse_utc_accepts_offsets_and_z(text: str, expected: datetime) -> None:
    parsed = parse_utc(text)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize("text", ["2024-03-05T12:07:09", "2024-03-05", "2024-03-05T12:07:09.123"])
def test_parse_utc_rejects_naive(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_utc(text, field="start_time")
    assert info.value.field == "start_time"


@pytest.mark.parametrize("text", ["", "yesterday", "2024-13-01T00:00:00Z", "2024-01-01T25:00Z"])
def test_parse_utc_rejects_garbage(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_utc(text, field="ts")
    assert info.value.field == "ts"


def test_parse_utc_rejects_non_string() -> None:
    with pytest.raises(ValidationError):
        parse_utc(12345)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"])
def test_parse_utc_out_of_range_in_utc_is_validation_error(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_utc(text)


# --------------------------------------------------------------------------- zones


@pytest.mark.parametrize("name", ["America/New_York", "Europe/Paris", "Asia/Kolkata"])
def test_get_zone_known_names(name: str) -> None:
    zone = get_zone(name)
    assert datetime(2024, 1, 1, tzinfo=zone).utcoffset() == ZoneInfo(name).utcoffset(
        datetime(2024, 1, 1)
    )


@pytest.mark.parametrize("name", ["UTC", "utc"])
def test_get_zone_utc(name: str) -> None:
    assert get_zone(name).utcoffset(None) == timedelta(0)


@pytest.mark.parametrize(
    "name",
    [
        "",
        " ",
        "\t",
        " Europe/Paris",
        "Europe/Paris ",
        "Mars/Olympus_Mons",
        "Not_A_Zone",
        "../../etc/passwd",
        "/etc/localtime",
        "Europe/",
    ],
)
def test_get_zone_rejects_unknown_empty_and_whitespace(name: str) -> None:
    with pytest.raises(ValidationError) as info:
        get_zone(name)
    assert info.value.field == "user_timezone"


def test_get_zone_rejects_non_string() -> None:
    with pytest.raises(ValidationError):
        get_zone(None)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- conversions


def test_to_user_timezone_converts_instant_preserving() -> None:
    dt = datetime(2024, 7, 1, 12, 0, tzinfo=UTC)
    local = to_user_timezone(dt, "America/New_York")
    assert local == dt
    assert local.utcoffset() == timedelta(hours=-4)  # EDT in July
    assert (local.hour, local.minute) == (8, 0)


def test_to_user_timezone_winter_offset() -> None:
    local = to_user_timezone(datetime(2024, 1, 15, 12, 0, tzinfo=UTC), "America/New_York")
    assert local.utcoffset() == timedelta(hours=-5)
    assert local.hour == 7


def test_to_user_timezone_none_keeps_utc() -> None:
    dt = datetime(2024, 1, 1, 10, 0, tzinfo=timezone(timedelta(hours=3)))
    result = to_user_timezone(dt, None)
    assert result == dt
    assert result.utcoffset() == timedelta(0)
    assert result.hour == 7


def test_to_user_timezone_rejects_naive_and_unknown_zone() -> None:
    with pytest.raises(ValidationError):
        to_user_timezone(datetime(2024, 1, 1), "Europe/Paris")
    with pytest.raises(ValidationError):
        to_user_timezone(datetime(2024, 1, 1, tzinfo=UTC), "Nowhere/Special")


@given(aware_datetimes, st.sampled_from(["Europe/Paris", "Asia/Tokyo", "America/Sao_Paulo"]))
def test_to_user_timezone_is_same_instant(dt: datetime, zone: str) -> None:
    local = to_user_timezone(dt, zone)
    assert local == dt
    assert local.tzinfo is not None
    assert format_utc(local) == format_utc(dt)


def test_ensure_timezone_aware_attaches_default_to_naive() -> None:
    naive = datetime(2024, 1, 15, 12, 0)
    assert ensure_timezone_aware(naive) == datetime(2024, 1, 15, 12, 0, tzinfo=UTC)
    paris = ensure_timezone_aware(naive, "Europe/Paris")
    assert paris.utcoffset() == timedelta(hours=1)
    assert paris == datetime(2024, 1, 15, 11, 0, tzinfo=UTC)


def test_ensure_timezone_aware_keeps_aware_untouched() -> None:
    aware = datetime(2024, 1, 15, 12, 0, tzinfo=timezone(timedelta(hours=-3)))
    result = ensure_timezone_aware(aware, "Europe/Paris")
    assert result == aware
    assert result.utcoffset() == timedelta(hours=-3)


def test_ensure_timezone_aware_unknown_default_zone() -> None:
    with pytest.raises(ValidationError):
        ensure_timezone_aware(datetime(2024, 1, 1), "Nowhere/Special")


def test_require_aware_and_to_utc() -> None:
    aware = datetime(2024, 1, 1, 5, tzinfo=timezone(timedelta(hours=5)))
    assert require_aware(aware) is aware
    assert to_utc(aware) == datetime(2024, 1, 1, tzinfo=UTC)
    assert to_utc(aware).utcoffset() == timedelta(0)
    with pytest.raises(ValidationError):
        require_aware(datetime(2024, 1, 1), "x")
    with pytest.raises(ValidationError):
        to_utc(datetime(2024, 1, 1))


def test_utc_now_is_aware_utc() -> None:
    before = datetime.now(UTC)
    now = utc_now()
    after = datetime.now(UTC)
    assert now.utcoffset() == timedelta(0)
    assert before <= now <= after
