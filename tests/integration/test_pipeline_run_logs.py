"""PipelineRunLogsReadApi / PipelineRunLogsWriteApi against a real DynamoDB Local.

Every public method of both APIs runs over HTTP. Read-only behaviour (ranges, filters,
pagination, counts, statistics, time series, time zones, tokens) runs on one module-wide data
set whose timestamps are fixed, so orders, ranges and figures are exact and computed here by
hand; write behaviour gets a fresh table per test (``dynamodb_config``). Requests are observed
with ``before-send`` spies on the real (shared) client, removed at teardown, and stored items
are checked with a raw botocore client of the tests' own.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from dynamodb_wrapper import ensure_tables
from dynamodb_wrapper.config import DynamoDBConfig
from dynamodb_wrapper.core import repository
from dynamodb_wrapper.core.timeutils import utc_now
from dynamodb_wrapper.exceptions import (
    ConflictError,
    InvalidPaginationTokenError,
    InvalidStatusTransitionError,
    PipelineRunLogAlreadyExistsError,
    PipelineRunLogNotFoundError,
    ValidationError,
)
from dynamodb_wrapper.handlers.pipeline_run_logs import (
    PipelineRunLogsReadApi,
    PipelineRunLogsWriteApi,
    PipelineRunStatistics,
    TimeBucket,
)
from dynamodb_wrapper.models.domain_models import (
    DataQualityResult,
    PipelineRunLog,
    RunStatus,
    StageInfo,
    TriggerType,
)
from dynamodb_wrapper.models.dtos import (
    ALLOWED_TRANSITIONS,
    PipelineRunLogStatusUpdate,
    PipelineRunLogUpsert,
)
from dynamodb_wrapper.models.views import PipelineRunLogView, PipelineRunSummary

pytestmark = pytest.mark.integration

Scan = Callable[[str], list[dict[str, Any]]]

PENDING, RUNNING, SUCCESS = RunStatus.PENDING, RunStatus.RUNNING, RunStatus.SUCCESS
FAILED, CANCELLED, SKIPPED = RunStatus.FAILED, RunStatus.CANCELLED, RunStatus.SKIPPED
TERMINAL = [SUCCESS, FAILED, CANCELLED, SKIPPED]

T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
STORAGE_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
RUN_ID_FORMAT = re.compile(r"^run-\d{8}T\d{12}Z-[0-9a-f]{8}$")

# ----------------------------------------------------------------------------------- helpers


def dto(
    run_id: str,
    pipeline_id: str = "p1",
    start_time: datetime = T0,
    status: RunStatus | str = SUCCESS,
    **fields: Any,
) -> PipelineRunLogUpsert:
    return PipelineRunLogUpsert(
        run_id=run_id, pipeline_id=pipeline_id, start_time=start_time, status=status, **fields
    )


def same_tables(config: DynamoDBConfig, **changes: Any) -> DynamoDBConfig:
    """A second config on the same endpoint, credentials, prefix and tables, with ``changes``."""
    return DynamoDBConfig(
        endpoint_url=config.endpoint_url,
        region_name=config.region_name,
        aws_access_key_id=config.aws_access_key_id,
        aws_secret_access_key=config.aws_secret_access_key,
        table_prefix=config.table_prefix,
        environment=config.environment,
        **changes,
    )


def run_ids(views: list[Any]) -> list[str]:
    return [v.run_id for v in views]


def all_pages(page: Callable[..., tuple[list[Any], str | None]], **kwargs: Any) -> list[list[Any]]:
    """Every page of a list method, following ``next_token`` (guarded against loops)."""
    pages, token = [], None
    for _ in range(1000):
        items, token = page(next_token=token, **kwargs)
        pages.append(items)
        if token is None:
            return pages
        assert isinstance(token, str) and token
    raise AssertionError("pagination did not terminate")


class Requests:
    """Records ``(operation, body)`` of every request the shared client sends."""

    def __init__(self, client: Any, faults: Any) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

        def spy(request: Any, event_name: str, **_: Any) -> None:
            self.sent.append((event_name.rsplit(".", 1)[-1], json.loads(request.body)))

        faults.on(client, "before-send.dynamodb", spy)

    def __call__(self, operation: str | None = None) -> list[dict[str, Any]]:
        return [body for op, body in self.sent if operation is None or op == operation]

    def clear(self) -> None:
        self.sent.clear()


class Apis:
    """Both APIs on one config, plus a request spy."""

    def __init__(self, config: DynamoDBConfig, faults: Any) -> None:
        self.config = config
        self.read = PipelineRunLogsReadApi(config)
        self.write = PipelineRunLogsWriteApi(config)
        self.table = self.read.gateway.table_name
        self.requests = Requests(self.read.gateway.client, faults)

    def stored(self, run_id: str) -> PipelineRunLogView:
        view = self.read.get_by_id(run_id)
        assert view is not None, run_id
        return view


@pytest.fixture
def apis(dynamodb_config: DynamoDBConfig, faults: Any) -> Apis:
    ensure_tables(dynamodb_config, [PipelineRunLog])
    return Apis(dynamodb_config, faults)


def raw_get(raw_client: Any, apis: Apis, run_id: str) -> dict[str, Any] | None:
    item: dict[str, Any] | None = raw_client.get_item(
        TableName=apis.table, Key={"run_id": {"S": run_id}}, ConsistentRead=True
    ).get("Item")
    return item


# =================================================================================== writes
# ----------------------------------------------------------------------------------- start


def test_start_pipeline_run_defaults(apis: Apis, raw_client: Any) -> None:
    before = utc_now()
    run = apis.write.start_pipeline_run("p1")
    after = utc_now()
    assert isinstance(run, PipelineRunLog)
    assert RUN_ID_FORMAT.match(run.run_id), run.run_id
    assert run.status is RUNNING and run.trigger_type is TriggerType.MANUAL
    assert before <= run.start_time <= after and run.start_time.tzinfo == UTC
    assert run.end_time is None and run.duration_seconds is None and run.expires_at is None
    assert run.created_at == run.updated_at
    assert apis.stored(run.run_id) == PipelineRunLogView.model_validate(run.model_dump())

    raw = raw_get(raw_client, apis, run.run_id)
    assert raw is not None
    assert raw["status"] == {"S": "running"} and raw["trigger_type"] == {"S": "manual"}
    assert STORAGE_FORMAT.match(raw["start_time"]["S"])
    assert "expires_at" not in raw and "end_time" not in raw  # unset optionals are omitted
    (put,) = apis.requests("PutItem")
    assert "attribute_not_exists" in put["ConditionExpression"]


def test_generated_run_ids_are_time_ordered_and_unique(apis: Apis) -> None:
    runs = [apis.write.start_pipeline_run("p1") for _ in range(50)]
    ids = [r.run_id for r in runs]
    assert len(set(ids)) == 50
    assert sorted(ids) == ids  # started in sequence, so already in order
    by_start = [r.run_id for r in sorted(runs, key=lambda r: r.start_time)]
    assert sorted(ids) == by_start
    assert all(RUN_ID_FORMAT.match(i) for i in ids)
    stored = list(apis.read.iter_by_pipeline("p1", newest_first=False))
    assert run_ids(stored) == by_start


def test_start_with_explicit_run_id_start_time_and_fields(apis: Apis, raw_client: Any) -> None:
    start = datetime(2024, 5, 1, 12, 30, 15, 250000, tzinfo=timezone(timedelta(hours=2)))
    run = apis.write.start_pipeline_run(
        "p1",
        TriggerType.BACKFILL,
        run_id="backfill-2024-05-01",
        start_time=start,
        tags={"team": "data"},
        pipeline_version="2.1.0",
        input_tables=["raw.orders"],
    )
    assert run.run_id == "backfill-2024-05-01" and run.trigger_type is TriggerType.BACKFILL
    assert run.start_time == start and run.start_time.tzinfo == UTC
    stored = apis.stored("backfill-2024-05-01")
    assert stored.tags == {"team": "data"} and stored.input_tables == ["raw.orders"]
    assert stored.start_time == start and stored.pipeline_version == "2.1.0"
    raw = raw_get(raw_client, apis, run.run_id)
    assert raw is not None and raw["start_time"] == {"S": "2024-05-01T10:30:15.250000Z"}

    assert apis.write.start_pipeline_run("p1", "api", run_id="r-2").trigger_type is TriggerType.API
    pending = apis.write.start_pipeline_run("p1", run_id="r-3", status="pending")
    assert pending.status is PENDING

    with pytest.raises(PipelineRunLogAlreadyExistsError) as info:
        apis.write.start_pipeline_run("p2", run_id="backfill-2024-05-01")
    assert isinstance(info.value, ConflictError)
    assert info.value.item is not None and info.value.item["pipeline_id"] == "p1"
    assert apis.stored("backfill-2024-05-01").pipeline_id == "p1"


def test_expires_at_follows_run_log_retention_days(apis: Apis, raw_client: Any) -> None:
    retained = PipelineRunLogsWriteApi(same_tables(apis.config, run_log_retention_days=7))
    start = datetime(2024, 5, 1, 10, 0, 30, 999999, tzinfo=UTC)
    run = retained.start_pipeline_run("p1", run_id="kept-7d", start_time=start)
    expected = int((start + timedelta(days=7)).timestamp())
    assert expected == 1715162430
    assert run.expires_at == expected
    raw = raw_get(raw_client, apis, "kept-7d")
    assert raw is not None and raw["expires_at"] == {"N": str(expected)}

    before = utc_now()
    now_run = retained.start_pipeline_run("p1")
    after = utc_now()
    assert now_run.expires_at is not None
    assert (
        int((before + timedelta(days=7)).timestamp())
        <= now_run.expires_at
        <= int((after + timedelta(days=7)).timestamp())
    )

    plain = apis.write.start_pipeline_run("p1", run_id="forever", start_time=start)
    assert plain.expires_at is None
    raw = raw_get(raw_client, apis, "forever")
    assert raw is not None and "expires_at" not in raw

    ttl = raw_client.describe_time_to_live(TableName=apis.table)["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] in ("ENABLED", "ENABLING")
    assert ttl["AttributeName"] == "expires_at"


@pytest.mark.parametrize(
    ("args", "kwargs", "field"),
    [
        (("",), {}, "pipeline_id"),
        (("has space",), {}, "pipeline_id"),
        (("a/b",), {}, "pipeline_id"),
        (("x" * 256,), {}, "pipeline_id"),
        (("p1",), {"run_id": "bad id"}, "run_id"),
        (("p1", "cron"), {}, "trigger_type"),
        (("p1", "MANUAL"), {}, "trigger_type"),
        (("p1",), {"start_time": datetime(2024, 5, 1, 10)}, "start_time"),
        (("p1",), {"status": "done"}, "status"),
        (("p1",), {"no_such_field": 1}, "no_such_field"),
        (("p1",), {"retry_count": -1}, "retry_count"),
    ],
)
def test_start_refuses_bad_input_and_writes_nothing(
    apis: Apis, scan_all: Scan, args: tuple[Any, ...], kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        apis.write.start_pipeline_run(*args, **kwargs)
    assert info.value.field == field
    assert apis.requests() == []
    assert scan_all(apis.table) == []


# ----------------------------------------------------------------------------------- stages


def test_add_and_update_stages(apis: Apis) -> None:
    run = apis.write.start_pipeline_run("p1", run_id="r1", start_time=T0)
    extract = StageInfo(stage_name="extract", status=RUNNING, start_time=T0)
    after_first = apis.write.add_stage("r1", extract)
    assert after_first.stages == [extract] and after_first.current_stage == "extract"
    assert after_first.updated_at > run.updated_at
    load = StageInfo(stage_name="load", status=PENDING)
    after_second = apis.write.add_stage("r1", load)
    assert after_second.stages == [extract, load] and after_second.current_stage == "load"

    done = T0 + timedelta(minutes=2)
    updated = apis.write.update_stage(
        "r1", "extract", status="success", end_time=done, records_processed=10, duration_seconds=120
    )
    assert [s.stage_name for s in updated.stages] == ["extract", "load"]
    first, second = updated.stages
    assert first.status is SUCCESS and first.end_time == done and first.records_processed == 10
    assert first.start_time == T0 and first.duration_seconds == 120
    assert second == load  # the other stage is untouched
    assert updated.status is RUNNING and updated.current_stage == "load"
    assert updated.updated_at > after_second.updated_at
    assert apis.stored("r1").stages == updated.stages

    update = apis.requests("UpdateItem")[-1]
    assert "ConditionExpression" in update  # conditional on the stage still being there


def test_update_stage_of_missing_stage_or_run(apis: Apis) -> None:
    apis.write.start_pipeline_run("p1", run_id="r1", start_time=T0)
    apis.write.add_stage("r1", StageInfo(stage_name="extract", status=RUNNING))
    before = apis.stored("r1")
    apis.requests.clear()
    with pytest.raises(ValidationError) as info:
        apis.write.update_stage("r1", "transform", status="success")
    assert info.value.field == "stage_name" and "transform" in str(info.value)
    assert apis.requests("UpdateItem") == []
    assert apis.stored("r1") == before
    with pytest.raises(PipelineRunLogNotFoundError):
        apis.write.update_stage("ghost", "extract", status="success")
    assert apis.read.get_by_id("ghost") is None


@pytest.mark.parametrize(
    "changes",
    [{"status": "bogus"}, {"no_such_field": 1}, {"end_time": datetime(2024, 5, 1, 12)}],
)
def test_update_stage_refuses_bad_changes_with_the_library_error(
    apis: Apis, changes: dict[str, Any]
) -> None:
    apis.write.start_pipeline_run("p1", run_id="r1", start_time=T0)
    apis.write.add_stage("r1", StageInfo(stage_name="extract", status=RUNNING, start_time=T0))
    with pytest.raises(ValidationError):
        apis.write.update_stage("r1", "extract", **changes)


def test_update_stage_refuses_an_end_before_the_stage_start(apis: Apis) -> None:
    apis.write.start_pipeline_run("p1", run_id="r1", start_time=T0)
    apis.write.add_stage("r1", StageInfo(stage_name="extract", status=RUNNING, start_time=T0))
    before = apis.stored("r1")
    try:
        with pytest.raises(ValidationError):
            apis.write.update_stage("r1", "extract", end_time=T0 - timedelta(minutes=1))
    finally:
        assert apis.stored("r1").stages == before.stages


def test_add_stage_refuses_an_end_before_the_stage_start(apis: Apis) -> None:
    apis.write.start_pipeline_run("p1", run_id="r1", start_time=T0)
    backwards = {
        "stage_name": "extract",
        "status": SUCCESS,
        "start_time": T0,
        "end_time": T0 - timedelta(seconds=1),
    }
    # A backwards stage cannot even be built, so it can never reach add_stage or a DTO.
    with pytest.raises(ValidationError) as info:
        StageInfo(**backwards)
    assert info.value.field == "end_time"
    with pytest.raises(ValidationError) as info:
        dto("r2", stages=[backwards])
    assert str(info.value.field).startswith("stages")
    # A stage smuggled past validation is still checked when the run is re-validated.
    smuggled = StageInfo.model_construct(**backwards)
    with pytest.raises(ValidationError):
        apis.write.add_stage("r1", smuggled)
    assert apis.read.get_by_id("r1").stages == []


def test_concurrent_edits_of_one_stage_are_not_lost(apis: Apis, faults: Any) -> None:
    apis.write.start_pipeline_run("p1", run_id="r1", start_time=T0)
    apis.write.add_stage("r1", StageInfo(stage_name="extract", status=RUNNING))
    other_worker = PipelineRunLogsWriteApi(apis.config)
    interleaved: list[bool] = []

    def edit_in_between(request: Any, **_: Any) -> None:
        # Between the first worker's read and its write, a second worker edits the same stage.
        if not interleaved:
            interleaved.append(True)
            other_worker.update_stage("r1", "extract", records_processed=99)

    faults.on(apis.write.gateway.client, "before-send.dynamodb.UpdateItem", edit_in_between)
    with contextlib.suppress(ConflictError):  # refusing the stale write would be fine too
        apis.write.update_stage("r1", "extract", status="success")
    assert interleaved
    stage = apis.stored("r1").stages[0]  # type: ignore[index]
    assert stage.records_processed == 99  # the second worker's edit survives


def test_stages_of_finished_runs(apis: Apis) -> None:
    apis.write.start_pipeline_run("p1", run_id="r1", start_time=T0)
    apis.write.add_stage("r1", StageInfo(stage_name="extract", status=RUNNING))
    apis.write.finish_pipeline_run("r1", "failed", end_time=T0 + timedelta(minutes=1))
    before = apis.stored("r1")

    # No stage can be added once the run is terminal ...
    with pytest.raises(InvalidStatusTransitionError) as info:
        apis.write.add_stage("r1", StageInfo(stage_name="late", status=RUNNING))
    assert info.value.item is not None and info.value.item["status"] == "failed"
    assert apis.stored("r1") == before
    with pytest.raises(PipelineRunLogNotFoundError):
        apis.write.add_stage("ghost", StageInfo(stage_name="x", status=RUNNING))

    # ... but an existing stage can still be corrected (update_stage has no status condition);
    # the run itself stays failed.
    fixed = apis.write.update_stage("r1", "extract", status="failed", error_message="boom")
    assert fixed.stages[0].status is FAILED and fixed.stages[0].error_message == "boom"
    assert fixed.status is FAILED and fixed.end_time == before.end_time


# ----------------------------------------------------------------------------------- metrics


def test_update_metrics(apis: Apis, raw_client: Any) -> None:
    run = apis.write.start_pipeline_run("p1", run_id="r1", start_time=T0)
    updated = apis.write.update_metrics(
        "r1",
        total_records_processed=1200,
        total_records_failed=3,
        cpu_hours=1.25,
        memory_usage_gb=7.5,
        spark_application_id="app-1",
        data_quality_results=[{"check_name": "not_null", "passed": False, "actual_value": 3}],
        data_quality_passed=False,
        monitoring_urls={"spark": "http://spark/ui"},
    )
    assert updated.total_records_processed == 1200 and updated.cpu_hours == 1.25
    assert updated.data_quality_results == [
        DataQualityResult(check_name="not_null", passed=False, actual_value=3)
    ]
    assert updated.data_quality_passed is False and updated.status is RUNNING
    assert updated.updated_at > run.updated_at and updated.created_at == run.created_at
    assert apis.stored("r1") == PipelineRunLogView.model_validate(updated.model_dump())
    raw = raw_get(raw_client, apis, "r1")
    assert raw is not None
    assert raw["cpu_hours"] == {"N": "1.25"} and raw["data_quality_passed"] == {"BOOL": False}

    again = apis.write.update_metrics("r1", total_records_processed=1300, retry_count=1)
    assert (again.total_records_processed, again.total_records_failed) == (1300, 3)
    assert again.retry_count == 1


@pytest.mark.parametrize(
    ("metrics", "field"),
    [
        ({"rows": 5}, "rows"),
        ({"total_records_processed": 1, "zz_unknown": 2}, "zz_unknown"),
        ({"status": "success"}, "status"),
        ({"end_time": T0}, "end_time"),
        ({"total_records_processed": -1}, "total_records_processed"),
        ({"total_records_failed": -5}, "total_records_failed"),
        ({"input_data_size_bytes": -1}, "input_data_size_bytes"),
        ({"cpu_hours": -0.5}, "cpu_hours"),
        ({"retry_count": -1}, "retry_count"),
        ({"cpu_hours": float("nan")}, "cpu_hours"),
        ({}, "changes"),
    ],
)
def test_update_metrics_refuses_bad_metrics_before_any_write(
    apis: Apis, metrics: dict[str, Any], field: str
) -> None:
    apis.write.start_pipeline_run("p1", run_id="r1", start_time=T0, total_records_processed=5)
    before = apis.stored("r1")
    apis.requests.clear()
    with pytest.raises(ValidationError) as info:
        apis.write.update_metrics("r1", **metrics)
    assert info.value.field == field
    assert field in str(info.value)  # the offending metric is named in the message
    assert apis.requests("UpdateItem") == []
    assert apis.stored("r1") == before


def test_update_metrics_of_a_missing_run(apis: Apis) -> None:
    with pytest.raises(PipelineRunLogNotFoundError):
        apis.write.update_metrics("ghost", total_records_processed=1)
    assert apis.read.get_by_id("ghost") is None


# ----------------------------------------------------------------------------------- status


@pytest.mark.parametrize(
    "path",
    [
        [RUNNING, SUCCESS],
        [RUNNING, FAILED],
        [RUNNING, CANCELLED],
        [SKIPPED],
        [CANCELLED],
    ],
    ids=lambda p: "pending-" + "-".join(s.value for s in p),
)
def test_allowed_transitions(apis: Apis, path: list[RunStatus]) -> None:
    apis.write.start_pipeline_run("p1", run_id="r1", start_time=T0, status="pending")
    for status in path:
        moved = apis.write.update_run_status(
            PipelineRunLogStatusUpdate(run_id="r1", status=status, current_stage="s"),
            total_records_processed=7,
        )
        assert moved.status is status
        assert moved.current_stage == "s" and moved.total_records_processed == 7
        if status.is_terminal:
            assert moved.end_time is not None and moved.end_time >= T0
            assert moved.duration_seconds == (moved.end_time - T0).total_seconds()
        else:
            assert moved.end_time is None and moved.duration_seconds is None
        assert apis.stored("r1").status is status


def test_every_disallowed_transition_conflicts_and_changes_nothing(apis: Apis) -> None:
    stored_states = list(RunStatus)
    apis.write.upsert_many([dto(f"from-{s.value}", status=s, start_time=T0) for s in stored_states])
    checked = 0
    for current in stored_states:
        run_id = f"from-{current.value}"
        before = apis.stored(run_id)
        for target in RunStatus:
            if target in ALLOWED_TRANSITIONS[current] or target is PENDING:
                continue  # allowed; pending as a target is covered below
            apis.requests.clear()
            with pytest.raises(InvalidStatusTransitionError) as info:
                apis.write.update_run_status(
                    PipelineRunLogStatusUpdate(run_id=run_id, status=target, error_message="x"),
                    total_records_processed=99,
                )
            assert isinstance(info.value, ConflictError)
            assert info.value.item is not None and info.value.item["status"] == current.value
            assert len(apis.requests("UpdateItem")) == 1  # refused by the condition, in the write
            assert apis.stored(run_id) == before, (current, target)
            checked += 1
    # running→pending... are below; terminal runs refuse all 5 non-pending targets, pending
    # refuses success/failed, running refuses running/skipped.
    assert checked == 4 * 5 + 2 + 2

    # finish_pipeline_run is subject to the same rules (e.g. failed -> success).
    with pytest.raises(InvalidStatusTransitionError):
        apis.write.finish_pipeline_run("from-failed", "success")
    with pytest.raises(InvalidStatusTransitionError):
        apis.write.finish_pipeline_run("from-pending", "success")  # pending must run first


def test_no_run_can_move_back_to_pending(apis: Apis) -> None:
    """Deviation from the brief, by design of update_run_status: no status has ``pending`` as a
    successor, so the request is refused as a ValidationError before any write (not as an
    InvalidStatusTransitionError carrying the stored item)."""
    apis.write.upsert_many([dto(f"from-{s.value}", status=s) for s in RunStatus])
    for current in RunStatus:
        before = apis.stored(f"from-{current.value}")
        apis.requests.clear()
        with pytest.raises(ValidationError) as info:
            apis.write.update_run_status(
                PipelineRunLogStatusUpdate(run_id=f"from-{current.value}", status=PENDING)
            )
        assert info.value.field == "status"
        assert apis.requests() == []
        assert apis.stored(f"from-{current.value}") == before


def test_update_run_status_of_a_missing_run(apis: Apis) -> None:
    for status in (RUNNING, SUCCESS):
        with pytest.raises(PipelineRunLogNotFoundError):
            apis.write.update_run_status(PipelineRunLogStatusUpdate(run_id="ghost", status=status))
    assert apis.read.get_by_id("ghost") is None


# ----------------------------------------------------------------------------------- finish


def test_finish_sets_end_time_duration_and_metrics_in_one_write(
    apis: Apis, raw_client: Any
) -> None:
    start = datetime(2024, 5, 1, 10, 0, 0, 250000, tzinfo=UTC)
    apis.write.start_pipeline_run("p1", run_id="r1", start_time=start)
    end = datetime(2024, 5, 1, 14, 31, 7, 750001, tzinfo=timezone(timedelta(hours=2)))
    apis.requests.clear()
    finished = apis.write.finish_pipeline_run(
        "r1",
        SUCCESS,
        end_time=end,
        total_records_processed=5000,
        total_records_failed=2,
        output_data_size_bytes=2048,
    )
    assert finished.status is SUCCESS and finished.end_time == end
    assert finished.duration_seconds == (end - start).total_seconds() == 9067.500001
    assert finished.total_records_processed == 5000 and finished.output_data_size_bytes == 2048
    (update,) = apis.requests("UpdateItem")
    assert "ConditionExpression" in update
    assert len(apis.requests("PutItem")) == 0
    assert apis.stored("r1") == PipelineRunLogView.model_validate(finished.model_dump())
    raw = raw_get(raw_client, apis, "r1")
    assert raw is not None
    assert raw["end_time"] == {"S": "2024-05-01T12:31:07.750001Z"}
    assert raw["status"] == {"S": "success"}
    assert raw["total_records_failed"] == {"N": "2"}

    apis.write.start_pipeline_run("p1", run_id="r2", start_time=utc_now() - timedelta(seconds=5))
    before = utc_now()
    failed = apis.write.finish_pipeline_run("r2", "failed", error_message="disk full")
    after = utc_now()
    assert failed.end_time is not None and before <= failed.end_time <= after
    assert failed.error_message == "disk full"
    assert failed.duration_seconds == (failed.end_time - failed.start_time).total_seconds()
    assert failed.duration_seconds >= 5


@pytest.mark.parametrize(
    ("status", "extra", "field"),
    [
        ("running", {}, "status"),
        ("pending", {}, "status"),
        (RUNNING, {}, "status"),
        ("done", {}, "status"),
        ("success", {"end_time": T0 - timedelta(microseconds=1)}, "end_time"),
        ("success", {"end_time": datetime(2024, 5, 1, 11)}, "end_time"),
        ("success", {"rows": 1}, "rows"),
        ("success", {"total_records_processed": -1}, "total_records_processed"),
    ],
)
def test_finish_refuses_bad_input_and_changes_nothing(
    apis: Apis, status: Any, extra: dict[str, Any], field: str
) -> None:
    apis.write.start_pipeline_run("p1", run_id="r1", start_time=T0)
    before = apis.stored("r1")
    apis.requests.clear()
    with pytest.raises(ValidationError) as info:
        apis.write.finish_pipeline_run("r1", status, **extra)
    assert info.value.field == field
    assert apis.requests("UpdateItem") == []
    assert apis.stored("r1") == before


def test_finish_twice_conflicts_with_the_stored_run(apis: Apis) -> None:
    apis.write.start_pipeline_run("p1", run_id="r1", start_time=T0)
    first = apis.write.finish_pipeline_run("r1", "success", total_records_processed=10)
    for status in TERMINAL:
        with pytest.raises(InvalidStatusTransitionError) as info:
            apis.write.finish_pipeline_run("r1", status, total_records_processed=0)
        assert isinstance(info.value, ConflictError)
        assert info.value.item is not None and info.value.item["status"] == "success"
    assert apis.stored("r1") == PipelineRunLogView.model_validate(first.model_dump())
    with pytest.raises(PipelineRunLogNotFoundError):
        apis.write.finish_pipeline_run("ghost", "success")
    assert apis.read.get_by_id("ghost") is None
    apis.write.start_pipeline_run("p1", run_id="r2", start_time=T0, status="pending")
    assert apis.write.finish_pipeline_run("r2", "skipped").status is SKIPPED


def test_concurrent_finishes_have_exactly_one_winner(apis: Apis) -> None:
    """8 workers finish the same run at once with different statuses, on the real engine."""
    outcomes = [SUCCESS, FAILED, CANCELLED]

    def finish(run_id: str, barrier: threading.Barrier, n: int) -> Any:
        status = outcomes[n % 3]
        barrier.wait()
        try:
            return apis.write.finish_pipeline_run(run_id, status, total_records_processed=n)
        except ConflictError as exc:
            return exc

    winners: Counter[RunStatus] = Counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        for round_ in range(5):
            run_id = f"race-{round_}"
            apis.write.start_pipeline_run("p1", run_id=run_id, start_time=T0)
            barrier = threading.Barrier(8)
            results = [
                f.result() for f in [pool.submit(finish, run_id, barrier, n) for n in range(8)]
            ]
            won = [r for r in results if isinstance(r, PipelineRunLog)]
            lost = [r for r in results if isinstance(r, ConflictError)]
            assert len(won) == 1 and len(lost) == 7, results
            (winner,) = won
            assert all(isinstance(e, InvalidStatusTransitionError) for e in lost)
            assert all(e.item is not None and e.item["status"] == winner.status for e in lost)
            stored = apis.stored(run_id)
            assert stored.status is winner.status
            assert stored.total_records_processed == winner.total_records_processed
            assert stored.end_time == winner.end_time
            winners[winner.status] += 1
    assert sum(winners.values()) == 5


# ----------------------------------------------------------------------------------- cancel


def test_cancel_pipeline_run(apis: Apis) -> None:
    apis.write.start_pipeline_run("p1", run_id="running", start_time=T0)
    apis.write.start_pipeline_run("p1", run_id="pending", start_time=T0, status="pending")
    for run_id in ("running", "pending"):
        cancelled = apis.write.cancel_pipeline_run(run_id, reason="operator")
        assert cancelled.status is CANCELLED and cancelled.error_message == "operator"
        assert cancelled.end_time is not None and cancelled.duration_seconds is not None
    no_reason = apis.write.start_pipeline_run("p1", run_id="quiet", start_time=T0)
    assert apis.write.cancel_pipeline_run(no_reason.run_id).error_message is None
    with pytest.raises(InvalidStatusTransitionError) as info:
        apis.write.cancel_pipeline_run("running", reason="again")
    assert info.value.item is not None and info.value.item["status"] == "cancelled"
    assert apis.stored("running").error_message == "operator"
    with pytest.raises(PipelineRunLogNotFoundError):
        apis.write.cancel_pipeline_run("ghost")


def test_cancel_running_runs_touches_only_open_runs_of_the_pipeline(apis: Apis) -> None:
    apis.write.upsert_many(
        [
            dto("p1-pending", status=PENDING, start_time=T0),
            dto("p1-running-a", status=RUNNING, start_time=T0 + timedelta(minutes=1)),
            dto("p1-running-b", status=RUNNING, start_time=T0 + timedelta(minutes=2)),
            dto("p1-success", status=SUCCESS, start_time=T0 + timedelta(minutes=3)),
            dto("p1-failed", status=FAILED, start_time=T0 + timedelta(minutes=4)),
            dto("p1-skipped", status=SKIPPED, start_time=T0 + timedelta(minutes=5)),
            dto("p2-running", "p2", status=RUNNING, start_time=T0),
            dto("p2-pending", "p2", status=PENDING, start_time=T0),
        ]
    )
    untouched = ["p1-success", "p1-failed", "p1-skipped", "p2-running", "p2-pending"]
    before = {run_id: apis.stored(run_id) for run_id in untouched}

    assert apis.write.cancel_running_runs("p1", reason="deploy") == 3
    for run_id in ("p1-pending", "p1-running-a", "p1-running-b"):
        stored = apis.stored(run_id)
        assert stored.status is CANCELLED and stored.error_message == "deploy"
        assert stored.end_time is not None
    for run_id in untouched:
        assert apis.stored(run_id) == before[run_id]

    assert apis.write.cancel_running_runs("p1") == 0
    assert apis.write.cancel_running_runs("nobody") == 0
    assert apis.write.cancel_running_runs("p2") == 2


# ----------------------------------------------------------------------------------- crud


def test_create_run_log_and_conflict(apis: Apis) -> None:
    created = apis.write.create_run_log(
        dto("r1", status=SUCCESS, end_time=T0 + timedelta(minutes=5), duration_seconds=300)
    )
    assert isinstance(created, PipelineRunLog)
    assert apis.stored("r1") == PipelineRunLogView.model_validate(created.model_dump())
    with pytest.raises(PipelineRunLogAlreadyExistsError) as info:
        apis.write.create_run_log(dto("r1", "other", status=FAILED))
    assert isinstance(info.value, ConflictError)
    assert info.value.item is not None and info.value.item["pipeline_id"] == "p1"
    assert apis.stored("r1").status is SUCCESS
    with pytest.raises(ValidationError):
        dto("r2", end_time=T0 - timedelta(seconds=1))  # end before start
    with pytest.raises(ValidationError):
        apis.write.create_run_log(dto("r2").model_dump())  # type: ignore[arg-type]


def test_upsert_run_log_keeps_created_at(apis: Apis) -> None:
    first = apis.write.upsert_run_log(
        dto("r1", status=RUNNING, error_message="transient", total_records_processed=1)
    )
    replaced = apis.write.upsert_run_log(
        dto("r1", status=SUCCESS, end_time=T0 + timedelta(seconds=9), duration_seconds=9)
    )
    assert replaced.created_at == first.created_at
    assert replaced.updated_at > first.updated_at
    assert replaced.status is SUCCESS and replaced.duration_seconds == 9
    assert replaced.error_message is None and replaced.total_records_processed is None
    stored = apis.stored("r1")
    assert stored.created_at == first.created_at and stored.error_message is None


def test_upsert_many_500_runs(apis: Apis) -> None:
    early = apis.write.create_run_log(dto("r0000", "bulk", status=RUNNING))
    progress: list[int] = []
    written = apis.write.upsert_many(
        [
            dto(f"r{i:04d}", "bulk", start_time=T0 + timedelta(seconds=i), status=SUCCESS)
            for i in range(500)
        ],
        on_progress=progress.append,
    )
    assert written == 500
    assert progress[-1] == 500 and progress == sorted(progress)
    assert apis.read.count_runs_by_pipeline("bulk") == 500
    assert apis.read.count_runs_by_status(SUCCESS) == 500
    kept = apis.stored("r0000")
    assert kept.status is SUCCESS and kept.created_at == early.created_at
    assert apis.write.upsert_many([]) == 0


def test_delete_run_log(apis: Apis) -> None:
    apis.write.start_pipeline_run("p1", run_id="r1", start_time=T0)
    apis.write.delete_run_log("r1")
    assert apis.read.get_by_id("r1") is None
    with pytest.raises(PipelineRunLogNotFoundError) as info:
        apis.write.delete_run_log("r1")
    assert info.value.key == {"run_id": "r1"}
    assert isinstance(info.value, LookupError)


def test_cleanup_old_runs(apis: Apis) -> None:
    cutoff = datetime(2024, 5, 1, 12, 0, 0, 500000, tzinfo=UTC)
    before, after = cutoff - timedelta(microseconds=1), cutoff + timedelta(microseconds=1)
    rows = []
    for pipeline in ("p1", "p2"):
        rows += [
            dto(f"{pipeline}-old", pipeline, start_time=cutoff - timedelta(days=30)),
            dto(f"{pipeline}-just-before", pipeline, start_time=before),
            dto(f"{pipeline}-at", pipeline, start_time=cutoff),
            dto(f"{pipeline}-after", pipeline, start_time=after),
            dto(f"{pipeline}-new", pipeline, start_time=cutoff + timedelta(days=1)),
        ]
    rows += [dto(f"p3-old-{i}", "p3", start_time=before - timedelta(hours=i)) for i in range(30)]
    apis.write.upsert_many(rows)

    def remaining() -> set[str]:
        return set(run_ids(list(apis.read.iter_runs(projection=["run_id"]))))

    assert apis.write.cleanup_old_runs(cutoff, pipeline_id="p1") == 2
    assert remaining() == {r.run_id for r in rows} - {"p1-old", "p1-just-before"}
    assert apis.write.cleanup_old_runs(cutoff, pipeline_id="p1") == 0

    tokyo_cutoff = cutoff.astimezone(TOKYO)  # the same instant in another zone
    assert apis.write.cleanup_old_runs(tokyo_cutoff) == 2 + 30
    assert remaining() == {
        "p1-at",
        "p1-after",
        "p1-new",
        "p2-at",
        "p2-after",
        "p2-new",
    }
    assert apis.write.cleanup_old_runs(cutoff) == 0
    assert apis.write.cleanup_old_runs(cutoff, pipeline_id="nobody") == 0
    with pytest.raises(ValidationError) as info:
        apis.write.cleanup_old_runs(datetime(2024, 5, 1, 12))
    assert info.value.field == "older_than"
    assert len(remaining()) == 6


# =================================================================================== reads
# One data set, written once for the module. Every start_time is distinct.

BIG = 140
OTHER = 10


def _big_start(i: int) -> datetime:
    # Odd runs start with microseconds, even ones on whole minutes.
    return T0 + timedelta(minutes=i, microseconds=(7919 * i) % 1_000_000 if i % 2 else 0)


def _big_status(i: int) -> RunStatus:
    return {0: FAILED, 1: RUNNING, 2: CANCELLED}.get(i % 7, SUCCESS)


def _big(i: int) -> PipelineRunLogUpsert:
    status, start = _big_status(i), _big_start(i)
    finished = status in (SUCCESS, FAILED, CANCELLED)
    duration = float(i % 13 + 1)
    return dto(
        f"b{i:03d}",
        "big",
        start,
        status,
        end_time=start + timedelta(seconds=duration) if finished else None,
        duration_seconds=duration if finished else None,
        total_records_processed=10 * i,
        environment="prod" if i % 2 else "staging",
    )


def _other(i: int) -> PipelineRunLogUpsert:
    return dto(
        f"o{i:02d}",
        "other",
        T0 + timedelta(minutes=7 * i, seconds=5),
        FAILED if i % 2 == 0 else RUNNING,
    )


# Statistics: pipeline "stats", from T_STATS on, one run every 10 minutes.
T_STATS = T0 + timedelta(days=1)
SUCCESS_DURATIONS = [30, 12.5, 45, 7, 60, 22, 18, 90, 33, 41, 15, 27, 8.25, 64, 36, 11]
FAILED_DURATIONS = [120, 3, 55, 71, 240]
STATS_STATUSES = (
    [(SUCCESS, d) for d in SUCCESS_DURATIONS]
    + [(FAILED, d) for d in FAILED_DURATIONS]
    + [(CANCELLED, 5), (CANCELLED, 500), (RUNNING, None), (PENDING, None)]
)


def _stats(k: int) -> PipelineRunLogUpsert:
    status, duration = STATS_STATUSES[k]
    start = T_STATS + timedelta(minutes=10 * k)
    return dto(
        f"s{k:02d}",
        "stats",
        start,
        status,
        end_time=None if duration is None else start + timedelta(seconds=duration),
        duration_seconds=duration,
        total_records_processed=10 * (k + 1),
        total_records_failed=k % 3,
    )


STATS_OLD = dto(  # outside the statistics range
    "s-old",
    "stats",
    T_STATS - timedelta(hours=1),
    SUCCESS,
    end_time=T_STATS - timedelta(hours=1) + timedelta(seconds=1),
    duration_seconds=1.0,
    total_records_processed=1_000_000,
    total_records_failed=7,
)

# Time series: pipeline "ts", minutes after T_TS.
T_TS = T0 + timedelta(days=2)
TS_OFFSETS = [0, 5, 59, 60, 61, 125, 180]
TS_STATUSES = [SUCCESS, FAILED, RUNNING, SUCCESS, CANCELLED, SUCCESS, FAILED]


def _ts(k: int) -> PipelineRunLogUpsert:
    start = T_TS + timedelta(minutes=TS_OFFSETS[k])
    status = TS_STATUSES[k]
    finished = status is not RUNNING
    return dto(
        f"ts{k}",
        "ts",
        start,
        status,
        end_time=start + timedelta(seconds=10 * (k + 1)) if finished else None,
        duration_seconds=10.0 * (k + 1) if finished else None,
        total_records_processed=k + 1,
    )


TS_OUTSIDE = [
    dto("ts-before", "ts", T_TS - timedelta(minutes=1)),
    dto("ts-after", "ts", T_TS + timedelta(minutes=180, microseconds=1)),
]

# Time zones: one running run with nested stage datetimes.
T_TZ = T0 + timedelta(days=3)  # 2024-05-04 10:00 UTC
TZ_RUN = dto(
    "tz-1",
    "tz",
    T_TZ,
    RUNNING,
    stages=[
        StageInfo(
            stage_name="extract",
            status=SUCCESS,
            start_time=T_TZ,
            end_time=T_TZ + timedelta(minutes=5),
        ),
        StageInfo(stage_name="load", status=RUNNING, start_time=T_TZ + timedelta(minutes=5)),
    ],
)
TZ_FAILED = dto(
    "tz-2",
    "tz",
    T_TZ + timedelta(minutes=1),
    FAILED,
    end_time=T_TZ + timedelta(minutes=2),
    duration_seconds=60,
)

RUNS: list[PipelineRunLogUpsert] = [
    *(_big(i) for i in range(BIG)),
    *(_other(i) for i in range(OTHER)),
    *(_stats(k) for k in range(len(STATS_STATUSES))),
    STATS_OLD,
    *(_ts(k) for k in range(len(TS_OFFSETS))),
    *TS_OUTSIDE,
    TZ_RUN,
    TZ_FAILED,
]
assert len({r.start_time for r in RUNS}) == len(RUNS)  # no ties: orders are exact


def expect(
    predicate: Callable[[PipelineRunLogUpsert], bool], newest_first: bool = True
) -> list[str]:
    """Run ids of the data set matching ``predicate``, ordered by start_time."""
    chosen = sorted((r for r in RUNS if predicate(r)), key=lambda r: r.start_time)
    return [r.run_id for r in (reversed(chosen) if newest_first else chosen)]


def big_ids(predicate: Callable[[int], bool] = lambda i: True) -> list[str]:
    """ids of ``big`` runs matching ``predicate(i)``, newest first."""
    return [f"b{i:03d}" for i in reversed(range(BIG)) if predicate(i)]


@pytest.fixture(scope="module")
def data(dynamodb_local_endpoint: str) -> DynamoDBConfig:
    """The module's read-only data set, on tables of its own."""
    config = DynamoDBConfig(
        endpoint_url=dynamodb_local_endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        table_prefix=f"r{uuid.uuid4().hex[:12]}",
        environment="test",
    )
    ensure_tables(config, [PipelineRunLog])
    assert PipelineRunLogsWriteApi(config).upsert_many(RUNS) == len(RUNS)
    return config


