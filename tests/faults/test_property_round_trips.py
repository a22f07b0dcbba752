"""Property tests on DynamoDB Local: valid models of the three domains round-trip exactly, and
every page sequence returns each item exactly once, in order (hypothesis).

Strategies build *valid* write DTOs by construction: ids from ``[A-Za-z0-9._:-]`` (1 and 255
characters included), unicode text (emoji, combining marks, right-to-left text, no NUL),
numbers at DynamoDB's limits (38 significant digits, exponents -130..+125), aware datetimes in
random offsets and IANA zones with microseconds, nested stages whose end follows their start,
free-form maps of JSON-like values (ints, Decimals, strings, bools, None, lists, nested maps;
no floats, which would come back as Decimal) and string tags.

Round trip: upsert through the WriteApi, read back with ``get_by_id`` (full view) and compare
with the DTO field by field: datetimes as instants and returned aware in UTC, numbers by value
(but a bool must stay a bool), nested models field by field. Also
``Model.from_dynamodb_item(model.to_dynamodb_item()) == model``.

Pagination: N (0..120) items under one fresh partition, a random page size (1..40), a random
filter, range and direction; the pages must hold each matching item exactly once, in index
order, and match a brute-force computation. Same for ``list_pipelines`` (a scan, on tables of
its own, emptied between examples) and ``TableConfigReadApi.query_by_pipeline`` /
``query_active_tables``.

The tables are created once for the module (own prefix) and dropped at its end.
"""

from __future__ import annotations

import re
import string
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from dynamodb_wrapper import (
    DataFormat,
    DynamoDBConfig,
    Environment,
    LogLevel,
    PipelineConfig,
    PipelineConfigReadApi,
    PipelineConfigUpsert,
    PipelineConfigWriteApi,
    PipelineRunLog,
    PipelineRunLogsReadApi,
    PipelineRunLogsWriteApi,
    PipelineRunLogUpsert,
    RunStatus,
    TableConfig,
    TableConfigReadApi,
    TableConfigUpsert,
    TableConfigWriteApi,
    TableType,
    TriggerType,
    drop_tables,
    ensure_tables,
)
from dynamodb_wrapper.exceptions import ItemTooLargeError
from dynamodb_wrapper.models.dtos import SPARK_STORAGE_LEVELS

pytestmark = pytest.mark.integration

# ``raw_client`` is a function-scoped fixture, but it is one cached botocore client per
# endpoint: sharing it between the examples of a test is exactly what we want, hence the
# suppressed health check. Everything else the tests use is module-scoped.
SHARED_RAW_CLIENT = [HealthCheck.function_scoped_fixture]
ROUND_TRIP = settings(max_examples=60, deadline=None, suppress_health_check=SHARED_RAW_CLIENT)
PAGINATION = settings(max_examples=30, deadline=None)
PAGINATION_RAW = settings(PAGINATION, suppress_health_check=SHARED_RAW_CLIENT)

# ----------------------------------------------------------------------------- strategies

ID_ALPHABET = string.ascii_letters + string.digits + "._:-"
ids = st.one_of(
    st.text(ID_ALPHABET, min_size=1, max_size=1),
    st.text(ID_ALPHABET, min_size=255, max_size=255),
    st.text(ID_ALPHABET, min_size=1, max_size=40),
)

TRICKY_TEXT = [
    "",
    " ",
    "\U0001f680\U0001f469\u200d\U0001f4bb",  # emoji, zero-width joiner
    "e\u0301\u0327",  # combining marks
    "\u05e9\u05dc\u05d5\u05dd \u0639\u0631\u0628\u064a",  # right-to-left scripts
    "\u202eevil\u202c",  # bidi override
    "\ufeffbom",
    "\U0010fffd",  # last plane
    "a = :v0 OR attribute_exists(#n0)",
    "#n0",
    ":v0",
    "line\nbreak\r\ttab",
]
UNICODE = st.characters(codec="utf-8", exclude_characters="\x00")
text = st.one_of(st.sampled_from(TRICKY_TEXT), st.text(UNICODE, max_size=30))
names = st.one_of(
    st.sampled_from([t for t in TRICKY_TEXT if t]),
    st.text(UNICODE, min_size=1, max_size=30),
    st.text(UNICODE, min_size=255, max_size=255),
)
map_keys = st.one_of(
    st.sampled_from(["status", "name", "data", "#n0", ":v0", "a.b", "x[0]", "\U0001f680", " "]),
    st.text(UNICODE, min_size=1, max_size=20),
)

