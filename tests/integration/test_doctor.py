"""The doctor on DynamoDB Local: foreign items written with a raw botocore client (offset
timestamps, bools and numbers as strings, unknown attributes, nested stages), the report, the
conditional fix, re-runs, and concurrent writers injected between scan and fix."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from dynamodb_wrapper import (
    DoctorReport,
    DynamoDBConfig,
    PipelineConfig,
    PipelineConfigReadApi,
    PipelineRunLog,
    PipelineRunLogsReadApi,
    PipelineRunLogsWriteApi,
    TableConfig,
    TableConfigReadApi,
    TableNotFoundError,
    ValidationError,
    doctor_table,
    ensure_tables,
)
from dynamodb_wrapper.core.doctor import DoctorProgress, Finding

pytestmark = pytest.mark.integration

CANON = "2024-05-01T10:00:00.000000Z"
Item = dict[str, dict[str, Any]]


def S(value: str) -> dict[str, Any]:
    return {"S": value}


def N(value: str) -> dict[str, Any]:
    return {"N": value}


def stage(name: str, start: str | None = None, **extra: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {"stage_name": S(name), "status": S("success"), **extra}
    if start is not None:
        fields["start_time"] = S(start)
    return {"M": fields}


def run_item(run_id: str, **attributes: dict[str, Any]) -> Item:
    """A run in canonical form, with ``attributes`` on top."""
    item: Item = {
        "run_id": S(run_id),
        "pipeline_id": S("p-1"),
        "status": S("success"),
        "start_time": S(CANON),
        "created_at": S(CANON),
        "updated_at": S(CANON),
        "retry_count": N("0"),
        "data_quality_passed": {"BOOL": True},
        "item_version": N("1"),
    }
    item.update(attributes)
    return item


def table(config: DynamoDBConfig, model: type[Any]) -> str:
    return config.get_table_name(model.Meta.table_name)


def put(raw_client: Any, name: str, *items: Item) -> None:
    for item in items:
        raw_client.put_item(TableName=name, Item=item)


def get(raw_client: Any, name: str, key: Item) -> Item | None:
    item: Item | None = raw_client.get_item(TableName=name, Key=key, ConsistentRead=True).get(
        "Item"
    )
    return item


#: A run as a boto3 script in Paris and a PynamoDB service store it.
FOREIGN_RUN = run_item(
    "r-foreign",
    start_time=S("2024-05-01T12:30:00+02:00"),  # 10:30Z
    created_at=S("2024-05-01T10:30:00+0000"),
    end_time=S("2024-05-01T10:45:00Z"),  # no fraction
    retry_count=S("3"),
    cpu_hours=S("1.25"),
    data_quality_passed=S("false"),
    stages={
        "L": [
            stage("extract", CANON),
            stage("transform", "2024-05-01T12:31:00+02:00"),
            stage("load", "2024-05-01T10:32:00+00:00"),
        ]
    },
    legacy_flag=S("x"),
    owner_team=S("data"),
)
FOREIGN_RUN_FIXED = {
    **FOREIGN_RUN,
    "start_time": S("2024-05-01T10:30:00.000000Z"),
    "created_at": S("2024-05-01T10:30:00.000000Z"),
    "end_time": S("2024-05-01T10:45:00.000000Z"),
    "retry_count": N("3"),
    "cpu_hours": N("1.25"),
    "data_quality_passed": {"BOOL": False},
    "stages": {
        "L": [
            stage("extract", CANON),
            stage("transform", "2024-05-01T10:31:00.000000Z"),
            stage("load", "2024-05-01T10:32:00.000000Z"),
        ]
    },
}
#: An unparsable and a naive timestamp: no canonical form, so the item is never touched.
BROKEN_RUN = run_item(
    "r-broken",
    start_time=S("2024-05-01T12:00:00+02:00"),
    end_time=S("yesterday"),
    last_heartbeat=S("2024-05-01T10:00:00"),
    # An unknown key inside a nested model: reported by name, never rewritten.
    stages={"L": [stage("extract", CANON, owner=S("team-a"))]},
)


@pytest.fixture
def runs(dynamodb_config: DynamoDBConfig, raw_client: Any) -> str:
    """The run log table with a library-written run, FOREIGN_RUN and BROKEN_RUN."""
    ensure_tables(dynamodb_config, [PipelineRunLog])
    PipelineRunLogsWriteApi(dynamodb_config).start_pipeline_run(
        "p-1", run_id="r-clean", start_time=datetime(2024, 5, 1, 10, 5, tzinfo=UTC)
    )
    name = table(dynamodb_config, PipelineRunLog)
    put(raw_client, name, FOREIGN_RUN, BROKEN_RUN)
    return name


def test_report_counts_every_problem_per_kind_and_field(
    dynamodb_config: DynamoDBConfig, runs: str
) -> None:
    progress: list[DoctorProgress] = []
    report = doctor_table(dynamodb_config, PipelineRunLog, on_progress=progress.append)

    assert report.counts() == {
        "timestamp": {
            "start_time": 2,
            "created_at": 1,
            "end_time": 1,
            "stages[].start_time": 2,
        },
        "number_as_string": {"retry_count": 1, "cpu_hours": 1},
        "bool_as_string": {"data_quality_passed": 1},
        "invalid_value": {"end_time": 1, "last_heartbeat": 1},
        "unknown_attribute": {"legacy_flag": 1, "owner_team": 1, "stages[].owner": 1},
    }
    assert report.scanned == 3
    assert (report.items_non_canonical, report.items_with_unknown_attributes) == (2, 2)
    assert not report.clean and report.remaining == 2
    assert report.fixed_items == 0  # a report only
    by_field = {(p.kind, p.field): p for p in report.problems}
    stages = by_field[("timestamp", "stages[].start_time")].examples
    assert [(e.key, e.path, e.stored, e.canonical) for e in stages] == [
        (
            {"run_id": "r-foreign"},
            "stages[1].start_time",
            "2024-05-01T12:31:00+02:00",
            "2024-05-01T10:31:00.000000Z",
        ),
        (
            {"run_id": "r-foreign"},
            "stages[2].start_time",
            "2024-05-01T10:32:00+00:00",
            "2024-05-01T10:32:00.000000Z",
        ),
    ]
    (naive,) = by_field[("invalid_value", "last_heartbeat")].examples
    assert naive.key == {"run_id": "r-broken"} and naive.canonical is None and naive.note
    assert progress and progress[-1].scanned == 3 and progress[-1].estimated_total == 3
    assert report.to_dict()["problems"][0]["examples"][0]["key"]


def test_fix_rewrites_only_the_offending_values_and_a_rerun_finds_nothing(
    dynamodb_config: DynamoDBConfig, runs: str, raw_client: Any
) -> None:
    read = PipelineRunLogsReadApi(dynamodb_config)
    window = (datetime(2024, 5, 1, 10, 0, tzinfo=UTC), datetime(2024, 5, 1, 11, 0, tzinfo=UTC))
    before, _ = read.query_by_pipeline("p-1", *window)
    # The string order of "+02:00" puts the run outside its own time range.
    assert {r.run_id for r in before} == {"r-clean"}
    clean_before = get(raw_client, runs, {"run_id": S("r-clean")})

    report = doctor_table(dynamodb_config, PipelineRunLog, fix=True, segments=3)

    assert (report.fixed_items, report.fixed_values) == (1, 8)
    assert (report.unfixable_items, report.skipped_changed) == (1, 0)
    assert report.remaining == 1 and not report.clean  # the broken run needs a person
    assert get(raw_client, runs, {"run_id": S("r-foreign")}) == FOREIGN_RUN_FIXED
    assert get(raw_client, runs, {"run_id": S("r-broken")}) == BROKEN_RUN
    assert get(raw_client, runs, {"run_id": S("r-clean")}) == clean_before
    after, _ = read.query_by_pipeline("p-1", *window)
    assert {r.run_id for r in after} == {"r-clean", "r-foreign"}

    again = doctor_table(dynamodb_config, PipelineRunLog, fix=True)
    assert (again.fixed_items, again.skipped_changed) == (0, 0)
    assert set(again.counts()) == {"timestamp", "invalid_value", "unknown_attribute"}
    assert again.counts()["timestamp"] == {"start_time": 1}  # the broken run's, untouched
    assert again.items_non_canonical == 1 and again.items_with_unknown_attributes == 2
    assert get(raw_client, runs, {"run_id": S("r-foreign")}) == FOREIGN_RUN_FIXED


def test_a_concurrent_change_between_scan_and_fix_is_skipped_and_a_rerun_resumes(
    dynamodb_config: DynamoDBConfig, raw_client: Any
) -> None:
    ensure_tables(dynamodb_config, [PipelineRunLog])
    name = table(dynamodb_config, PipelineRunLog)
    offset = S("2024-05-01T12:00:00+02:00")
    put(
        raw_client,
        name,
        *(run_item(r, start_time=offset, retry_count=S("1")) for r in ("r-1", "r-2", "r-3")),
    )
    seen: list[tuple[dict[str, Any], list[Finding]]] = []

    def writers(key: dict[str, Any], findings: list[Finding]) -> None:
        seen.append((key, findings))
        if key["run_id"] == "r-1":  # another service rewrites an offending value
            raw_client.update_item(
                TableName=name,
                Key={"run_id": S("r-1")},
                UpdateExpression="SET start_time = :t",
                ExpressionAttributeValues={":t": S("2024-05-01T13:00:00+02:00")},
            )
        elif key["run_id"] == "r-2":  # ... or changes another attribute: no conflict
            raw_client.update_item(
                TableName=name,
                Key={"run_id": S("r-2")},
                UpdateExpression="SET #s = :s, note = :n",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":s": S("failed"), ":n": S("by another writer")},
            )
        else:  # ... or deletes the item: the fix must not bring it back
            raw_client.delete_item(TableName=name, Key={"run_id": S("r-3")})

    report = doctor_table(dynamodb_config, PipelineRunLog, fix=True, before_fix=writers)

    assert sorted(k["run_id"] for k, _ in seen) == ["r-1", "r-2", "r-3"]
    assert all({f.path for f in findings} == {"start_time", "retry_count"} for _, findings in seen)
    assert (report.fixed_items, report.skipped_changed) == (1, 2)
    r1 = get(raw_client, name, {"run_id": S("r-1")})
    assert r1 is not None
    assert r1["start_time"] == S("2024-05-01T13:00:00+02:00")  # the writer's value stays
    assert r1["retry_count"] == S("1")  # and the rest of that item's fix was not applied
    assert get(raw_client, name, {"run_id": S("r-2")}) == run_item(
        "r-2", status=S("failed"), note=S("by another writer"), retry_count=N("1")
    )
    assert get(raw_client, name, {"run_id": S("r-3")}) is None

    resumed = doctor_table(dynamodb_config, PipelineRunLog, fix=True)
    assert (resumed.fixed_items, resumed.skipped_changed, resumed.remaining) == (1, 0, 0)
    assert resumed.counts() == {
        "timestamp": {"start_time": 1},
        "number_as_string": {"retry_count": 1},
        "unknown_attribute": {"note": 1},
    }
    assert get(raw_client, name, {"run_id": S("r-1")}) == run_item(
        "r-1", start_time=S("2024-05-01T11:00:00.000000Z"), retry_count=N("1")
    )
    assert doctor_table(dynamodb_config, PipelineRunLog).counts() == {
        "unknown_attribute": {"note": 1}
    }


def test_bool_keys_stored_as_bool_in_a_table_made_before_its_index(
    dynamodb_config: DynamoDBConfig, raw_client: Any
) -> None:
    """DynamoDB refuses a BOOL in a GSI key attribute, so a BOOL ``is_active`` exists only in
    a table created without ``ActivePipelinesIndex`` (an older version, or the console)."""
    name = table(dynamodb_config, PipelineConfig)
    raw_client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pipeline_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pipeline_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    raw_client.get_waiter("table_exists").wait(TableName=name)
    base = {"pipeline_name": S("P"), "source_type": S("s3"), "destination_type": S("db")}
    items = [
        {"pipeline_id": S("on"), "is_active": {"BOOL": True}, "memory_gb": S("2.5"), **base},
        {"pipeline_id": S("off"), "is_active": {"BOOL": False}, **base},
        {"pipeline_id": S("ok"), "is_active": S("true"), "cpu_cores": N("4"), **base},
        {"pipeline_id": S("odd"), "is_active": S("yes"), **base},
    ]
    put(raw_client, name, *items)

    report = doctor_table(dynamodb_config, PipelineConfig, fix=True, segments=2)

    assert report.counts() == {
        "bool_key_not_string": {"is_active": 2},
        "number_as_string": {"memory_gb": 1},
        "invalid_value": {"is_active": 1},
    }
    assert (report.fixed_items, report.unfixable_items) == (2, 1)
    assert get(raw_client, name, {"pipeline_id": S("on")}) == {
        **items[0],
        "is_active": S("true"),
        "memory_gb": N("2.5"),
    }
    assert get(raw_client, name, {"pipeline_id": S("off")}) == {**items[1], "is_active": S("false")}
    assert get(raw_client, name, {"pipeline_id": S("ok")}) == items[2]
    assert get(raw_client, name, {"pipeline_id": S("odd")}) == items[3]
    view = PipelineConfigReadApi(dynamodb_config).get_by_id("off")
    assert view is not None and view.is_active is False


def test_non_key_bools_as_strings_and_numbers_as_strings_in_table_configs(
    dynamodb_config: DynamoDBConfig, raw_client: Any
) -> None:
    ensure_tables(dynamodb_config, [TableConfig])
    name = table(dynamodb_config, TableConfig)
    base = {
        "pipeline_id": S("p-1"),
        "table_name": S("orders"),
        "table_type": S("source"),
        "data_format": S("json"),
        "location": S("s3://bucket/orders"),
    }
    many = [
        {"table_id": S(f"t-{i:02d}"), "is_active": S("true"), "record_count": S(str(i)), **base}
        for i in range(12)
    ]
    odd = {"table_id": S("t-odd"), "record_count": S("1.5"), "size_bytes": S("1e3"), **base}
    put(raw_client, name, *many, odd)

    report = doctor_table(dynamodb_config, TableConfig, max_examples=3)

    assert report.counts() == {
        "bool_as_string": {"is_active": 12},
        "number_as_string": {"record_count": 12, "size_bytes": 1},
        "invalid_value": {"record_count": 1},  # 1.5 is no int
    }
    assert all(len(p.examples) <= 3 for p in report.problems)
    assert len({p.field: p for p in report.problems}["is_active"].examples) == 3
    fixed = doctor_table(dynamodb_config, TableConfig, fix=True, segments=8)
    assert (fixed.fixed_items, fixed.fixed_values, fixed.unfixable_items) == (12, 24, 1)
    stored = get(raw_client, name, {"table_id": S("t-07")})
    assert stored is not None
    assert (stored["is_active"], stored["record_count"]) == ({"BOOL": True}, N("7"))
    view = TableConfigReadApi(dynamodb_config).get_by_id("t-07")
    assert view is not None and view.record_count == 7 and view.is_active is True


def test_segments_do_not_change_the_result_and_bad_arguments_are_refused(
    dynamodb_config: DynamoDBConfig, runs: str
) -> None:
    reports: list[DoctorReport] = [
        doctor_table(dynamodb_config, PipelineRunLog, segments=s) for s in (1, 2, 7)
    ]
    assert all(r.scanned == 3 for r in reports)
    assert reports[0].counts() == reports[1].counts() == reports[2].counts()
    with pytest.raises(ValidationError, match="segments"):
        doctor_table(dynamodb_config, PipelineRunLog, segments=0)


def test_a_missing_table_is_a_table_not_found_error(dynamodb_config: DynamoDBConfig) -> None:
    with pytest.raises(TableNotFoundError):
        doctor_table(dynamodb_config, PipelineRunLog)


def test_an_item_with_more_values_than_one_update_holds_is_fixed_in_conditional_parts(
    dynamodb_config: DynamoDBConfig, raw_client: Any
) -> None:
    ensure_tables(dynamodb_config, [PipelineRunLog])
    name = table(dynamodb_config, PipelineRunLog)
    # 200 rewrites make SET and condition expressions over DynamoDB's 4 KB: four parts of 50.
    stages = [
        stage(f"s{i}", f"2024-05-01T{12 + i // 60}:{i % 60:02d}:00+02:00") for i in range(199)
    ]
    put(raw_client, name, run_item("r-long", stages={"L": stages}, retry_count=S("0")))

    report = doctor_table(dynamodb_config, PipelineRunLog, fix=True)

    assert (report.fixed_items, report.fixed_values) == (1, 200)
    stored = get(raw_client, name, {"run_id": S("r-long")})
    assert stored is not None and stored["retry_count"] == N("0")
    times = [s["M"]["start_time"]["S"] for s in stored["stages"]["L"]]
    assert times == [f"2024-05-01T{10 + i // 60:02d}:{i % 60:02d}:00.000000Z" for i in range(199)]
    assert doctor_table(dynamodb_config, PipelineRunLog).counts() == {}