@pytest.fixture
def reads(data: DynamoDBConfig, faults: Any) -> Apis:
    return Apis(data, faults)


# ----------------------------------------------------------------------------------- by id

RESERVED = ["status", "environment", "trigger_type"]


def test_get_by_id_with_projection_of_reserved_words(reads: Apis) -> None:
    full = reads.read.get_by_id("b001")
    assert isinstance(full, PipelineRunLogView)
    assert full.model_dump(
        exclude={"created_at", "updated_at", "item_version"}
    ) == PipelineRunLogView.model_validate(_big(1).model_dump()).model_dump(
        exclude={"created_at", "updated_at", "item_version"}
    )
    reads.requests.clear()

    view = reads.read.get_by_id("b001", projection=RESERVED)
    assert view is not None
    assert view.status is RUNNING and view.environment == "prod"
    assert view.trigger_type is TriggerType.MANUAL and view.run_id == "b001"
    assert view.pipeline_id is None and view.start_time is None and view.stages is None
    (request,) = reads.requests("GetItem")
    assert set(request["ExpressionAttributeNames"].values()) == {*RESERVED, "run_id"}
    for word in RESERVED:
        assert word not in request["ProjectionExpression"]

    assert reads.read.get_by_id("missing") is None
    assert reads.read.get_by_id("missing", projection=["status"]) is None
    for bad in (["no_such_field"], [], "status"):
        with pytest.raises(ValidationError):
            reads.read.get_by_id("b001", projection=bad)  # type: ignore[arg-type]