MAX_38 = 10**38 - 1


@st.composite
def decimals38(draw: st.DrawFn, low: int = -130, high: int = 125) -> Decimal:
    """A finite Decimal with 1..38 significant digits and adjusted exponent in [low, high]."""
    digits = draw(st.lists(st.integers(0, 9), min_size=1, max_size=38))
    digits[0] = draw(st.integers(1, 9))
    adjusted = draw(st.integers(low, high))
    sign = draw(st.integers(0, 1))
    return Decimal((sign, tuple(digits), adjusted - len(digits) + 1))


integers38 = st.one_of(
    st.integers(-MAX_38, MAX_38),
    st.sampled_from([0, 1, -1, MAX_38, -MAX_38, 10**38, -(10**38), 2**63, -(2**63) - 1]),
)
numbers = st.one_of(integers38, decimals38())
leaves = st.one_of(st.none(), st.booleans(), numbers, text)
json_values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(map_keys, inner, max_size=4)
    ),
    max_leaves=12,
)
free_maps = st.dictionaries(map_keys, json_values, max_size=5)
tags = st.dictionaries(map_keys, text, max_size=4)
non_negative_ints = st.one_of(st.integers(0, MAX_38), st.sampled_from([0, MAX_38]))
floats = st.one_of(
    st.sampled_from([0.0, 1.0, 0.1, 1e-120, 1e120, 2.0**53, 5e-7]),
    st.floats(min_value=1e-120, max_value=1e120),
)

offsets = st.one_of(
    st.just(UTC),
    st.sampled_from(
        [
            timezone(timedelta(hours=14)),
            timezone(timedelta(hours=-12)),
            timezone(timedelta(hours=5, minutes=45)),
            timezone(timedelta(hours=23, minutes=59, seconds=59, microseconds=999_999)),
            timezone(-timedelta(hours=23, minutes=59, seconds=59, microseconds=999_999)),
        ]
    ),
    st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m))),
    st.timezones(),
)
# Year 1 and 9999 are reachable in UTC from any offset between these bounds.
aware = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=offsets
)


@st.composite
def span(draw: st.DrawFn) -> tuple[datetime, datetime]:
    """An aware start and an aware end not before it (maybe in another zone)."""
    start = draw(
        st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9998, 1, 1), timezones=offsets)
    )
    delta = draw(st.one_of(st.just(timedelta(0)), st.timedeltas(timedelta(0), timedelta(400))))
    end = start.astimezone(UTC) + delta
    zone = draw(offsets)
    try:
        return start, end.astimezone(zone)
    except OverflowError:  # e.g. 0001-01-01T00:30Z has no local time 23:59 hours behind
        return start, end


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def stages(draw: st.DrawFn) -> dict[str, Any]:
    stage: dict[str, Any] = {
        "stage_name": draw(text),
        "status": draw(st.sampled_from(RunStatus)),
        "duration_seconds": draw(optional(floats)),
        "records_processed": draw(optional(non_negative_ints)),
        "error_message": draw(optional(text)),
    }
    times = draw(st.sampled_from(["none", "start", "end", "both"]))
    start, end = draw(span())
    if times in ("start", "both"):
        stage["start_time"] = start
    if times in ("end", "both"):
        stage["end_time"] = end
    return stage


