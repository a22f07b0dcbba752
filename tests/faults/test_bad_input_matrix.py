"""Bad input matrix: hostile inputs on every API, each refused with a typed error naming the
field, and nothing written (DynamoDB Local; RELIABILITY.md §0.7, §6, §7; DOMAIN.md).

One table, ``CASES``, drives the main test. A case is: an id, the bad call (taking the six APIs
and the config, bundled in :class:`Apis`), the expected error class, the expected ``.field``
(a dotted path, or a predicate on it), the DynamoDB operations the call may send before it is
refused (none, for nearly all of them), and the tables that must stay as seeded.

Every case runs against the same seeded tables (two pipelines, one table config, a running and
a finished run). Before the call a ``before-send`` spy is put on the library's shared client;
after it, a raw scan of every table (own botocore client) must show exactly the seeded items.
A case that reveals a library bug is kept and marked ``xfail(strict=True, reason="BUG: ...")``;
its stray writes are undone after it so the other cases still start from the seed.

A second test runs the *positive* cases: reserved words, unicode and injection-looking strings
used legitimately (projections of ``status``/``environment``, free-form map keys with emoji,
``#``, ``:`` and ``.``, values such as ``"a = :v0 OR attribute_exists(#n0)"``) must be stored
and read back exactly.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from dynamodb_wrapper import (
    Attr,
    DynamoDBConfig,
    PipelineConfigReadApi,
    PipelineConfigUpsert,
    PipelineConfigWriteApi,
    PipelineRunLogsReadApi,
    PipelineRunLogStatusUpdate,
    PipelineRunLogsWriteApi,
    PipelineRunLogUpsert,
    RunStatus,
    TableConfigReadApi,
    TableConfigUpsert,
    TableConfigWriteApi,
    drop_tables,
    ensure_tables,
)
from dynamodb_wrapper.core.client import get_client
from dynamodb_wrapper.exceptions import (
    ConditionCheckFailedError,
    ConflictError,
    DynamoDBWrapperError,
    InvalidPaginationTokenError,
    InvalidStatusTransitionError,
    ItemTooLargeError,
    PipelineConfigAlreadyExistsError,
    PipelineConfigNotFoundError,
    PipelineRunLogAlreadyExistsError,
    ValidationError,
)

pytestmark = pytest.mark.integration

T0 = datetime(2026, 1, 1, tzinfo=UTC)
NAIVE = datetime(2026, 1, 1, 12, 0)
PLUS_5 = timezone(timedelta(hours=5))
INJECTIONS = ("a = :v0 OR attribute_exists(#n0)", "); DROP TABLE x;--", "#n0", ":v0")
TABLES = ("pipelines", "tables", "runs")


# ----------------------------------------------------------------------------- inputs


def pipeline(pid: str = "p-new", **fields: Any) -> PipelineConfigUpsert:
    values: dict[str, Any] = {
        "pipeline_id": pid,
        "pipeline_name": "P",
        "source_type": "s3",
        "destination_type": "warehouse",
    }
    return PipelineConfigUpsert(**{**values, **fields})


def table(tid: str = "t-new", **fields: Any) -> TableConfigUpsert:
    values: dict[str, Any] = {
        "table_id": tid,
        "pipeline_id": "seed-p1",
        "table_name": "orders",
        "table_type": "source",
        "data_format": "parquet",
        "location": "s3://bucket/orders",
    }
    return TableConfigUpsert(**{**values, **fields})


def run(rid: str = "r-new", **fields: Any) -> PipelineRunLogUpsert:
    values: dict[str, Any] = {"run_id": rid, "pipeline_id": "seed-p1", "start_time": T0}
    return PipelineRunLogUpsert(**{**values, **fields})


def stage(name: str, **fields: Any) -> dict[str, Any]:
    return {"stage_name": name, "status": "running", **fields}


def wire_pipeline(pid: str, **attributes: Any) -> dict[str, Any]:
    """A raw wire item for the pipeline table (for the gateway's batch_write)."""
    return {"pipeline_id": {"S": pid}, "pipeline_name": {"S": "raw"}, **attributes}


# ----------------------------------------------------------------------------- the world


@dataclass
class Apis:
    """The six APIs on one config, plus pagination tokens issued while seeding."""

    config: DynamoDBConfig
    pr: PipelineConfigReadApi
    pw: PipelineConfigWriteApi
    tr: TableConfigReadApi
    tw: TableConfigWriteApi
    rr: PipelineRunLogsReadApi
    rw: PipelineRunLogsWriteApi
    tokens: dict[str, str] = field(default_factory=dict)

    def tables(self) -> dict[str, str]:
        """Logical name → physical table name."""
        return {
            "pipelines": self.pw.gateway.table_name,
            "tables": self.tw.gateway.table_name,
            "runs": self.rw.gateway.table_name,
        }

    def variant(self, **settings: Any) -> DynamoDBConfig:
        """The same tables and client, with other settings (token TTL, secret)."""
        return DynamoDBConfig(**{**self.config.model_dump(), **settings})


def _seed(apis: Apis) -> None:
    apis.pw.create_pipeline(
        pipeline("seed-p1", config={"k": "v", "n": 1}, tags={"team": "data"}, memory_gb="2.5")
    )
    apis.pw.create_pipeline(pipeline("seed-p2", is_active=False, environment="prod"))
    apis.tw.create_table(table("seed-t1", retention_days=30, record_count=10))
    apis.rw.start_pipeline_run(
        "seed-p1",
        run_id="seed-run-ok",
        start_time=T0,
        stages=[stage("extract", start_time=T0)],
    )
    apis.rw.start_pipeline_run("seed-p1", run_id="seed-run-done", start_time=T0 + timedelta(1))
    finished = T0 + timedelta(days=1, hours=1)
    apis.rw.finish_pipeline_run("seed-run-done", "success", end_time=finished)
    runs_token = apis.rr.query_by_pipeline("seed-p1", limit=1)[1]
    scan_token = apis.pr.list_pipelines(limit=1)[1]
    assert runs_token is not None and scan_token is not None
    apis.tokens.update(runs=runs_token, scan=scan_token)


KEY_NAMES = {"pipelines": "pipeline_id", "tables": "table_id", "runs": "run_id"}


def _key(item: dict[str, Any], table: str) -> str:
    return json.dumps(item[KEY_NAMES[table]], sort_keys=True)


def snapshot(client: Any, apis: Apis) -> dict[str, dict[str, dict[str, Any]]]:
    """Every stored item of the three tables, by table and key (raw scan, all pages)."""
    result: dict[str, dict[str, dict[str, Any]]] = {}
    for logical, physical in apis.tables().items():
        items: dict[str, dict[str, Any]] = {}
        request: dict[str, Any] = {"TableName": physical, "ConsistentRead": True}
        while True:
            page = client.scan(**request)
            items.update({_key(item, logical): item for item in page.get("Items", [])})
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        result[logical] = items
    return result


@dataclass
class World:
    """The seeded APIs and the seeded state (raw items by table and key)."""

    apis: Apis
    seed: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def seeded(dynamodb_local_endpoint: str) -> Iterator[World]:
    config = DynamoDBConfig(
        endpoint_url=dynamodb_local_endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        table_prefix=f"bad{uuid.uuid4().hex[:10]}",
        environment="test",
    )
    ensure_tables(config)
    apis = Apis(
        config,
        PipelineConfigReadApi(config),
        PipelineConfigWriteApi(config),
        TableConfigReadApi(config),
        TableConfigWriteApi(config),
        PipelineRunLogsReadApi(config),
        PipelineRunLogsWriteApi(config),
    )
    _seed(apis)
    yield World(apis)
    drop_tables(config)


@pytest.fixture
def world(seeded: World, raw_client: Any) -> Iterator[World]:
    """The seeded world; whatever a test (or a bug) wrote is undone afterwards."""
    if not seeded.seed:
        seeded.seed = snapshot(raw_client, seeded.apis)
    yield seeded
    seed, now = seeded.seed, snapshot(raw_client, seeded.apis)
    for logical, physical in seeded.apis.tables().items():
        name = KEY_NAMES[logical]
        for key, item in now[logical].items():
            if key not in seed[logical]:
                raw_client.delete_item(TableName=physical, Key={name: item[name]})
        for key, item in seed[logical].items():
            if now[logical].get(key) != item:
                raw_client.put_item(TableName=physical, Item=item)


def spy_sends(faults: Any, apis: Apis) -> list[str]:
    """The DynamoDB operations the library's shared client sends from now on."""
    sent: list[str] = []

    def record(event_name: str, **_: Any) -> None:
        sent.append(event_name.rsplit(".", 1)[-1])

    faults.on(get_client(apis.config), "before-send.dynamodb", record)
    return sent


# ----------------------------------------------------------------------------- the table

NO_FIELD = object()  # the error is not a ValidationError: it has no ``.field`` to check
READ = frozenset({"GetItem"})


@dataclass(frozen=True)
class Case:
    """One hostile input.

    Attributes:
        id: Readable test id.
        call: Performs the bad call on the seeded APIs.
        error: Expected exception class (from ``dynamodb_wrapper.exceptions``).
        field: Expected ``.field``: the exact dotted path, a predicate on it, ``None``, or
            ``NO_FIELD`` for errors that carry the stored item instead (conflicts).
        sends: DynamoDB operations allowed before the refusal (default: none at all).
        unchanged: Tables whose raw contents must equal the seed afterwards.
        check: Extra assertion on the exception.
        bug: Set when the case exposes a library bug: the case is an xfail(strict=True).
    """

    id: str
    call: Callable[[Apis], Any]
    error: type[BaseException] | tuple[type[BaseException], ...]
    field: Any
    sends: frozenset[str] = frozenset()
    unchanged: tuple[str, ...] = TABLES
    check: Callable[[Any], bool] | None = None
    bug: str | None = None


def stored_status_is(status: str) -> Callable[[Any], bool]:
    return lambda exc: (exc.item or {}).get("status") == status


def names_key(key: str) -> Callable[[Any], bool]:
    return lambda exc: key in str(exc)


def path(*accepted: str) -> Callable[[Any], bool]:
    """Any of the spellings of one nested path (``a.0.b`` as pydantic writes it, ``a[0].b``)."""
    return lambda value: value in accepted


def expired(apis: Apis) -> Any:
    config = apis.variant(pagination_token_ttl=0.001)
    time.sleep(0.01)
    return PipelineRunLogsReadApi(config).query_by_pipeline(
        "seed-p1", next_token=apis.tokens["runs"]
    )


def other_deployment(apis: Apis) -> Any:
    config = apis.variant(pagination_secret="another-deployment")
    return PipelineRunLogsReadApi(config).query_by_pipeline(
        "seed-p1", next_token=apis.tokens["runs"]
    )


def tampered(token: str) -> str:
    middle = len(token) // 2
    return token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]