def test_get_run_summary_reads_only_its_fields(reads: Apis) -> None:
    summary = reads.read.get_run_summary("s00")
    assert isinstance(summary, PipelineRunSummary)
    assert summary.model_dump() == {
        "run_id": "s00",
        "pipeline_id": "stats",
        "status": SUCCESS,
        "trigger_type": TriggerType.MANUAL,
        "start_time": T_STATS,
        "end_time": T_STATS + timedelta(seconds=30),
        "duration_seconds": 30.0,
        "current_stage": None,
        "error_message": None,
        "retry_count": 0,
    }
    (request,) = reads.requests("GetItem")
    assert set(request["ExpressionAttributeNames"].values()) == set(PipelineRunSummary.model_fields)
    assert reads.read.get_run_summary("missing") is None
    zoned = reads.read.get_run_summary("s00", user_timezone="Asia/Tokyo")
    assert zoned is not None and zoned.start_time is not None
    assert zoned.start_time.tzinfo == TOKYO and zoned.start_time == T_STATS


# ----------------------------------------------------------------------------------- ranges


def test_time_ranges_are_inclusive_with_and_without_microseconds(reads: Apis) -> None:
    def query(**kwargs: Any) -> list[str]:
        return run_ids(reads.read.query_by_pipeline("big", limit=1000, **kwargs)[0])

    s = _big_start
    assert s(10).microsecond == 0 and s(21).microsecond != 0
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"start_time": s(10), "end_time": s(21)}, big_ids(lambda i: 10 <= i <= 21)),
        ({"start_time": s(11), "end_time": s(20)}, big_ids(lambda i: 11 <= i <= 20)),
        ({"start_time": s(11), "end_time": s(11)}, ["b011"]),
        ({"start_time": s(10), "end_time": s(10)}, ["b010"]),
        # Truncated to the second: 11 starts after its bound, 21 after the end bound.
        (
            {"start_time": s(11).replace(microsecond=0), "end_time": s(21).replace(microsecond=0)},
            big_ids(lambda i: 11 <= i <= 20),
        ),
        (
            {"start_time": s(10) + timedelta(microseconds=1), "end_time": s(21)},
            big_ids(lambda i: 11 <= i <= 21),
        ),
        (
            {"start_time": s(10), "end_time": s(21) - timedelta(microseconds=1)},
            big_ids(lambda i: 10 <= i <= 20),
        ),
        # The same instants in other zones.
        (
            {"start_time": s(10).astimezone(TOKYO), "end_time": s(21).astimezone(NEW_YORK)},
            big_ids(lambda i: 10 <= i <= 21),
        ),
        ({"start_time": s(130)}, big_ids(lambda i: i >= 130)),
        ({"end_time": s(3)}, big_ids(lambda i: i <= 3)),
        ({"start_time": s(BIG - 1) + timedelta(microseconds=1)}, []),
    ]
    for kwargs, expected in cases:
        assert query(**kwargs) == expected, kwargs
        assert query(newest_first=False, **kwargs) == expected[::-1], kwargs
        assert reads.read.count_runs_by_pipeline("big", **kwargs) == len(expected), kwargs

    for bad in (
        {"start_time": s(21), "end_time": s(10)},
        {"start_time": datetime(2024, 5, 1, 10)},
        {"end_time": datetime(2024, 5, 1, 10)},
    ):
        with pytest.raises(ValidationError):
            reads.read.query_by_pipeline("big", **bad)
    with pytest.raises(ValidationError):
        reads.read.query_by_status("failed", start_time=datetime(2024, 5, 1, 10))