quality_results = st.fixed_dictionaries(
    {"check_name": text, "passed": st.booleans()},
    optional={
        "expected_value": json_values,
        "actual_value": json_values,
        "error_message": optional(text),
    },
)

CRONS = [
    "rate(5 minutes)",
    "rate(1 day)",
    "cron(0 12 * * ? *)",
    "cron(15 10 ? * MON-FRI 2030)",
    "cron(0 0 L * ? *)",
    "*/5 * * * *",
    "0 3 * * 1",
]
LOCATIONS = st.one_of(
    st.sampled_from(["s3://bucket/key", "jdbc:postgresql://host:5432/db", "kafka://broker/topic"]),
    st.text(UNICODE, max_size=30).map(lambda t: "/data/" + t),
    st.text(ID_ALPHABET, min_size=1, max_size=30).map(lambda t: f"gs://{t}/x"),
)


@st.composite
def pipeline_dtos(draw: st.DrawFn, pipeline_id: str | None = None) -> PipelineConfigUpsert:
    return PipelineConfigUpsert(
        pipeline_id=pipeline_id or draw(ids),
        pipeline_name=draw(names),
        description=draw(optional(text)),
        source_type=draw(names),
        source_config=draw(free_maps),
        destination_type=draw(names),
        destination_config=draw(free_maps),
        schedule_expression=draw(optional(st.sampled_from(CRONS))),
        is_active=draw(st.booleans()),
        environment=draw(st.sampled_from(Environment)),
        version=draw(st.text(UNICODE, min_size=1, max_size=64)),
        config=draw(free_maps),
        spark_config=draw(free_maps),
        cpu_cores=draw(optional(st.integers(1, 4096))),
        memory_gb=draw(optional(decimals38(-130, 5).map(abs))),
        tags=draw(tags),
        created_by=draw(optional(text)),
        updated_by=draw(optional(text)),
    )


@st.composite
def table_dtos(
    draw: st.DrawFn, pipeline_id: str | None = None, table_id: str | None = None
) -> TableConfigUpsert:
    retention = draw(optional(st.integers(2, 36_500)))
    archive = None
    if retention is not None:
        archive = draw(optional(st.integers(1, retention - 1)))
    return TableConfigUpsert(
        table_id=table_id or draw(ids),
        pipeline_id=pipeline_id or draw(ids),
        table_name=draw(names),
        table_type=draw(st.sampled_from(TableType)),
        data_format=draw(st.sampled_from(DataFormat)),
        schema_definition=draw(free_maps),
        partition_columns=draw(st.lists(text, max_size=4)),
        primary_key_columns=draw(st.lists(text, max_size=4)),
        location=draw(LOCATIONS),
        connection_config=draw(free_maps),
        read_options=draw(free_maps),
        write_options=draw(free_maps),
        validation_rules=draw(free_maps),
        data_quality_checks=draw(st.lists(free_maps, max_size=3)),
        caching_enabled=draw(st.booleans()),
        cache_level=draw(optional(st.sampled_from(sorted(SPARK_STORAGE_LEVELS)))),
        retention_days=retention,
        archive_after_days=archive,
        environment=draw(st.sampled_from(Environment)),
        is_active=draw(st.booleans()),
        description=draw(optional(text)),
        tags=draw(tags),
        last_updated_data=draw(optional(aware)),
        record_count=draw(optional(non_negative_ints)),
        size_bytes=draw(optional(non_negative_ints)),
        created_by=draw(optional(text)),
        updated_by=draw(optional(text)),
    )


FUTURE = int(time.time()) + 10 * 365 * 86_400  # TTL values that never expire during the test


