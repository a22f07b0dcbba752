"""Unit tests of ``TableConfigUpsert``: every business rule, valid and invalid (no I/O).

Each refusal is our ``ValidationError`` (also a ``ValueError``) naming the offending field.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from dynamodb_wrapper.exceptions import ValidationError
from dynamodb_wrapper.models.domain_models import DataFormat, Environment, TableConfig, TableType
from dynamodb_wrapper.models.dtos import SPARK_STORAGE_LEVELS, TableConfigUpsert

BASE: dict[str, Any] = {
    "table_id": "orders.raw",
    "pipeline_id": "pipe-1",
    "table_name": "orders",
    "table_type": "source",
    "data_format": "parquet",
    "location": "s3://bucket/orders",
}


def make(**overrides: Any) -> TableConfigUpsert:
    return TableConfigUpsert(**{**BASE, **overrides})


def refused(field: str | None, **overrides: Any) -> ValidationError:
    """Build a DTO that must fail, and check the error names ``field``."""
    with pytest.raises(ValidationError) as info:
        make(**overrides)
    assert isinstance(info.value, ValueError)
    assert info.value.field == field, info.value
    return info.value


def test_minimal_dto_has_the_documented_defaults() -> None:
    dto = make()
    assert dto.table_type is TableType.SOURCE
    assert dto.data_format is DataFormat.PARQUET
    assert dto.environment is Environment.DEV
    assert dto.is_active is True
    assert dto.caching_enabled is False
    assert dto.cache_level is None
    assert dto.retention_days is None and dto.archive_after_days is None
    assert dto.partition_columns == [] and dto.schema_definition == {}


# --------------------------------------------------------------------------- ids


@pytest.mark.parametrize("field", ["table_id", "pipeline_id"])
@pytest.mark.parametrize(
    "value", ["a", "Z9", "orders.raw", "ns:tbl_1-v2", "A-z_0.9:x", "x" * 255, "123"]
)
def test_valid_ids(field: str, value: str) -> None:
    assert getattr(make(**{field: value}), field) == value


@pytest.mark.parametrize("field", ["table_id", "pipeline_id"])
@pytest.mark.parametrize(
    "value",
    [
        "",
        "x" * 256,
        "has space",
        "a/b",
        "tab\tle",
        "ünïcode",
        "semi;colon",
        "a#b",
        " lead",
        5,
        None,
    ],
)
def test_invalid_ids(field: str, value: Any) -> None:
    refused(field, **{field: value})


@pytest.mark.parametrize("value", ["", "x" * 256])
def test_table_name_length(value: str) -> None:
    refused("table_name", table_name=value)


def test_table_name_may_be_any_text_up_to_255() -> None:
    assert make(table_name="Orders (raw) — 2024").table_name == "Orders (raw) — 2024"
    assert make(table_name="n" * 255).table_name == "n" * 255


# --------------------------------------------------------------------------- location


@pytest.mark.parametrize(
    "location",
    [
        "/data/orders",
        "/",
        "s3://bucket",
        "s3://bucket/prefix/orders",
        "s3a://bucket/k",
        "S3://bucket/k",
        "gs://bucket/k",
        "abfss://container@account.dfs.core.windows.net/path",
        "wasbs://c@a.blob.core.windows.net/p",
        "hdfs://namenode:8020/warehouse/orders",
        "file:///tmp/orders",
        "dbfs:/mnt/orders",
        "jdbc:postgresql://db.example.com:5432/sales",
        "https://example.com/export.csv",
        "kafka://broker:9092/orders",
    ],
)
def test_valid_locations(location: str) -> None:
    assert make(location=location).location == location


@pytest.mark.parametrize(
    "location",
    [
        "",
        "relative/path",
        "orders",
        "./orders",
        " /leading-space",
        "C:\\data\\orders",
        "ftp://host/file",
        "sftp://host/file",
        "mailto:someone@example.com",
        "s3://",
        "https://",
        "unknown://bucket/k",
    ],
)
def test_invalid_locations(location: str) -> None:
    refused("location", location=location)


def test_jdbc_location_without_anything_is_refused() -> None:
    refused("location", location="jdbc:")


# --------------------------------------------------------------------------- retention


@pytest.mark.parametrize("field", ["retention_days", "archive_after_days"])
@pytest.mark.parametrize("value", [1, 30, 36500])
def test_positive_days_accepted(field: str, value: int) -> None:
    assert getattr(make(**{field: value}), field) == value


@pytest.mark.parametrize("field", ["retention_days", "archive_after_days"])
@pytest.mark.parametrize("value", [0, -1, 36501, 1.5, "ten"])
def test_invalid_days(field: str, value: Any) -> None:
    refused(field, **{field: value})


@pytest.mark.parametrize(("archive", "retention"), [(1, 2), (29, 30), (None, 30), (30, None)])
def test_archive_before_retention_accepted(archive: int | None, retention: int | None) -> None:
    dto = make(archive_after_days=archive, retention_days=retention)
    assert (dto.archive_after_days, dto.retention_days) == (archive, retention)


@pytest.mark.parametrize(("archive", "retention"), [(30, 30), (31, 30), (365, 7)])
def test_archive_not_before_retention_is_refused(archive: int, retention: int) -> None:
    with pytest.raises(ValidationError, match="archive_after_days must be less than retention"):
        make(archive_after_days=archive, retention_days=retention)


def test_archive_not_before_retention_names_the_field() -> None:
    refused("archive_after_days", archive_after_days=30, retention_days=30)


# --------------------------------------------------------------------------- cache level


@pytest.mark.parametrize("level", sorted(SPARK_STORAGE_LEVELS))
def test_every_spark_storage_level_accepted(level: str) -> None:
    assert make(cache_level=level).cache_level == level


@pytest.mark.parametrize(
    ("given", "stored"),
    [("memory_only", "MEMORY_ONLY"), ("Memory_And_Disk_2", "MEMORY_AND_DISK_2")],
)
def test_cache_level_is_normalised_to_upper_case(given: str, stored: str) -> None:
    assert make(cache_level=given, caching_enabled=True).cache_level == stored


@pytest.mark.parametrize("level", ["", "MEMORY", "fast", "MEMORY_ONLY_3", "DISK ONLY", 3])
def test_invalid_cache_levels(level: Any) -> None:
    refused("cache_level", cache_level=level)


# --------------------------------------------------------------------------- enums


@pytest.mark.parametrize(
    ("field", "value", "member"),
    [
        ("table_type", "destination", TableType.DESTINATION),
        ("table_type", TableType.LOOKUP, TableType.LOOKUP),
        ("table_type", "intermediate", TableType.INTERMEDIATE),
        ("data_format", "delta", DataFormat.DELTA),
        ("data_format", DataFormat.AVRO, DataFormat.AVRO),
        ("data_format", "csv", DataFormat.CSV),
        ("environment", "prod", Environment.PROD),
        ("environment", Environment.STAGING, Environment.STAGING),
    ],
)
def test_valid_enum_values(field: str, value: Any, member: Any) -> None:
    assert getattr(make(**{field: value}), field) is member


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("table_type", "view"),
        ("table_type", "SOURCE"),
        ("table_type", ""),
        ("table_type", None),
        ("data_format", "orc"),
        ("data_format", "Parquet"),
        ("environment", "qa"),
        ("environment", "production"),
    ],
)
def test_invalid_enum_values(field: str, value: Any) -> None:
    refused(field, **{field: value})


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize("field", ["record_count", "size_bytes"])
def test_statistics_accept_zero_and_positive(field: str) -> None:
    assert getattr(make(**{field: 0}), field) == 0
    assert getattr(make(**{field: 10**15}), field) == 10**15


@pytest.mark.parametrize("field", ["record_count", "size_bytes"])
@pytest.mark.parametrize("value", [-1, 1.5, "many"])
def test_statistics_refuse_negative_and_non_integers(field: str, value: Any) -> None:
    refused(field, **{field: value})


@pytest.mark.parametrize("field", ["record_count", "size_bytes", "retention_days"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_nan_and_infinity_refused(field: str, value: float) -> None:
    refused(field, **{field: value})


def test_nan_nested_in_a_map_is_refused_by_the_dto() -> None:
    # Free-form maps are typed Any; the DTO still refuses a nested NaN and names its path.
    with pytest.raises(ValidationError) as info:
        make(read_options={"sampling": float("nan")})
    assert info.value.field == "read_options.sampling"


def test_nan_nested_in_a_map_is_also_refused_when_encoded() -> None:
    # Defence in depth: a domain model built without the DTO is stopped by the wire codec.
    model = TableConfig.model_validate({**dict(make()), "read_options": {"sampling": float("nan")}})
    with pytest.raises(ValidationError) as info:
        model.to_dynamodb_item()
    assert info.value.field == "read_options.sampling"


# --------------------------------------------------------------------------- datetimes


@pytest.mark.parametrize(
    "value",
    [
        datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
        datetime(2024, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2))),
        "2024-05-01T12:00:00Z",
        "2024-05-01T14:00:00+02:00",
    ],
)
def test_aware_last_updated_data_is_kept_as_utc(value: Any) -> None:
    stored = make(last_updated_data=value).last_updated_data
    assert stored == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert stored is not None and stored.utcoffset() == timedelta(0)


@pytest.mark.parametrize("value", [datetime(2024, 5, 1, 12, 0), "2024-05-01T12:00:00", "soon"])
def test_naive_or_bad_last_updated_data_refused(value: Any) -> None:
    refused("last_updated_data", last_updated_data=value)


# --------------------------------------------------------------------------- model config


def test_dto_is_frozen() -> None:
    dto = make()
    with pytest.raises(ValidationError) as info:
        dto.table_name = "other"  # type: ignore[misc]
    assert info.value.field == "table_name"
    assert dto.table_name == "orders"


@pytest.mark.parametrize("extra", ["bogus", "created_at", "updated_at", "tableName"])
def test_extra_fields_refused(extra: str) -> None:
    refused(extra, **{extra: "2024-05-01T12:00:00Z"})


def test_required_fields() -> None:
    for name in ("table_id", "pipeline_id", "table_name", "table_type", "data_format", "location"):
        data = {k: v for k, v in BASE.items() if k != name}
        with pytest.raises(ValidationError) as info:
            TableConfigUpsert(**data)
        assert info.value.field == name


def test_error_reports_every_problem_and_names_the_first() -> None:
    error = refused("table_id", table_id="", location="nowhere", cache_level="fast")
    assert {e["loc"][0] for e in error.errors} == {"table_id", "location", "cache_level"}


def test_dtos_compare_by_value() -> None:
    assert make() == make()
    assert make() != make(table_name="other")