def test_query_by_pipeline_status_filter_and_direction(reads: Apis) -> None:
    failed, token = reads.read.query_by_pipeline("big", status="failed", limit=1000)
    assert run_ids(failed) == big_ids(lambda i: i % 7 == 0) and token is None
    assert all(v.status is FAILED for v in failed)
    oldest_first, _ = reads.read.query_by_pipeline(
        "big", status=RunStatus.CANCELLED, newest_first=False, limit=1000
    )
    assert run_ids(oldest_first) == big_ids(lambda i: i % 7 == 2)[::-1]
    in_range, _ = reads.read.query_by_pipeline(
        "big", start_time=_big_start(14), end_time=_big_start(42), status=FAILED
    )
    assert run_ids(in_range) == ["b042", "b035", "b028", "b021", "b014"]
    assert reads.read.query_by_pipeline("big", status="skipped") == ([], None)
    assert reads.read.query_by_pipeline("nobody") == ([], None)
    with pytest.raises(ValidationError) as info:
        reads.read.query_by_pipeline("big", status="done")
    assert info.value.field == "status"


# ----------------------------------------------------------------------------------- pagination


def test_pagination_returns_every_item_exactly_once(reads: Apis) -> None:
    for newest_first in (True, False):
        pages = all_pages(
            reads.read.query_by_pipeline, pipeline_id="big", limit=30, newest_first=newest_first
        )
        assert [len(p) for p in pages] == [30, 30, 30, 30, 20]
        seen = [v.run_id for p in pages for v in p]
        assert seen == (big_ids() if newest_first else big_ids()[::-1])
    # A page boundary falling on the last item: the final token leads to an empty page at most.
    pages = all_pages(reads.read.query_by_pipeline, pipeline_id="big", limit=35)
    assert sum(len(p) for p in pages) == BIG and all(len(p) == 35 for p in pages[:4])