@st.composite
def run_dtos(draw: st.DrawFn) -> PipelineRunLogUpsert:
    start, end = draw(span())
    return PipelineRunLogUpsert(
        run_id=draw(ids),
        pipeline_id=draw(ids),
        status=draw(st.sampled_from(RunStatus)),
        trigger_type=draw(st.sampled_from(TriggerType)),
        start_time=start,
        end_time=draw(st.sampled_from([None, end])),
        duration_seconds=draw(optional(floats)),
        stages=draw(st.lists(stages(), max_size=4)),
        current_stage=draw(optional(text)),
        total_records_processed=draw(optional(non_negative_ints)),
        total_records_failed=draw(optional(non_negative_ints)),
        input_data_size_bytes=draw(optional(non_negative_ints)),
        output_data_size_bytes=draw(optional(non_negative_ints)),
        spark_application_id=draw(optional(text)),
        cpu_hours=draw(optional(floats)),
        memory_usage_gb=draw(optional(floats)),
        data_quality_results=draw(st.lists(quality_results, max_size=3)),
        data_quality_passed=draw(st.booleans()),
        error_message=draw(optional(text)),
        error_stack_trace=draw(optional(text)),
        retry_count=draw(non_negative_ints),
        pipeline_version=draw(optional(text)),
        config_snapshot=draw(free_maps),
        environment=draw(st.sampled_from(Environment)),
        spark_version=draw(optional(text)),
        python_version=draw(optional(text)),
        input_tables=draw(st.lists(text, max_size=4)),
        output_tables=draw(st.lists(text, max_size=4)),
        log_level=draw(st.sampled_from(LogLevel)),
        log_messages=draw(st.lists(free_maps, max_size=3)),
        monitoring_urls=draw(tags),
        tags=draw(tags),
        created_by=draw(optional(text)),
        last_heartbeat=draw(optional(aware)),
        expires_at=draw(optional(st.integers(FUTURE, MAX_38))),
    )


# ----------------------------------------------------------------------------- comparison


def assert_same(expected: Any, actual: Any, where: str) -> None:
    """``actual`` (read back) equals ``expected`` (written): datetimes as instants and returned
    aware in UTC, numbers by value, bools as bools, models and containers member by member."""
    if expected is None:
        assert actual is None, f"{where}: expected None, got {actual!r}"
    elif isinstance(expected, datetime):
        assert isinstance(actual, datetime), f"{where}: {actual!r} is not a datetime"
        assert actual.utcoffset() == timedelta(0), f"{where}: {actual!r} is not in UTC"
        assert actual == expected, f"{where}: {actual.isoformat()} != {expected.isoformat()}"
    elif isinstance(expected, Enum):
        assert actual == expected and isinstance(actual, type(expected)), f"{where}: {actual!r}"
    elif isinstance(expected, bool):
        assert isinstance(actual, bool) and actual is expected, f"{where}: {actual!r}"
    elif isinstance(expected, float):
        assert type(actual) is float and actual == expected, f"{where}: {actual!r} != {expected!r}"
    elif isinstance(expected, int | Decimal):
        assert isinstance(actual, int | Decimal) and not isinstance(actual, bool), (
            f"{where}: {actual!r} is not a number"
        )
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"
    elif isinstance(expected, str):
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"
    elif isinstance(expected, BaseModel):
        assert type(actual) is type(expected), f"{where}: {type(actual).__name__}"
        for name in type(expected).model_fields:
            assert_same(getattr(expected, name), getattr(actual, name), f"{where}.{name}")
    elif isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: {actual!r} is not a map"
        assert set(actual) == set(expected), f"{where}: keys {set(actual) ^ set(expected)}"
        for key, value in expected.items():
            assert_same(value, actual[key], f"{where}[{key!r}]")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: {actual!r}"
        for index, (e, a) in enumerate(zip(expected, actual, strict=True)):
            assert_same(e, a, f"{where}[{index}]")
    else:  # pragma: no cover - the strategies generate nothing else
        raise AssertionError(f"{where}: unexpected {type(expected).__name__}")


STORED_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")