BIG = "x" * 410_000  # over 400 KB in ASCII
BIG_EMOJI = "\U0001f600" * 102_500  # 102,500 characters but 410,000 UTF-8 bytes
KEY_2049 = "k" * 2049
GOOD_WIRE = wire_pipeline("gw-good")

# One case per entry, kept compact so the table reads as a table.
# fmt: off
CASES: list[Case] = [
    # ------------------------------------------------------------ pipeline DTOs (client side)
    Case("p-dto-empty-id", lambda a: pipeline(""), ValidationError, "pipeline_id"),
    Case("p-dto-id-256-chars", lambda a: pipeline("p" * 256), ValidationError, "pipeline_id"),
    Case("p-dto-id-2049-bytes", lambda a: pipeline(KEY_2049), ValidationError, "pipeline_id"),
    Case("p-dto-id-unicode", lambda a: pipeline("p\u00efpe-\U0001f680"), ValidationError,
         "pipeline_id"),
    Case("p-dto-id-rtl-override", lambda a: pipeline("\u202eabc"), ValidationError,
         "pipeline_id"),
    Case("p-dto-id-injection", lambda a: pipeline(INJECTIONS[0]), ValidationError,
         "pipeline_id"),
    Case("p-dto-empty-name", lambda a: pipeline(pipeline_name=""), ValidationError,
         "pipeline_name"),
    Case("p-dto-name-256", lambda a: pipeline(pipeline_name="n" * 256), ValidationError,
         "pipeline_name"),
    Case("p-dto-memory-nan", lambda a: pipeline(memory_gb=Decimal("NaN")), ValidationError,
         "memory_gb"),
    Case("p-dto-memory-snan", lambda a: pipeline(memory_gb=Decimal("sNaN")), ValidationError,
         "memory_gb"),
    Case("p-dto-memory-inf", lambda a: pipeline(memory_gb=Decimal("Infinity")),
         ValidationError, "memory_gb"),
    Case("p-dto-memory-float-minus-inf", lambda a: pipeline(memory_gb=float("-inf")),
         ValidationError, "memory_gb"),
    Case("p-dto-memory-huge", lambda a: pipeline(memory_gb=Decimal("1E+400")), ValidationError,
         "memory_gb"),
    Case("p-dto-cpu-zero", lambda a: pipeline(cpu_cores=0), ValidationError, "cpu_cores"),
    Case("p-dto-cpu-huge", lambda a: pipeline(cpu_cores=10**40), ValidationError, "cpu_cores"),
    Case("p-dto-config-nan", lambda a: pipeline(config={"x": float("nan")}), ValidationError,
         "config.x"),
    Case("p-dto-config-nested-inf", lambda a: pipeline(config={"a": {"b": Decimal("Inf")}}),
         ValidationError, "config.a.b"),
    Case("p-dto-spark-config-list-nan",
         lambda a: pipeline(spark_config={"l": [1, float("nan")]}), ValidationError,
         path("spark_config.l[1]", "spark_config.l.1")),
    Case("p-dto-tags-not-str", lambda a: pipeline(tags={"k": 1}), ValidationError, "tags.k"),
    Case("p-dto-wrong-environment", lambda a: pipeline(environment="qa"), ValidationError,
         "environment"),
    Case("p-dto-bad-cron", lambda a: pipeline(schedule_expression="not a cron"),
         ValidationError, "schedule_expression"),
    Case("p-dto-aws-cron-two-days", lambda a: pipeline(schedule_expression="cron(0 1 * * * *)"),
         ValidationError, "schedule_expression"),
    Case("p-dto-unknown-field", lambda a: pipeline(bogus=1), ValidationError, "bogus"),
    Case("p-dto-reserved-word-unknown-field", lambda a: pipeline(status="x"), ValidationError,
         "status"),
    # ------------------------------------------------------------ pipeline writes
    Case("p-create-39-digit-decimal",
         lambda a: a.pw.create_pipeline(pipeline(config={"big": Decimal("1" * 39)})),
         ValidationError, "config.big"),
    Case("p-create-number-below-range",
         lambda a: a.pw.create_pipeline(pipeline(config={"tiny": Decimal("1E-131")})),
         ValidationError, "config.tiny"),
    Case("p-create-number-above-range",
         lambda a: a.pw.create_pipeline(pipeline(source_config={"huge": Decimal("1E+126")})),
         ValidationError, "source_config.huge"),
    Case("p-create-memory-39-digits",
         lambda a: a.pw.create_pipeline(pipeline(memory_gb=Decimal("0." + "1" * 39))),
         ValidationError, "memory_gb"),
    Case("p-create-empty-set",
         lambda a: a.pw.create_pipeline(pipeline(config={"s": set()})), ValidationError,
         "config.s"),
    Case("p-create-mixed-set",
         lambda a: a.pw.create_pipeline(pipeline(config={"s": {1, "a"}})), ValidationError,
         "config.s"),
    Case("p-create-over-400kb",
         lambda a: a.pw.create_pipeline(pipeline("big-p", description=BIG)), ItemTooLargeError,
         None, check=names_key("big-p")),
    Case("p-create-over-400kb-in-utf8-bytes",
         lambda a: a.pw.create_pipeline(pipeline("big-u", description=BIG_EMOJI)),
         ItemTooLargeError, None, check=names_key("big-u")),
    Case("p-create-empty-map-key",
         lambda a: a.pw.create_pipeline(pipeline(config={"": 1})), ValidationError, "config",),
    Case("p-create-existing-id", lambda a: a.pw.create_pipeline(pipeline("seed-p1")),
         PipelineConfigAlreadyExistsError, NO_FIELD, sends=frozenset({"PutItem"})),
    Case("p-upsert-over-400kb",
         lambda a: a.pw.upsert_pipeline(pipeline("seed-p1", description=BIG)),
         ItemTooLargeError, None, check=names_key("seed-p1")),
    Case("p-upsert-wrong-dto", lambda a: a.pw.upsert_pipeline(table()), ValidationError, "dto"),
    Case("p-upsert-many-last-invalid",
         lambda a: a.pw.upsert_many(
             [pipeline("um-1"), pipeline("um-2"), pipeline("um-3", config={"b": Decimal("9" * 39)})]
         ),
         ValidationError, "config.b", sends=frozenset({"BatchGetItem"})),
    Case("p-upsert-many-duplicate-ids",
         lambda a: a.pw.upsert_many([pipeline("um-1"), pipeline("um-1", description="2")]),
         ValidationError, "pipeline_id", sends=frozenset({"BatchGetItem"})),
    Case("p-upsert-many-over-400kb",
         lambda a: a.pw.upsert_many([pipeline("um-1"), pipeline("um-big", description=BIG)]),
         ItemTooLargeError, None, sends=frozenset({"BatchGetItem"}), check=names_key("um-big")),
    Case("p-upsert-many-empty-map-key-in-second-chunk",
         lambda a: a.pw.upsert_many(
             [pipeline(f"um-{i}") for i in range(30)] + [pipeline("um-bad", config={"": 1})]
         ),
         ValidationError, "config", sends=frozenset({"BatchGetItem"}),),
    Case("p-update-negative-cpu",
         lambda a: a.pw.update_pipeline("seed-p1", {"cpu_cores": -1}), ValidationError,
         "cpu_cores"),
    Case("p-update-key", lambda a: a.pw.update_pipeline("seed-p1", {"pipeline_id": "x"}),
         ValidationError, "pipeline_id"),
    Case("p-update-created-at",
         lambda a: a.pw.update_pipeline("seed-p1", {"created_at": T0}), ValidationError,
         "created_at"),
    Case("p-update-version",
         lambda a: a.pw.update_pipeline("seed-p1", {"item_version": 99}), ValidationError,
         "item_version"),
    Case("p-update-unknown-unicode-field",
         lambda a: a.pw.update_pipeline("seed-p1", {"na\u00efve \U0001f680": 1}),
         ValidationError, "na\u00efve \U0001f680"),
    Case("p-update-dotted-field", lambda a: a.pw.update_pipeline("seed-p1", {"config.x": 1}),
         ValidationError, "config.x"),
    Case("p-update-no-changes", lambda a: a.pw.update_pipeline("seed-p1", {}), ValidationError,
         "changes"),
    Case("p-update-remove-required",
         lambda a: a.pw.update_pipeline("seed-p1", {"pipeline_name": None}), ValidationError,
         "pipeline_name"),
    Case("p-update-wrong-environment",
         lambda a: a.pw.update_pipeline("seed-p1", {"environment": "qa"}), ValidationError,
         "environment"),
    Case("p-update-39-digit-decimal",
         lambda a: a.pw.update_pipeline("seed-p1", {"config": {"big": Decimal("1" * 39)}}),
         ValidationError, "config.big", sends=READ),
    Case("p-update-nested-nan",
         lambda a: a.pw.update_pipeline("seed-p1", {"config": {"k": float("nan")}}),
         ValidationError, "config.k",),
    Case("p-update-tags-not-str",
         lambda a: a.pw.update_pipeline("seed-p1", {"tags": {"k": 1}}), ValidationError,
         "tags.k",),
    Case("p-update-naive-datetime-in-condition",
         lambda a: a.pw.update_pipeline(
             "seed-p1", {"description": "x"}, condition=Attr("updated_at").lt(NAIVE)
         ),
         ValidationError, "updated_at", sends=READ),
    Case("p-update-missing-pipeline",  # one write conditional on the item existing
         lambda a: a.pw.update_pipeline("no-such-p", {"description": "x"}),
         PipelineConfigNotFoundError, NO_FIELD, sends=frozenset({"UpdateItem"})),
    # ------------------------------------------------------------ table config DTOs and writes
    Case("t-dto-relative-location", lambda a: table(location="relative/x"), ValidationError,
         "location"),
    Case("t-dto-ftp-location", lambda a: table(location="ftp://host/x"), ValidationError,
         "location"),
    Case("t-dto-cache-level", lambda a: table(cache_level="FAST"), ValidationError,
         "cache_level"),
    Case("t-dto-wrong-format", lambda a: table(data_format="xml"), ValidationError,
         "data_format"),
    Case("t-dto-wrong-type", lambda a: table(table_type="sink"), ValidationError, "table_type"),
    Case("t-dto-archive-after-retention",
         lambda a: table(retention_days=10, archive_after_days=20), ValidationError,
         "archive_after_days"),
    Case("t-dto-retention-too-long", lambda a: table(retention_days=36_501), ValidationError,
         "retention_days"),
    Case("t-dto-naive-last-updated", lambda a: table(last_updated_data=NAIVE),
         ValidationError, "last_updated_data"),
    Case("t-dto-before-year-one-in-utc",
         lambda a: table(last_updated_data=datetime(1, 1, 1, tzinfo=PLUS_5)), ValidationError,
         "last_updated_data"),
    Case("t-dto-negative-record-count", lambda a: table(record_count=-1), ValidationError,
         "record_count"),
    Case("t-dto-quality-check-nan",
         lambda a: table(data_quality_checks=[{"x": float("nan")}]), ValidationError,
         path("data_quality_checks[0].x", "data_quality_checks.0.x")),
    Case("t-dto-bad-pipeline-id", lambda a: table(pipeline_id="p 1"), ValidationError,
         "pipeline_id"),
    Case("t-create-over-400kb",
         lambda a: a.tw.create_table(table("big-t", schema_definition={"doc": BIG})),
         ItemTooLargeError, None, check=names_key("big-t")),
    Case("t-update-archive-vs-stored-retention",
         lambda a: a.tw.update_table("seed-t1", {"archive_after_days": 40}), ValidationError,
         "archive_after_days", sends=READ),
    Case("t-update-ftp-location",
         lambda a: a.tw.update_table("seed-t1", {"location": "ftp://h/x"}), ValidationError,
         "location"),
    Case("t-update-wrong-type",
         lambda a: a.tw.update_table("seed-t1", {"table_type": "sink"}), ValidationError,
         "table_type"),
    Case("t-stats-naive", lambda a: a.tw.update_statistics("seed-t1", last_updated_data=NAIVE),
         ValidationError, "last_updated_data"),
    Case("t-stats-negative", lambda a: a.tw.update_statistics("seed-t1", record_count=-5),
         ValidationError, "record_count"),
    Case("t-stats-float-increment", lambda a: a.tw.update_statistics("seed-t1", add_records=1.5),
         ValidationError, "add_records"),
    Case("t-stats-nothing", lambda a: a.tw.update_statistics("seed-t1"), ValidationError,
         "statistics"),
    Case("t-stats-absolute-and-increment",
         lambda a: a.tw.update_statistics("seed-t1", record_count=1, add_records=1),
         ValidationError, "add_records"),
    Case("t-stats-increment-below-zero",
         lambda a: a.tw.update_statistics("seed-t1", add_records=-11),
         ConditionCheckFailedError, NO_FIELD, sends=frozenset({"UpdateItem"}),
         check=lambda exc: (exc.item or {}).get("record_count") == 10),
    Case("t-bulk-stats-unknown-key",
         lambda a: a.tw.bulk_update_statistics({"seed-t1": {"bogus": 1}}), ValidationError,
         "bogus"),
    # ------------------------------------------------------------ run log DTOs and writes
    Case("r-dto-naive-start", lambda a: run(start_time=NAIVE), ValidationError, "start_time"),
    Case("r-dto-start-before-year-one-in-utc",
         lambda a: run(start_time=datetime(1, 1, 1, tzinfo=PLUS_5)), ValidationError,
         "start_time"),
    Case("r-dto-end-before-start", lambda a: run(end_time=T0 - timedelta(seconds=1)),
         ValidationError, "end_time"),
    Case("r-dto-stage-ends-before-it-starts",
         lambda a: run(stages=[stage("a"), stage("b", start_time=T0, end_time=T0 - timedelta(1))]),
         ValidationError, "stages.1.end_time"),
    Case("r-dto-stage-naive-start", lambda a: run(stages=[stage("a", start_time=NAIVE)]),
         ValidationError, "stages.0.start_time"),
    Case("r-dto-stage-wrong-status",
         lambda a: run(stages=[stage("a"), {"stage_name": "b", "status": "done"}]),
         ValidationError, "stages.1.status"),
    Case("r-dto-stage-negative-records",
         lambda a: run(stages=[stage("a", records_processed=-1)]), ValidationError,
         "stages.0.records_processed"),
    Case("r-dto-wrong-status", lambda a: run(status="finished"), ValidationError, "status"),
    Case("r-dto-wrong-trigger", lambda a: run(trigger_type="cron"), ValidationError,
         "trigger_type"),
    Case("r-dto-wrong-log-level", lambda a: run(log_level="verbose"), ValidationError,
         "log_level"),
    Case("r-dto-expires-at-zero", lambda a: run(expires_at=0), ValidationError, "expires_at"),
    Case("r-dto-negative-duration", lambda a: run(duration_seconds=-1.0), ValidationError,
         "duration_seconds"),
    Case("r-dto-infinite-cpu-hours", lambda a: run(cpu_hours=float("inf")), ValidationError,
         "cpu_hours"),
    Case("r-dto-quality-result-nan",
         lambda a: run(data_quality_results=[
             {"check_name": "c", "passed": True, "expected_value": float("nan")}
         ]),
         ValidationError,
         path("data_quality_results.0.expected_value", "data_quality_results[0].expected_value"),),
    Case("r-create-quality-result-nan",
         lambda a: a.rw.create_run_log(run(data_quality_results=[
             {"check_name": "c", "passed": True, "actual_value": {"v": Decimal("NaN")}}
         ])),
         ValidationError,
         path("data_quality_results[0].actual_value.v", "data_quality_results.0.actual_value.v")),
    Case("r-create-39-digit-retry-count",
         lambda a: a.rw.create_run_log(run(retry_count=10**38 + 1)), ValidationError,
         "retry_count"),
    Case("r-create-huge-expires-at",
         lambda a: a.rw.create_run_log(run(expires_at=10**40 + 1)), ValidationError,
         "expires_at"),
    Case("r-start-wrong-trigger", lambda a: a.rw.start_pipeline_run("seed-p1", "cron"),
         ValidationError, "trigger_type"),
    Case("r-start-naive", lambda a: a.rw.start_pipeline_run("seed-p1", start_time=NAIVE),
         ValidationError, "start_time"),
    Case("r-start-unknown-field", lambda a: a.rw.start_pipeline_run("seed-p1", bogus=1),
         ValidationError, "bogus"),
    Case("r-start-empty-pipeline-id", lambda a: a.rw.start_pipeline_run(""), ValidationError,
         "pipeline_id"),
    Case("r-start-existing-run-id",
         lambda a: a.rw.start_pipeline_run("seed-p1", run_id="seed-run-done"),
         PipelineRunLogAlreadyExistsError, NO_FIELD, sends=frozenset({"PutItem"})),
    Case("r-finish-with-non-terminal-status",
         lambda a: a.rw.finish_pipeline_run("seed-run-ok", "running"), ValidationError, "status"),
    Case("r-finish-with-wrong-status",
         lambda a: a.rw.finish_pipeline_run("seed-run-ok", "done"), ValidationError, "status"),
    Case("r-finish-naive-end",
         lambda a: a.rw.finish_pipeline_run("seed-run-ok", "success", end_time=NAIVE),
         ValidationError, "end_time"),
    Case("r-finish-end-before-start",
         lambda a: a.rw.finish_pipeline_run("seed-run-ok", "success", end_time=T0 - timedelta(1)),
         ValidationError, "end_time", sends=READ),
    Case("r-finish-unknown-metric",
         lambda a: a.rw.finish_pipeline_run("seed-run-ok", "success", foo=1), ValidationError,
         "foo"),
    Case("r-finish-negative-metric",
         lambda a: a.rw.finish_pipeline_run("seed-run-ok", "failed", total_records_processed=-1),
         ValidationError, "total_records_processed"),
    Case("r-finish-nan-metric",
         lambda a: a.rw.finish_pipeline_run("seed-run-ok", "failed", cpu_hours=float("nan")),
         ValidationError, "cpu_hours"),
    Case("r-finish-nested-inf-metric",
         lambda a: a.rw.finish_pipeline_run(
             "seed-run-ok", "failed", log_messages=[{"m": "x", "v": float("inf")}]
         ),
         ValidationError, path("log_messages[0].v", "log_messages.0.v"),),
    Case("r-finish-a-finished-run",
         lambda a: a.rw.finish_pipeline_run("seed-run-done", "failed"),
         InvalidStatusTransitionError, NO_FIELD, sends=frozenset({"GetItem", "UpdateItem"}),
         check=stored_status_is("success")),
    Case("r-status-backwards-success-to-running",
         lambda a: a.rw.update_run_status(
             PipelineRunLogStatusUpdate(run_id="seed-run-done", status="running")
         ),
         InvalidStatusTransitionError, NO_FIELD, sends=frozenset({"UpdateItem"}),
         check=stored_status_is("success")),
    Case("r-status-backwards-running-to-pending",
         lambda a: a.rw.update_run_status(
             PipelineRunLogStatusUpdate(run_id="seed-run-ok", status="pending")
         ),
         ValidationError, "status"),
    Case("r-status-backwards-by-upsert",
         lambda a: a.rw.upsert_run_log(run("seed-run-done", status="running")),
         InvalidStatusTransitionError, NO_FIELD, sends=frozenset({"GetItem", "UpdateItem"}),
         check=stored_status_is("success"),),
    Case("r-status-backwards-by-upsert-many",
         lambda a: a.rw.upsert_many([run("seed-run-done", status="pending")]),
         (ConflictError, ValidationError), lambda f: f in (None, "status"),
         sends=frozenset({"BatchGetItem"}),),
    Case("r-add-stage-ending-before-start",
         lambda a: a.rw.add_stage(
             "seed-run-ok", stage("s", start_time=T0, end_time=T0 - timedelta(1))
         ),
         ValidationError, "end_time"),
    Case("r-add-stage-naive", lambda a: a.rw.add_stage("seed-run-ok", stage("s", end_time=NAIVE)),
         ValidationError, "end_time"),
    Case("r-add-stage-to-finished-run",
         lambda a: a.rw.add_stage("seed-run-done", stage("late")), InvalidStatusTransitionError,
         NO_FIELD, sends=frozenset({"UpdateItem"}), check=stored_status_is("success")),
    Case("r-update-stage-naive",
         lambda a: a.rw.update_stage("seed-run-ok", "extract", end_time=NAIVE), ValidationError,
         "end_time", sends=READ),
    Case("r-update-stage-unknown",
         lambda a: a.rw.update_stage("seed-run-ok", "no-such-stage", status="success"),
         ValidationError, "stage_name", sends=READ),
    Case("r-update-metrics-status",
         lambda a: a.rw.update_metrics("seed-run-ok", status="running"), ValidationError,
         "status"),
    Case("r-heartbeat-finished-run", lambda a: a.rw.heartbeat("seed-run-done"),
         InvalidStatusTransitionError, NO_FIELD, sends=frozenset({"UpdateItem"}),
         check=stored_status_is("success")),
    # ------------------------------------------------------------ projections
    *[
        Case(f"read-projection-injection-{i}", (lambda c, s: lambda a: c(a, s))(call, text),
             ValidationError, text)
        for i, (call, text) in enumerate(
            [
                (lambda a, s: a.pr.get_by_id("seed-p1", projection=[s]), INJECTIONS[0]),
                (lambda a, s: a.rr.query_by_pipeline("seed-p1", projection=[s]), INJECTIONS[1]),
                (lambda a, s: a.tr.get_by_id("seed-t1", projection=["table_id", s]),
                 INJECTIONS[2]),
                (lambda a, s: a.pr.list_pipelines(projection=[s]), INJECTIONS[3]),
                (lambda a, s: a.pr.get_many(["seed-p1"], projection=[s]), "pipeline_id, config"),
                (lambda a, s: a.rr.get_by_id("seed-run-ok", projection=[s]), "status "),
            ]
        )
    ],
    Case("read-projection-as-string",
         lambda a: a.rr.get_by_id("seed-run-ok", projection="status"), ValidationError,
         "projection"),
    Case("read-projection-empty", lambda a: a.pr.get_by_id("seed-p1", projection=[]),
         ValidationError, "projection"),
    Case("read-projection-unknown-unicode",
         lambda a: a.tr.list_tables(projection=["t\u00e4ble"]), ValidationError, "t\u00e4ble"),
    Case("read-projection-none-member",
         lambda a: a.pr.get_by_id("seed-p1", projection=[None]), ValidationError, "projection",),
    Case("read-projection-unclosed-bracket",
         lambda a: a.pr.get_by_id("seed-p1", projection=["config[0"]), ValidationError,
         "config[0",),
    Case("read-projection-dangling-dot",
         lambda a: a.rr.query_by_pipeline("seed-p1", projection=["config_snapshot."]),
         ValidationError, "config_snapshot.",),
    # ------------------------------------------------------------ time zones
    Case("read-unknown-zone",
         lambda a: a.pr.get_by_id("seed-p1", user_timezone="Mars/Olympus_Mons"), ValidationError,
         "user_timezone"),
    Case("read-empty-zone", lambda a: a.rr.query_by_pipeline("seed-p1", user_timezone=""),
         ValidationError, "user_timezone"),
    Case("read-padded-zone", lambda a: a.tr.list_tables(user_timezone=" Europe/Paris"),
         ValidationError, "user_timezone"),
    Case("read-offset-as-zone",
         lambda a: a.rr.get_by_id("seed-run-ok", user_timezone="+05:00"), ValidationError,
         "user_timezone"),
    Case("read-zone-path-traversal",
         lambda a: a.pr.list_pipelines(user_timezone="../../../etc/passwd"), ValidationError,
         "user_timezone"),
    Case("config-unknown-zone", lambda a: a.variant(user_timezone="Europe/Atlantis"),
         ValidationError, "user_timezone"),
    # ------------------------------------------------------------ limits
    *[
        Case(f"read-limit-{name}", (lambda f, n: lambda a: f(a)(limit=n))(api, value),
             ValidationError, "limit")
        for name, value, api in [
            ("zero", 0, lambda a: a.pr.list_pipelines),
            ("negative", -1, lambda a: a.pr.query_active_pipelines),
            ("over-max", 1001, lambda a: a.tr.list_tables),
            ("huge", 10**12, lambda a: a.rr.list_runs),
            ("bool", True, lambda a: a.pr.list_pipelines),
            ("string", "10", lambda a: a.tr.list_tables),
            ("float", 2.5, lambda a: a.rr.list_runs),
            ("none", None, lambda a: a.pr.list_pipelines),
        ]
    ],
    Case("read-query-limit-negative",
         lambda a: a.rr.query_by_pipeline("seed-p1", limit=-5), ValidationError, "limit"),
    # ------------------------------------------------------------ pagination tokens
    Case("token-forged", lambda a: a.rr.query_by_pipeline("seed-p1", next_token="abc"),
         InvalidPaginationTokenError, "next_token"),
    Case("token-tampered",
         lambda a: a.rr.query_by_pipeline("seed-p1", next_token=tampered(a.tokens["runs"])),
         InvalidPaginationTokenError, "next_token"),
    Case("token-truncated",
         lambda a: a.rr.query_by_pipeline("seed-p1", next_token=a.tokens["runs"][:-8]),
         InvalidPaginationTokenError, "next_token"),
    Case("token-empty", lambda a: a.pr.list_pipelines(next_token=""),
         InvalidPaginationTokenError, "next_token"),
    Case("token-oversized", lambda a: a.pr.list_pipelines(next_token="A" * 20_000),
         InvalidPaginationTokenError, "next_token"),
    Case("token-not-a-string", lambda a: a.pr.list_pipelines(next_token=12345),
         InvalidPaginationTokenError, "next_token"),
    Case("token-foreign-filter",
         lambda a: a.rr.query_by_pipeline("seed-p1", status="running",
                                          next_token=a.tokens["runs"]),
         InvalidPaginationTokenError, "next_token"),
    Case("token-foreign-direction",
         lambda a: a.rr.query_by_pipeline("seed-p1", newest_first=False,
                                          next_token=a.tokens["runs"]),
         InvalidPaginationTokenError, "next_token"),
    Case("token-foreign-partition",
         lambda a: a.rr.query_by_pipeline("seed-p2", next_token=a.tokens["runs"]),
         InvalidPaginationTokenError, "next_token"),
    Case("token-foreign-range",
         lambda a: a.rr.query_by_pipeline("seed-p1", start_time=T0, next_token=a.tokens["runs"]),
         InvalidPaginationTokenError, "next_token"),
    Case("token-query-used-for-scan", lambda a: a.rr.list_runs(next_token=a.tokens["runs"]),
         InvalidPaginationTokenError, "next_token"),
    Case("token-from-another-table", lambda a: a.tr.list_tables(next_token=a.tokens["scan"]),
         InvalidPaginationTokenError, "next_token"),
    Case("token-scan-used-for-index-query",
         lambda a: a.pr.query_active_pipelines(next_token=a.tokens["scan"]),
         InvalidPaginationTokenError, "next_token"),
    Case("token-expired", expired, InvalidPaginationTokenError, "next_token"),
    Case("token-from-another-deployment", other_deployment, InvalidPaginationTokenError,
         "next_token"),
    # ------------------------------------------------------------ query arguments
    Case("read-naive-range", lambda a: a.rr.query_by_pipeline("seed-p1", start_time=NAIVE),
         ValidationError, "start_time"),
    Case("read-reversed-range",
         lambda a: a.rr.query_by_pipeline("seed-p1", start_time=T0, end_time=T0 - timedelta(1)),
         ValidationError, "start_time"),
    Case("read-wrong-status-filter",
         lambda a: a.rr.query_by_pipeline("seed-p1", status="finished"), ValidationError,
         "status"),
    Case("read-wrong-status-partition", lambda a: a.rr.query_by_status("finished"),
         ValidationError, "status"),
    Case("read-naive-since", lambda a: a.rr.get_failed_runs_since(NAIVE), ValidationError,
         "since"),
    Case("read-wrong-table-type",
         lambda a: a.tr.query_by_pipeline("seed-p1", table_type="sink"), ValidationError,
         "table_type"),
    Case("read-wrong-data-format", lambda a: a.tr.query_by_format("xml"), ValidationError,
         "data_format"),
    Case("read-wrong-environment", lambda a: a.pr.query_by_environment("qa"), ValidationError,
         "environment"),
    Case("read-naive-created-after",
         lambda a: a.pr.query_by_environment("dev", created_after=NAIVE), ValidationError,
         "created_after",),
    Case("read-id-2049-bytes", lambda a: a.rr.get_by_id(KEY_2049), ValidationError, "run_id"),
    Case("read-empty-id-in-batch", lambda a: a.pr.get_many(["seed-p1", ""]), ValidationError,
         "pipeline_id"),
    # ------------------------------------------------------------ gateway batch writes
    Case("gw-put-key-2049-bytes",
         lambda a: a.pw.gateway.batch_write([GOOD_WIRE, wire_pipeline(KEY_2049)]),
         ValidationError, "pipeline_id"),
    Case("gw-put-key-2049-bytes-after-a-full-chunk",
         lambda a: a.pw.gateway.batch_write(
             [wire_pipeline(f"gw-{i}") for i in range(26)] + [wire_pipeline(KEY_2049)]
         ),
         ValidationError, "pipeline_id"),
    Case("gw-put-empty-key", lambda a: a.pw.gateway.batch_write([GOOD_WIRE, wire_pipeline("")]),
         ValidationError, "pipeline_id"),
    Case("gw-put-key-wrong-type",
         lambda a: a.tw.gateway.batch_write([{"table_id": {"N": "1"}}]), ValidationError,
         "table_id"),
    Case("gw-put-key-missing",
         lambda a: a.rw.gateway.batch_write([{"pipeline_id": {"S": "p"}}]), ValidationError,
         "run_id"),
    Case("gw-put-empty-index-key",
         lambda a: a.rw.gateway.batch_write([{"run_id": {"S": "r"}, "status": {"S": ""}}]),
         ValidationError, "status"),
    Case("gw-put-over-400kb",
         lambda a: a.pw.gateway.batch_write([GOOD_WIRE, wire_pipeline("gw-big", d={"S": BIG})]),
         ItemTooLargeError, None, check=names_key("gw-big")),
    Case("gw-put-duplicate-keys",
         lambda a: a.pw.gateway.batch_write([GOOD_WIRE, wire_pipeline("gw-good")]),
         ValidationError, "pipeline_id"),
    Case("gw-delete-key-2049-bytes",
         lambda a: a.pw.gateway.batch_write(deletes=[{"pipeline_id": KEY_2049}]),
         ValidationError, "pipeline_id"),
    Case("gw-delete-seed-twice",
         lambda a: a.pw.gateway.batch_write(
             deletes=[{"pipeline_id": "seed-p1"}, {"pipeline_id": "seed-p1"}]
         ),
         ValidationError, "pipeline_id"),
    Case("gw-put-and-delete-same-key",
         lambda a: a.pw.gateway.batch_write([wire_pipeline("seed-p2")],
                                            deletes=[{"pipeline_id": "seed-p2"}]),
         ValidationError, "pipeline_id"),
    Case("gw-delete-extra-key-attribute",
         lambda a: a.tw.gateway.batch_write(deletes=[{"table_id": "seed-t1", "status": "x"}]),
         ValidationError, "status"),
    Case("gw-get-key-2049-bytes", lambda a: a.pw.gateway.get_item({"pipeline_id": KEY_2049}),
         ValidationError, "pipeline_id"),
]
# fmt: on