def test_pagination_with_a_sparse_status_filter_fills_pages(reads: Apis) -> None:
    expected = big_ids(lambda i: i % 7 == 0)  # 1 in 7: 20 runs
    for limit in (6, 7, 19, 20):
        pages = all_pages(
            reads.read.query_by_pipeline, pipeline_id="big", status=FAILED, limit=limit
        )
        sizes = [len(p) for p in pages]
        assert all(size == limit for size in sizes[:-1]), (limit, sizes)
        assert [v.run_id for p in pages for v in p] == expected, limit
    pages = all_pages(
        reads.read.query_by_pipeline,
        pipeline_id="big",
        status=FAILED,
        limit=6,
        start_time=_big_start(30),
        newest_first=False,
    )
    assert [len(p) for p in pages[:2]] == [6, 6]
    assert [v.run_id for p in pages for v in p] == big_ids(lambda i: i % 7 == 0 and i >= 30)[::-1]
    assert all("FilterExpression" in r for r in reads.requests("Query"))


def test_query_by_status_with_pipeline_filter_and_ranges(reads: Apis) -> None:
    everything = all_pages(reads.read.query_by_status, status="failed", limit=7)
    assert [v.run_id for p in everything for v in p] == expect(lambda r: r.status is FAILED)
    assert all(len(p) == 7 for p in everything[:-1])

    of_other = all_pages(reads.read.query_by_status, status=FAILED, pipeline_id="other", limit=2)
    assert [v.run_id for p in of_other for v in p] == ["o08", "o06", "o04", "o02", "o00"]
    assert [len(p) for p in of_other][:2] == [2, 2]

    window = {"start_time": T0 + timedelta(minutes=14), "end_time": T0 + timedelta(minutes=42)}
    ranged, _ = reads.read.query_by_status(RUNNING, newest_first=False, limit=1000, **window)
    assert run_ids(ranged) == expect(
        lambda r: (
            r.status is RUNNING and window["start_time"] <= r.start_time <= window["end_time"]
        ),
        newest_first=False,
    )
    assert "o03" in run_ids(ranged) and "b015" in run_ids(ranged)
    assert reads.read.count_runs_by_status(RUNNING, **window) == len(ranged)
    assert reads.read.query_by_status(SKIPPED) == ([], None)
    with pytest.raises(ValidationError) as info:
        reads.read.query_by_status("done")
    assert info.value.field == "status"