def assert_stored_datetimes(value: Any, wire: Any, where: str) -> None:
    """Every datetime is stored as fixed-width UTC text (``YYYY-MM-DDTHH:MM:SS.ffffffZ``)."""
    if isinstance(value, datetime):
        text = wire["S"]
        assert STORED_DATETIME.fullmatch(text), f"{where}: stored as {text!r}"
        assert datetime.fromisoformat(text) == value, f"{where}: {text} != {value.isoformat()}"
    elif isinstance(value, BaseModel):
        for name, member in value.__dict__.items():
            if member is not None:
                assert_stored_datetimes(member, wire["M"][name], f"{where}.{name}")
    elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
        for index, member in enumerate(value):
            assert_stored_datetimes(member, wire["L"][index], f"{where}[{index}]")


class Domain:
    """How to write and read one domain, for the generic round-trip check."""

    def __init__(
        self, model: type[Any], write: type[Any], read: type[Any], key: str, verb: str
    ) -> None:
        self.model, self.write, self.read, self.key = model, write, read, key
        self.create = getattr(write, f"create_{verb}")
        self.upsert = getattr(write, f"upsert_{verb}")


PIPELINES = Domain(
    PipelineConfig, PipelineConfigWriteApi, PipelineConfigReadApi, "pipeline_id", "pipeline"
)
TABLES = Domain(TableConfig, TableConfigWriteApi, TableConfigReadApi, "table_id", "table")
RUNS = Domain(PipelineRunLog, PipelineRunLogsWriteApi, PipelineRunLogsReadApi, "run_id", "run_log")
WRITE_PATHS = st.sampled_from(["upsert", "create", "upsert_many"])  # UpdateItem, PutItem, batch


def check_round_trip(
    config: DynamoDBConfig,
    raw_client: Any,
    domain: Domain,
    dto: BaseModel,
    via: str,
    zone: Any = None,
) -> None:
    """Write ``dto`` through ``via``, read it back, and compare everything."""
    # The strategies set every field explicitly, so a new field cannot escape them.
    assert dto.model_fields_set == set(type(dto).model_fields)
    write, read = domain.write(config), domain.read(config)
    key_value = getattr(dto, domain.key)
    key = {domain.key: {"S": key_value}}
    table = write.gateway.table_name
    # Ids repeat across examples: start each from a clean slate (a finished run, for one, may
    # not be replaced with an earlier status).
    raw_client.delete_item(TableName=table, Key=key)
    if via == "create":
        returned = domain.create(write, dto)
    elif via == "upsert":
        returned = domain.upsert(write, dto)
    else:
        assert write.upsert_many([dto]) == 1
        returned = None

    view = read.get_by_id(key_value)
    assert view is not None, "the item was not found after writing it"
    for name in type(dto).model_fields:
        assert_same(getattr(dto, name), getattr(view, name), name)

    raw = raw_client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    stored = domain.model.from_dynamodb_item(raw)
    if returned is not None:
        assert returned == stored
    for name in ("created_at", "updated_at", "item_version"):
        assert_same(getattr(stored, name), getattr(view, name), name)
    for name, value in stored.__dict__.items():
        if value is not None:
            assert_stored_datetimes(value, raw[name], name)

    # The codec alone: encode and decode the domain model.
    again = domain.model.from_dynamodb_item(stored.to_dynamodb_item())
    assert again == stored
    for name in domain.model.model_fields:
        assert_same(getattr(stored, name), getattr(again, name), f"model.{name}")

    if zone is not None:  # the same instants, shown in the caller's zone
        local = read.get_by_id(key_value, user_timezone=zone)
        assert local is not None
        for name, value in view.__dict__.items():
            if isinstance(value, datetime):
                shown = getattr(local, name)
                assert shown == value and shown.tzinfo is not None, name
                assert shown.utcoffset() == value.astimezone(shown.tzinfo).utcoffset(), name
                assert str(shown.tzinfo) == zone, f"{name}: {shown.tzinfo} is not {zone}"


# ----------------------------------------------------------------------------- fixtures


def _config(endpoint: str, prefix: str) -> DynamoDBConfig:
    return DynamoDBConfig(
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        table_prefix=f"{prefix}{uuid.uuid4().hex[:10]}",
        environment="test",
    )


