"""Zombie runs: heartbeats, stale-run detection and failing them safely (DynamoDB Local)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dynamodb_wrapper import (
    DynamoDBConfig,
    InvalidStatusTransitionError,
    PipelineRunLogsReadApi,
    PipelineRunLogsWriteApi,
    RunStatus,
    ValidationError,
    ensure_tables,
)

pytestmark = pytest.mark.integration

HOUR_AGO = datetime.now(UTC) - timedelta(hours=1)


@pytest.fixture
def apis(dynamodb_config: DynamoDBConfig) -> tuple[PipelineRunLogsReadApi, PipelineRunLogsWriteApi]:
    ensure_tables(dynamodb_config)
    return PipelineRunLogsReadApi(dynamodb_config), PipelineRunLogsWriteApi(dynamodb_config)


def test_heartbeat_records_liveness_and_refuses_finished_runs(apis: Any) -> None:
    _, write = apis
    run = write.start_pipeline_run("p1")
    beat = write.heartbeat(run.run_id).last_heartbeat
    assert beat is not None and beat >= run.start_time
    write.finish_pipeline_run(run.run_id, "success")
    with pytest.raises(InvalidStatusTransitionError):
        write.heartbeat(run.run_id)


def test_stale_runs_are_found_and_failed_once(apis: Any) -> None:
    read, write = apis
    silent = write.start_pipeline_run("p1", run_id="silent", start_time=HOUR_AGO)
    alive = write.start_pipeline_run("p1", run_id="alive", start_time=HOUR_AGO)
    write.heartbeat("alive")
    old_beat = write.start_pipeline_run("p2", run_id="old-beat", start_time=HOUR_AGO)
    write.heartbeat("old-beat")
    done = write.start_pipeline_run("p1", run_id="done", start_time=HOUR_AGO)
    write.finish_pipeline_run("done", "success")
    del silent, alive, old_beat, done

    cutoff_after_old_beat = datetime.now(UTC)
    write.heartbeat("alive")  # alive keeps beating after the cutoff
    write.start_pipeline_run("p1", run_id="young")  # started after the cutoff, no beat yet

    stale = {r.run_id for r in read.find_stale_runs(cutoff_after_old_beat)}
    assert stale == {"silent", "old-beat"}
    assert {r.run_id for r in read.find_stale_runs(timedelta(minutes=30))} == {"silent"}
    assert {r.run_id for r in read.find_stale_runs(cutoff_after_old_beat, pipeline_id="p2")} == {
        "old-beat"
    }

    assert sorted(write.fail_stale_runs(cutoff_after_old_beat)) == ["old-beat", "silent"]
    for run_id in ("silent", "old-beat"):
        run = read.get_by_id(run_id)
        assert run.status is RunStatus.FAILED
        assert "heartbeat" in run.error_message
        assert run.end_time is not None and run.duration_seconds > 0
    assert read.get_by_id("alive").status is RunStatus.RUNNING
    assert read.get_by_id("young").status is RunStatus.RUNNING
    assert read.get_by_id("done").status is RunStatus.SUCCESS
    assert write.fail_stale_runs(cutoff_after_old_beat) == []  # nothing twice


def test_a_run_that_finishes_between_detection_and_failing_is_not_overwritten(
    apis: Any, faults: Any
) -> None:
    read, write = apis
    write.start_pipeline_run("p1", run_id="racer", start_time=HOUR_AGO)
    other = PipelineRunLogsWriteApi(write.config)
    finished: list[bool] = []

    def finish_first(request: Any, **_: Any) -> None:
        if not finished:  # the worker finishes right before our conditional write lands
            finished.append(True)
            other.finish_pipeline_run("racer", "success")

    faults.on(write.gateway.client, "before-send.dynamodb.UpdateItem", finish_first)
    assert write.fail_stale_runs(timedelta(minutes=5)) == []
    assert read.get_by_id("racer").status is RunStatus.SUCCESS


def test_a_heartbeat_between_detection_and_failing_saves_the_run(apis: Any, faults: Any) -> None:
    read, write = apis
    write.start_pipeline_run("p1", run_id="late-beat", start_time=HOUR_AGO)
    other = PipelineRunLogsWriteApi(write.config)
    beaten: list[bool] = []

    def beat_first(request: Any, **_: Any) -> None:
        if not beaten:
            beaten.append(True)
            other.heartbeat("late-beat")

    faults.on(write.gateway.client, "before-send.dynamodb.UpdateItem", beat_first)
    assert write.fail_stale_runs(timedelta(minutes=5)) == []
    assert read.get_by_id("late-beat").status is RunStatus.RUNNING


@pytest.mark.parametrize("bad", [timedelta(0), timedelta(seconds=-1), datetime(2026, 1, 1)])
def test_bad_cutoffs_are_refused(apis: Any, bad: Any) -> None:
    read, _ = apis
    with pytest.raises(ValidationError) as info:
        read.find_stale_runs(bad)
    assert info.value.field == "older_than"