def test_iterators_and_list_runs(reads: Apis, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(repository, "MAX_PAGE_SIZE", 25)  # the iterators' page size
    iterator = reads.read.iter_by_pipeline("big")
    assert isinstance(iterator, Iterator) and reads.requests() == []
    first = next(iterator)
    assert first.run_id == "b139" and len(reads.requests("Query")) == 1
    assert [first.run_id, *(v.run_id for v in iterator)] == big_ids()
    assert len(reads.requests("Query")) == 6  # 140 runs, 25 per page

    assert run_ids(list(reads.read.iter_by_pipeline("big", status="cancelled"))) == big_ids(
        lambda i: i % 7 == 2
    )
    assert run_ids(
        list(reads.read.iter_by_pipeline("big", newest_first=False, end_time=_big_start(4)))
    ) == ["b000", "b001", "b002", "b003", "b004"]
    assert run_ids(list(reads.read.iter_by_status("running"))) == expect(
        lambda r: r.status is RUNNING
    )
    assert run_ids(list(reads.read.iter_by_status(FAILED, pipeline_id="tz"))) == ["tz-2"]

    scanned = [v.run_id for v in reads.read.iter_runs()]
    assert Counter(scanned) == Counter(r.run_id for r in RUNS)
    projected = list(reads.read.iter_runs(projection=["status"]))
    assert all(v.status is not None and v.pipeline_id is None for v in projected)
    assert len(projected) == len(RUNS)

    pages = all_pages(reads.read.list_runs, limit=20)
    assert all(len(p) == 20 for p in pages[:-1])
    assert Counter(v.run_id for p in pages for v in p) == Counter(r.run_id for r in RUNS)


def test_running_failed_and_recent_runs(reads: Apis) -> None:
    running = reads.read.get_running_runs()
    assert run_ids(running) == expect(lambda r: r.status is RUNNING)
    assert run_ids(reads.read.get_running_runs("other")) == ["o09", "o07", "o05", "o03", "o01"]
    assert reads.read.get_running_runs("nobody") == []

    since = _big_start(70)
    failed, token = reads.read.get_failed_runs_since(since, limit=1000)
    assert run_ids(failed) == expect(lambda r: r.status is FAILED and r.start_time >= since)
    assert token is None and "b070" in run_ids(failed)  # inclusive
    of_big = all_pages(reads.read.get_failed_runs_since, since=since, pipeline_id="big", limit=4)
    assert [v.run_id for p in of_big for v in p] == big_ids(lambda i: i % 7 == 0 and i >= 70)
    with pytest.raises(ValidationError) as info:
        reads.read.get_failed_runs_since(datetime(2024, 5, 1))
    assert info.value.field == "since"

    assert run_ids(reads.read.get_recent_runs("big")) == big_ids()[:10]
    assert run_ids(reads.read.get_recent_runs("big", limit=3)) == ["b139", "b138", "b137"]
    assert run_ids(reads.read.get_recent_runs("ts", limit=1)) == ["ts-after"]
    assert reads.read.get_recent_runs("nobody") == []


# ----------------------------------------------------------------------------------- counts


def test_counts_use_select_count_and_match_the_iterators(reads: Apis) -> None:
    cases: list[tuple[Callable[[], int], Callable[[], Iterator[Any]]]] = [
        (
            lambda: reads.read.count_runs_by_pipeline("big"),
            lambda: reads.read.iter_by_pipeline("big"),
        ),
        (
            lambda: reads.read.count_runs_by_pipeline("big", status="success"),
            lambda: reads.read.iter_by_pipeline("big", status="success"),
        ),
        (
            lambda: reads.read.count_runs_by_pipeline(
                "big", _big_start(20), _big_start(60), FAILED
            ),
            lambda: reads.read.iter_by_pipeline(
                "big", start_time=_big_start(20), end_time=_big_start(60), status=FAILED
            ),
        ),
        (
            lambda: reads.read.count_runs_by_status(RUNNING),
            lambda: reads.read.iter_by_status(RUNNING),
        ),
        (
            lambda: reads.read.count_runs_by_status("failed", T0, T0 + timedelta(hours=1)),
            lambda: reads.read.iter_by_status(
                "failed", start_time=T0, end_time=T0 + timedelta(hours=1)
            ),
        ),
        (
            lambda: reads.read.count_runs_by_status(SKIPPED),
            lambda: reads.read.iter_by_status(SKIPPED),
        ),
        (lambda: reads.read.count_runs_by_pipeline("nobody"), lambda: iter([])),
    ]
    expected = [140, 80, 6, 28, None, 0, 0]
    for (count, iterate), want in zip(cases, expected, strict=True):
        reads.requests.clear()
        counted = count()
        assert all(r["Select"] == "COUNT" for r in reads.requests())
        assert reads.requests() and all("ProjectionExpression" not in r for r in reads.requests())
        assert counted == len(list(iterate()))
        if want is not None:
            assert counted == want
    assert reads.read.count_runs_by_status(RUNNING) == sum(r.status is RUNNING for r in RUNS)
    with pytest.raises(ValidationError):
        reads.read.count_runs_by_status("done")


# ----------------------------------------------------------------------------------- statistics


def test_pipeline_run_statistics(reads: Apis) -> None:
    window = {"start_time": T_STATS, "end_time": T_STATS + timedelta(days=1)}
    stats = reads.read.get_pipeline_run_statistics("stats", **window)
    assert isinstance(stats, PipelineRunStatistics)
    # Finished (success + failed) durations, sorted (21 values):
    #   3, 7, 8.25, 11, 12.5, 15, 18, 22, 27, 30, 33, 36, 41, 45, 55, 60, 64, 71, 90, 120, 240
    # nearest rank: p50 = value #ceil(0.50*21)=11 -> 33; p95 = value #ceil(0.95*21)=20 -> 120.
    # Cancelled durations (5, 500) do not count. Sum 1008.75 over 21 runs.
    assert stats == PipelineRunStatistics(
        pipeline_id="stats",
        total_runs=25,
        by_status={"success": 16, "failed": 5, "cancelled": 2, "running": 1, "pending": 1},
        success_rate=16 / 21,
        duration_p50=33.0,
        duration_p95=120.0,
        average_duration=pytest.approx(1008.75 / 21),  # type: ignore[arg-type]
        total_records_processed=10 * sum(range(1, 26)),  # 3250
        total_records_failed=24,  # k % 3 for k in 0..24
    )
    queries = reads.requests("Query")
    assert queries and all(q["IndexName"] == "PipelineRunsIndex" for q in queries)
    for query in queries:
        assert "ProjectionExpression" in query
        assert set(query["ExpressionAttributeNames"].values()) >= {"status", "duration_seconds"}
        assert set(query["ExpressionAttributeNames"].values()) <= {
            "status",
            "start_time",
            "duration_seconds",
            "total_records_processed",
            "total_records_failed",
            "run_id",
            "pipeline_id",
        }

    unbounded = reads.read.get_pipeline_run_statistics("stats")
    assert unbounded.total_runs == 26 and unbounded.by_status["success"] == 17
    assert unbounded.success_rate == 17 / 22
    assert unbounded.duration_p50 == 30.0  # 22 values with 1.0 first: #11 -> 30
    assert unbounded.duration_p95 == 120.0  # #ceil(20.9)=21 -> 120
    assert unbounded.total_records_processed == 3250 + 1_000_000
    assert unbounded.total_records_failed == 24 + 7

    one = reads.read.get_pipeline_run_statistics(
        "stats", start_time=T_STATS, end_time=T_STATS + timedelta(minutes=10)
    )  # s00 (success, 30 s) and s01 (success, 12.5 s)
    assert (one.total_runs, one.success_rate) == (2, 1.0)
    assert (one.duration_p50, one.duration_p95, one.average_duration) == (12.5, 30.0, 21.25)

    empty = reads.read.get_pipeline_run_statistics("nobody")
    assert empty == PipelineRunStatistics(
        pipeline_id="nobody",
        total_runs=0,
        by_status={},
        success_rate=None,
        duration_p50=None,
        duration_p95=None,
        average_duration=None,
        total_records_processed=0,
        total_records_failed=0,
    )
    only_open = reads.read.get_pipeline_run_statistics(
        "stats", start_time=T_STATS + timedelta(minutes=230)
    )  # s23 (running) and s24 (pending)
    assert only_open.total_runs == 2 and only_open.success_rate is None
    assert only_open.duration_p50 is None


# ----------------------------------------------------------------------------------- time series


def test_time_series(reads: Apis) -> None:
    buckets = reads.read.get_time_series(
        "ts",
        start_time=T_TS,
        end_time=T_TS + timedelta(hours=3),
        bucket=timedelta(hours=1),
        user_timezone="Asia/Kolkata",
    )
    assert all(isinstance(b, TimeBucket) for b in buckets)
    assert [b.start for b in buckets] == [T_TS + timedelta(hours=h) for h in range(4)]
    assert all(b.start.tzinfo == KOLKATA for b in buckets)
    assert (buckets[0].start.hour, buckets[0].start.minute) == (15, 30)  # 10:00 UTC
    # minutes 0, 5, 59 | 60, 61 | 125 | 180 (the end is inclusive); -1 and 180 min + 1 µs out.
    assert [b.total for b in buckets] == [3, 2, 1, 1]
    assert (
        sum(b.total for b in buckets)
        == 7
        == reads.read.count_runs_by_pipeline("ts", T_TS, T_TS + timedelta(hours=3))
    )
    assert buckets[0].by_status == {"success": 1, "failed": 1, "running": 1}
    assert buckets[1].by_status == {"success": 1, "cancelled": 1}
    assert buckets[2].by_status == {"success": 1} and buckets[3].by_status == {"failed": 1}
    assert buckets[0].total_duration == 10 + 20 and buckets[0].average_duration == 15
    assert buckets[1].total_duration == 40  # the cancelled run's 50 s do not count
    assert [b.records_processed for b in buckets] == [1 + 2 + 3, 4 + 5, 6, 7]
    queries = [q for q in reads.requests("Query") if q.get("Select") != "COUNT"]
    assert queries and all(q.get("ProjectionExpression") for q in queries)

    utc_buckets = reads.read.get_time_series(
        "ts",
        start_time=(T_TS - timedelta(minutes=30)).astimezone(NEW_YORK),
        end_time=T_TS + timedelta(hours=4),
        bucket=timedelta(minutes=90),
    )
    assert all(b.start.tzinfo == UTC for b in utc_buckets)
    assert utc_buckets[0].start == T_TS - timedelta(minutes=30)
    # edges at -30, 60, 150, 240 minutes: -1 0 5 59 | 60 61 125 | 180 180+1µs | (empty)
    assert [b.total for b in utc_buckets] == [4, 3, 2, 0]
    assert sum(b.total for b in utc_buckets) == 9

    config_zone = PipelineRunLogsReadApi(same_tables(reads.config, user_timezone="Asia/Tokyo"))
    zoned = config_zone.get_time_series("ts", T_TS, T_TS + timedelta(hours=1))
    assert [b.start.tzinfo for b in zoned] == [TOKYO, TOKYO]
    assert [b.total for b in zoned] == [3, 1]  # minute 60 is in (inclusive end), 61 is not

    until_now = reads.read.get_time_series("ts", T_TS, bucket=timedelta(days=365))
    assert until_now[0].total == 8 and sum(b.total for b in until_now) == 8


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"start_time": datetime(2024, 5, 3, 10)}, "start_time"),
        ({"start_time": T_TS, "end_time": datetime(2024, 5, 3, 12)}, "end_time"),
        ({"start_time": T_TS, "bucket": timedelta(0)}, "bucket"),
        ({"start_time": T_TS, "bucket": timedelta(minutes=-5)}, "bucket"),
        ({"start_time": T_TS, "end_time": T_TS - timedelta(seconds=1)}, "end_time"),
        (
            {
                "start_time": T_TS,
                "end_time": T_TS + timedelta(hours=1),
                "user_timezone": "Mars/Olympus",
            },
            "user_timezone",
        ),
        ({"start_time": T_TS, "end_time": T_TS + timedelta(days=500)}, "bucket"),  # > 10,000
    ],
)
def test_time_series_refuses_bad_input_before_any_request(
    reads: Apis, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        reads.read.get_time_series("ts", **kwargs)
    assert info.value.field == field
    assert reads.requests() == []


# ----------------------------------------------------------------------------------- time zones


def test_user_timezone_per_call_beats_config_beats_utc(reads: Apis) -> None:
    utc_api = reads.read
    tokyo_api = PipelineRunLogsReadApi(same_tables(reads.config, user_timezone="Asia/Tokyo"))

    def zones(api: PipelineRunLogsReadApi, **kw: Any) -> set[Any]:
        views: list[Any] = [
            api.get_by_id("tz-1", **kw),
            api.get_run_summary("tz-1", **kw),
            *api.query_by_pipeline("tz", **kw)[0],
            *api.query_by_status(RUNNING, pipeline_id="tz", **kw)[0],
            *api.iter_by_pipeline("tz", **kw),
            *api.iter_by_status(FAILED, pipeline_id="tz", **kw),
            *api.get_running_runs("tz", **kw),
            *api.get_failed_runs_since(T_TZ, pipeline_id="tz", **kw)[0],
            *api.get_recent_runs("tz", **kw),
            *api.list_runs(limit=5, **kw)[0],
            *api.iter_runs(projection=["start_time", "stages"], **kw),
        ]
        found = set()
        for view in views:
            datetimes = [
                getattr(view, name, None)
                for name in ("start_time", "end_time", "created_at", "updated_at")
            ]
            for stage in getattr(view, "stages", None) or []:
                datetimes += [stage.start_time, stage.end_time]
            found.update(d.tzinfo for d in datetimes if d is not None)
        return found

    assert zones(utc_api) == {UTC}
    assert zones(tokyo_api) == {TOKYO}
    assert zones(tokyo_api, user_timezone="America/New_York") == {NEW_YORK}
    assert zones(utc_api, user_timezone="America/New_York") == {NEW_YORK}
    assert zones(tokyo_api, user_timezone="UTC") == {UTC}

    view = tokyo_api.get_by_id("tz-1")
    assert view is not None and view.start_time is not None and view.stages is not None
    assert view.start_time == T_TZ and view.start_time.hour == 19  # 10:00 UTC
    extract, load = view.stages
    assert extract.start_time == T_TZ and extract.start_time.tzinfo == TOKYO
    assert extract.end_time == T_TZ + timedelta(minutes=5) and extract.end_time.hour == 19
    assert load.start_time is not None and load.start_time.tzinfo == TOKYO and load.end_time is None
    assert view.model_dump() == utc_api.get_by_id("tz-1").model_dump()  # same instants

    for call in (
        lambda: utc_api.get_by_id("tz-1", user_timezone="Mars/Olympus"),
        lambda: utc_api.get_run_summary("tz-1", user_timezone="Mars/Olympus"),
        lambda: utc_api.query_by_pipeline("tz", user_timezone="Mars/Olympus"),
        lambda: utc_api.query_by_status(RUNNING, user_timezone="utc "),
        lambda: utc_api.list_runs(user_timezone="Not/AZone"),
        lambda: utc_api.get_running_runs(user_timezone="Mars/Olympus"),
        lambda: utc_api.get_recent_runs("tz", user_timezone="Mars/Olympus"),
    ):
        with pytest.raises(ValidationError) as info:
            call()
        assert info.value.field == "user_timezone"


def test_an_empty_user_timezone_is_refused(reads: Apis) -> None:
    with pytest.raises(ValidationError) as info:
        reads.read.get_by_id("tz-1", user_timezone="")
    assert info.value.field == "user_timezone"


# ----------------------------------------------------------------------------------- tokens


def test_forged_and_foreign_tokens_are_refused(reads: Apis) -> None:
    _, token = reads.read.query_by_pipeline("big", limit=10)
    _, failed_token = reads.read.query_by_pipeline("big", status="failed", limit=3)
    _, status_token = reads.read.query_by_status(RUNNING, limit=3)
    _, scan_token = reads.read.list_runs(limit=10)
    _, ranged_token = reads.read.query_by_pipeline("big", start_time=_big_start(5), limit=10)
    assert token and failed_token and status_token and scan_token and ranged_token
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    reads.requests.clear()

    bad_calls: list[Callable[[], Any]] = [
        lambda: reads.read.query_by_pipeline("big", next_token="garbage!"),
        lambda: reads.read.query_by_pipeline("big", next_token=""),
        lambda: reads.read.query_by_pipeline("big", next_token=flipped),
        lambda: reads.read.query_by_pipeline("other", next_token=token),
        lambda: reads.read.query_by_pipeline("big", status="failed", next_token=token),
        lambda: reads.read.query_by_pipeline("big", next_token=failed_token),
        lambda: reads.read.query_by_pipeline("big", newest_first=False, next_token=token),
        lambda: reads.read.query_by_pipeline("big", start_time=_big_start(6), next_token=token),
        lambda: reads.read.query_by_pipeline(
            "big", start_time=_big_start(6), next_token=ranged_token
        ),
        lambda: reads.read.query_by_status(RUNNING, next_token=token),
        lambda: reads.read.query_by_status(FAILED, next_token=status_token),
        lambda: reads.read.query_by_status(RUNNING, pipeline_id="big", next_token=status_token),
        lambda: reads.read.query_by_pipeline("big", next_token=status_token),
        lambda: reads.read.list_runs(next_token=token),
        lambda: reads.read.query_by_pipeline("big", next_token=scan_token),
        lambda: reads.read.get_failed_runs_since(T0, next_token=status_token),
    ]
    for call in bad_calls:
        with pytest.raises(ValidationError) as info:
            call()
        assert isinstance(info.value, InvalidPaginationTokenError)
        assert info.value.field == "next_token"
    assert reads.requests() == []

    # The genuine tokens still work and resume where they left off.
    assert (
        run_ids(reads.read.query_by_pipeline("big", limit=10, next_token=token)[0])
        == big_ids()[10:20]
    )
    assert len(reads.read.list_runs(limit=10, next_token=scan_token)[0]) == 10

    signed = PipelineRunLogsReadApi(same_tables(reads.config, pagination_secret="s3cret"))
    _, signed_token = signed.query_by_pipeline("big", limit=10)
    assert signed_token is not None
    with pytest.raises(InvalidPaginationTokenError):
        reads.read.query_by_pipeline("big", next_token=signed_token)


@pytest.mark.parametrize("limit", [0, -1, 1001, 5000, True, 2.5])
def test_bad_limits_are_refused_before_any_request(reads: Apis, limit: Any) -> None:
    for call in (
        lambda: reads.read.query_by_pipeline("big", limit=limit),
        lambda: reads.read.query_by_status(RUNNING, limit=limit),
        lambda: reads.read.list_runs(limit=limit),
        lambda: reads.read.get_failed_runs_since(T0, limit=limit),
        lambda: reads.read.get_recent_runs("big", limit=limit),
    ):
        with pytest.raises(ValidationError) as info:
            call()
        assert info.value.field == "limit"
    assert reads.requests() == []