@pytest.fixture(scope="module")
def config(dynamodb_local_endpoint: str) -> Iterator[DynamoDBConfig]:
    config = _config(dynamodb_local_endpoint, "prop")
    ensure_tables(config)
    yield config
    drop_tables(config)


@pytest.fixture(scope="module")
def scan_config(dynamodb_local_endpoint: str) -> Iterator[DynamoDBConfig]:
    """Pipeline tables of their own for the scan property (emptied before each example)."""
    config = _config(dynamodb_local_endpoint, "propscan")
    ensure_tables(config, [PipelineConfig])
    yield config
    drop_tables(config, [PipelineConfig])


# ----------------------------------------------------------------------------- round trips


@ROUND_TRIP
@given(dto=pipeline_dtos(), via=WRITE_PATHS)
def test_pipeline_configs_round_trip_exactly(
    config: DynamoDBConfig, raw_client: Any, dto: PipelineConfigUpsert, via: str
) -> None:
    check_round_trip(config, raw_client, PIPELINES, dto, via)


@ROUND_TRIP
@given(dto=table_dtos(), via=WRITE_PATHS)
def test_table_configs_round_trip_exactly(
    config: DynamoDBConfig, raw_client: Any, dto: TableConfigUpsert, via: str
) -> None:
    check_round_trip(config, raw_client, TABLES, dto, via)


@ROUND_TRIP
@given(dto=run_dtos(), via=WRITE_PATHS, zone=optional(st.timezones().map(str)))
def test_run_logs_round_trip_exactly(
    config: DynamoDBConfig,
    raw_client: Any,
    dto: PipelineRunLogUpsert,
    via: str,
    zone: str | None,
) -> None:
    check_round_trip(config, raw_client, RUNS, dto, via, zone)


# ----------------------------------------------------------------------------- pagination