def _params() -> list[Any]:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return [
        pytest.param(
            case,
            id=case.id,
            marks=[pytest.mark.xfail(strict=True, reason=f"BUG: {case.bug}")] if case.bug else [],
        )
        for case in CASES
    ]


def test_the_matrix_is_wide_enough() -> None:
    assert len(CASES) >= 50
    prefixes = {case.id.split("-")[0] for case in CASES}
    assert {"p", "t", "r", "read", "token", "gw"} <= prefixes


@pytest.mark.parametrize("case", _params())
def test_hostile_input_is_refused_with_a_typed_error_and_nothing_is_written(
    world: World, raw_client: Any, faults: Any, case: Case
) -> None:
    apis = world.apis
    assert snapshot(raw_client, apis) == world.seed  # starts from the seed
    sent = spy_sends(faults, apis)

    with pytest.raises(case.error) as info:
        case.call(apis)

    error = info.value
    assert isinstance(error, DynamoDBWrapperError)
    if case.field is NO_FIELD:
        assert not isinstance(error, ValidationError)
    elif callable(case.field):
        assert case.field(getattr(error, "field", None)), f"field={error.field!r}: {error}"
    else:
        assert error.field == case.field, f"field={error.field!r}: {error}"
    if case.check is not None:
        assert case.check(error), str(error)
    assert set(sent) <= case.sends, f"sent {sent} before refusing"

    after = snapshot(raw_client, apis)
    for name in case.unchanged:
        assert after[name] == world.seed[name], f"{name} changed"