def collect_pages(
    page: Callable[[str | None], tuple[list[Any], str | None]], limit: int, total: int
) -> list[Any]:
    """Every item of a paged read, checking that each page but the last one is full."""
    items: list[Any] = []
    token: str | None = None
    for _ in range(total // limit + 2):
        batch, token = page(token)
        assert len(batch) <= limit
        items.extend(batch)
        if token is None:
            return items
        assert len(batch) == limit, "a page with a next_token must be full"
    raise AssertionError(f"more than {total // limit + 2} pages for {total} items")


def assert_each_once(got: list[str], expected: list[str]) -> None:
    assert len(got) == len(set(got)), (
        f"duplicates: {sorted(i for i in set(got) if got.count(i) > 1)}"
    )
    assert sorted(got) == sorted(expected), (
        f"missing {set(expected) - set(got)}, extra {set(got) - set(expected)}"
    )


@st.composite
def run_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    pool = draw(st.lists(aware, min_size=1, max_size=8))  # few start times: many are equal
    # Sometimes ~40 KB items, so that DynamoDB's 1 MB page ends before the requested limit.
    padding = draw(st.sampled_from([0, 0, 0, 40_000]))
    count = draw(st.integers(0, 60 if padding else 120))
    prefix = draw(st.text(ID_ALPHABET, min_size=1, max_size=8))
    runs = [
        {
            "run_id": f"{prefix}-{index}",
            "start_time": draw(st.sampled_from(pool)),
            "status": draw(st.sampled_from(RunStatus)),
            "error_stack_trace": "x" * padding or None,
        }
        for index in range(count)
    ]
    low, high = draw(optional(st.sampled_from(pool))), draw(optional(st.sampled_from(pool)))
    if low is not None and high is not None and low > high:
        low, high = high, low
    return {
        "runs": runs,
        "limit": draw(st.integers(1, 40)),
        "status": draw(optional(st.sampled_from(RunStatus))),
        "newest_first": draw(st.booleans()),
        "low": low,
        "high": high,
    }


@PAGINATION
@given(scenario=run_scenarios())
def test_run_pages_return_each_matching_run_once_in_order(
    config: DynamoDBConfig, scenario: dict[str, Any]
) -> None:
    pipeline_id = f"pages-{uuid.uuid4().hex}"
    # Run ids are unique per example: a finished run may not be re-upserted with another status.
    runs = [
        PipelineRunLogUpsert(
            pipeline_id=pipeline_id, **{**run, "run_id": f"{pipeline_id[6:18]}-{run['run_id']}"}
        )
        for run in scenario["runs"]
    ]
    assert PipelineRunLogsWriteApi(config).upsert_many(runs) == len(runs)
    read = PipelineRunLogsReadApi(config)
    low, high, status, limit = (scenario[k] for k in ("low", "high", "status", "limit"))

    views = collect_pages(
        lambda token: read.query_by_pipeline(
            pipeline_id,
            start_time=low,
            end_time=high,
            status=status,
            limit=limit,
            next_token=token,
            newest_first=scenario["newest_first"],
        ),
        limit,
        len(runs),
    )

    expected = sorted(
        (
            r
            for r in runs
            if (status is None or r.status == status)
            and (low is None or r.start_time >= low)
            and (high is None or r.start_time <= high)
        ),
        key=lambda r: r.start_time,
        reverse=scenario["newest_first"],
    )
    assert_each_once([v.run_id for v in views], [r.run_id for r in expected])
    assert [v.start_time for v in views] == [r.start_time for r in expected]  # index order
    by_id = {r.run_id: r for r in runs}
    for view in views:
        assert view.status == by_id[view.run_id].status
        assert view.error_stack_trace == by_id[view.run_id].error_stack_trace
        assert view.pipeline_id == pipeline_id


SIZE_LIMIT_CHARS = {1: "x", 2: "\u00e9", 3: "\u20ac", 4: "\U0001f600"}  # UTF-8 widths 1..4


@settings(max_examples=16, deadline=None, suppress_health_check=SHARED_RAW_CLIENT)
@given(width=st.sampled_from(sorted(SIZE_LIMIT_CHARS)), size=st.integers(408_800, 409_800))
def test_items_at_the_400_kb_limit_are_stored_exactly_or_refused_before_sending(
    config: DynamoDBConfig, raw_client: Any, width: int, size: int
) -> None:
    pipeline_id = f"size-{uuid.uuid4().hex}"
    dto = PipelineConfigUpsert(
        pipeline_id=pipeline_id,
        pipeline_name="n",
        source_type="s",
        destination_type="d",
        description=SIZE_LIMIT_CHARS[width] * (size // width),
    )
    write = PipelineConfigWriteApi(config)
    sent: list[str] = []

    def record(event_name: str, **_: Any) -> None:
        sent.append(event_name)

    events = write.gateway.client.meta.events
    events.register_first("before-send.dynamodb", record)
    try:
        write.upsert_pipeline(dto)
    except ItemTooLargeError as error:
        assert sent == [], "refused only after sending"
        assert pipeline_id in str(error)
        key = {"pipeline_id": {"S": pipeline_id}}
        assert "Item" not in raw_client.get_item(TableName=write.gateway.table_name, Key=key)
        return
    finally:
        events.unregister("before-send.dynamodb", record)
    view = PipelineConfigReadApi(config).get_by_id(pipeline_id)
    assert view is not None and view.description == dto.description


def _empty(gateway: Any, raw_client: Any) -> None:
    """Delete every item of the gateway's table (keys read with the raw client)."""
    request: dict[str, Any] = {"TableName": gateway.table_name, "ConsistentRead": True}
    keys = []
    while True:
        page = raw_client.scan(**request, ProjectionExpression="pipeline_id")
        keys.extend({"pipeline_id": item["pipeline_id"]["S"]} for item in page["Items"])
        if "LastEvaluatedKey" not in page:
            break
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    gateway.batch_write(deletes=keys)


@PAGINATION_RAW
@given(
    data=st.data(),
    count=st.integers(0, 120),
    limit=st.integers(1, 40),
    projection=st.sampled_from([None, ["pipeline_name"], ["is_active", "environment"]]),
)
def test_pipeline_scan_pages_return_each_pipeline_once(
    scan_config: DynamoDBConfig,
    raw_client: Any,
    data: st.DataObject,
    count: int,
    limit: int,
    projection: list[str] | None,
) -> None:
    write = PipelineConfigWriteApi(scan_config)
    _empty(write.gateway, raw_client)
    ids_ = data.draw(st.lists(ids, min_size=count, max_size=count, unique=True), label="ids")
    dtos = [
        PipelineConfigUpsert(
            pipeline_id=pid, pipeline_name=f"n{i}", source_type="s", destination_type="d"
        )
        for i, pid in enumerate(ids_)
    ]
    assert write.upsert_many(dtos) == count
    read = PipelineConfigReadApi(scan_config)

    views = collect_pages(
        lambda token: read.list_pipelines(limit=limit, next_token=token, projection=projection),
        limit,
        count,
    )

    assert_each_once([v.pipeline_id for v in views], ids_)
    raw = raw_client.scan(TableName=write.gateway.table_name, ConsistentRead=True)
    assert "LastEvaluatedKey" not in raw
    assert [v.pipeline_id for v in views] == [i["pipeline_id"]["S"] for i in raw["Items"]]
    names = {d.pipeline_id: d.pipeline_name for d in dtos}
    for view in views:
        if projection is None or "pipeline_name" in projection:
            assert view.pipeline_name == names[view.pipeline_id]
        else:
            assert view.pipeline_name is None


@st.composite
def table_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(0, 120))
    prefix = draw(st.text(ID_ALPHABET, min_size=1, max_size=8))
    tables = [
        {
            "table_id": f"{prefix}-{index}",
            "table_type": draw(st.sampled_from(TableType)),
            "is_active": draw(st.booleans()),
        }
        for index in range(count)
    ]
    return {
        "tables": tables,
        "limit": draw(st.integers(1, 40)),
        "table_type": draw(optional(st.sampled_from(TableType))),
        "active_only": draw(st.booleans()),
    }


@PAGINATION
@given(scenario=table_scenarios())
def test_table_pages_return_each_table_of_the_pipeline_once_in_order(
    config: DynamoDBConfig, scenario: dict[str, Any]
) -> None:
    pipeline_id = f"tables-{uuid.uuid4().hex}"
    tables = [
        TableConfigUpsert(
            pipeline_id=pipeline_id,
            table_name="t",
            data_format="csv",
            location="/data",
            **table,
        )
        for table in scenario["tables"]
    ]
    assert TableConfigWriteApi(config).upsert_many(tables) == len(tables)
    read = TableConfigReadApi(config)
    limit, table_type, active_only = (scenario[k] for k in ("limit", "table_type", "active_only"))
    if active_only:
        table_type = None  # query_active_tables has no type argument

        def page(token: str | None) -> tuple[list[Any], str | None]:
            return read.query_active_tables(pipeline_id, limit=limit, next_token=token)
    else:

        def page(token: str | None) -> tuple[list[Any], str | None]:
            return read.query_by_pipeline(
                pipeline_id, table_type=table_type, limit=limit, next_token=token
            )

    views = collect_pages(page, limit, len(tables))

    expected = sorted(
        (
            t
            for t in tables
            if (table_type is None or t.table_type == table_type)
            and (not active_only or t.is_active)
        ),
        key=lambda t: t.table_type.value,
    )
    assert_each_once([v.table_id for v in views], [t.table_id for t in expected])
    assert [v.table_type for v in views] == [t.table_type for t in expected]  # index order
    by_id = {t.table_id: t for t in tables}
    for view in views:
        assert view.is_active == by_id[view.table_id].is_active