# ----------------------------------------------------------------------------- positive cases

ODD_KEYS: dict[str, Any] = {
    "na\u00efve \U0001f680": 1,
    "#n0": "#n0",
    ":v0": ":v0",
    "a.b": {"c#d": [1, "two", None, True, Decimal("2.50")]},
    "status": "reserved",
    "name": {"NAME": "upper", "data": [{"timestamp": "t"}]},
    "\u05e2\u05d1\u05e8\u05d9\u05ea": "rtl \u202bmixed\u202c",
    "e\u0301": "combining accent",
    "x[0]": "bracketed",
    " ": "space",
}


def canon(value: Any) -> Any:
    """A type-strict form for comparisons: ``True`` is not ``1``; numbers compare by value."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return (type(value).__name__, value)
    if isinstance(value, int | Decimal):
        return ("number", Decimal(value).normalize())
    if isinstance(value, dict):
        return ("map", {k: canon(v) for k, v in value.items()})
    if isinstance(value, list):
        return ("list", [canon(v) for v in value])
    raise AssertionError(f"unexpected {type(value).__name__} in a free-form value")


def _pipeline_with_odd_keys(a: Apis, raw_client: Any) -> None:
    tags = {"\U0001f3f7 #:.": ":v0"}
    a.pw.create_pipeline(pipeline("odd-keys", config=ODD_KEYS, tags=tags))
    view = a.pr.get_by_id("odd-keys")
    assert view is not None
    assert canon(view.config) == canon(ODD_KEYS)
    assert view.tags == tags
    raw = raw_client.get_item(
        TableName=a.pw.gateway.table_name, Key={"pipeline_id": {"S": "odd-keys"}}
    )["Item"]
    assert set(raw["config"]["M"]) == set(ODD_KEYS)  # stored under the very same names
    updated = a.pw.update_pipeline("odd-keys", {"spark_config": ODD_KEYS})
    assert canon(updated.spark_config) == canon(ODD_KEYS)
    again = a.pr.get_by_id("odd-keys")
    assert again is not None and canon(again.spark_config) == canon(ODD_KEYS)


def _nested_projection_into_odd_keys(a: Apis, raw_client: Any) -> None:
    a.pw.create_pipeline(pipeline("odd-path", config=ODD_KEYS))
    view = a.pr.get_by_id("odd-path", projection=["config.#n0", "config.:v0", "config.status"])
    assert view is not None
    assert view.config == {"#n0": "#n0", ":v0": ":v0", "status": "reserved"}


def _reserved_word_projections(a: Apis, raw_client: Any) -> None:
    run_view = a.rr.get_by_id("seed-run-ok", projection=["status", "start_time", "stages"])
    assert run_view is not None
    assert run_view.status is RunStatus.RUNNING
    assert run_view.start_time == T0
    assert run_view.stages is not None and run_view.stages[0].stage_name == "extract"
    assert run_view.trigger_type is None  # not projected
    pipe = a.pr.get_by_id("seed-p2", projection=["environment", "version", "description"])
    assert pipe is not None and pipe.environment == "prod" and pipe.version == "1.0.0"
    assert pipe.pipeline_name is None  # not projected
    tab = a.tr.get_by_id("seed-t1", projection=["table_name", "location", "data_format"])
    assert tab is not None and tab.table_name == "orders" and tab.location == "s3://bucket/orders"
    running, _ = a.rr.query_by_pipeline("seed-p1", status="running", projection=["status"])
    assert [(r.run_id, r.status) for r in running] == [("seed-run-ok", RunStatus.RUNNING)]


def _injection_values_are_stored_verbatim(a: Apis, raw_client: Any) -> None:
    a.pw.create_pipeline(
        pipeline(
            "inject-values",
            pipeline_name=INJECTIONS[0],
            description=INJECTIONS[1],
            source_type=INJECTIONS[2],
            destination_type=INJECTIONS[3],
            config={s: s for s in INJECTIONS},
        )
    )
    view = a.pr.get_by_id("inject-values")
    assert view is not None
    stored = (view.pipeline_name, view.description, view.source_type, view.destination_type)
    assert stored == INJECTIONS
    assert view.config == {s: s for s in INJECTIONS}
    raw = raw_client.get_item(
        TableName=a.pw.gateway.table_name, Key={"pipeline_id": {"S": "inject-values"}}
    )["Item"]
    assert raw["pipeline_name"] == {"S": INJECTIONS[0]}
    assert raw["description"] == {"S": INJECTIONS[1]}
    assert raw["source_type"] == {"S": INJECTIONS[2]}
    assert raw["destination_type"] == {"S": INJECTIONS[3]}
    assert raw["config"] == {"M": {s: {"S": s} for s in INJECTIONS}}
    updated = a.pw.update_pipeline("inject-values", {"description": "#n0 = :v0 --"})
    assert updated.description == "#n0 = :v0 --"
    assert a.pr.get_by_id("inject-values").description == "#n0 = :v0 --"  # type: ignore[union-attr]


def _injection_looking_ids(a: Apis, raw_client: Any) -> None:
    # ':v0' and ':v1' are valid ids ([A-Za-z0-9._:-]{1,255}): they must be plain data.
    a.pw.create_pipeline(pipeline(":v0", pipeline_name=":v0"))
    assert a.pr.get_by_id(":v0").pipeline_name == ":v0"  # type: ignore[union-attr]
    a.rw.start_pipeline_run(":v0", run_id=":v1", error_message=INJECTIONS[0])
    a.rw.finish_pipeline_run(":v1", "failed", error_message=INJECTIONS[1])
    runs, _ = a.rr.query_by_pipeline(":v0")
    assert [(r.run_id, r.error_message) for r in runs] == [(":v1", INJECTIONS[1])]
    failed, _ = a.rr.query_by_status("failed", pipeline_id=":v0")
    assert [r.run_id for r in failed] == [":v1"]
    assert a.rr.query_by_status("failed", pipeline_id="#n0")[0] == []


def _unicode_table_config(a: Apis, raw_client: Any) -> None:
    columns = ["#n0", ":v0", "status", "\u8868", "\U0001f680"]
    schema = {"\u8868.col": {"type": "string", "#": ":"}}
    a.tw.create_table(
        table(
            "t-unicode",
            table_name="\u8868 \U0001f680 \u05e2",
            partition_columns=columns,
            schema_definition=schema,
            location="/data/\u00fcber/\U0001f680",
        )
    )
    view = a.tr.get_by_id("t-unicode")
    assert view is not None
    assert view.table_name == "\u8868 \U0001f680 \u05e2"
    assert view.partition_columns == columns
    assert view.schema_definition == schema
    assert view.location == "/data/\u00fcber/\U0001f680"


POSITIVE: dict[str, Callable[[Apis, Any], None]] = {
    "free-form-map-keys-unicode-emoji-hash-colon-dot": _pipeline_with_odd_keys,
    "projection-into-injection-looking-map-keys": _nested_projection_into_odd_keys,
    "reserved-word-projections-and-filters": _reserved_word_projections,
    "injection-looking-values-stored-verbatim": _injection_values_are_stored_verbatim,
    "injection-looking-ids-are-plain-data": _injection_looking_ids,
    "unicode-table-config": _unicode_table_config,
}


@pytest.mark.parametrize("name", POSITIVE)
def test_reserved_unicode_and_injection_looking_input_works(
    world: World, raw_client: Any, name: str
) -> None:
    POSITIVE[name](world.apis, raw_client)
