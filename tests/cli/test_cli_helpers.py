"""Pure helpers of the CLI (no DynamoDB): option hoisting, JSON values, input parsing."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import typer

from dynamodb_wrapper.cli.app import app, hoist_global_options
from dynamodb_wrapper.cli.context import CliError, CliUsageError
from dynamodb_wrapper.cli.inputs import load_object, parse_aware_datetime, parse_set_pairs
from dynamodb_wrapper.cli.render import format_duration, jsonable


def _root_params() -> list[object]:
    return list(typer.main.get_command(app).params)


def test_global_options_are_hoisted_from_anywhere() -> None:
    params = _root_params()
    args = ["runs", "list", "--json", "--pipeline", "p", "--tz", "Asia/Tokyo", "-v"]
    assert hoist_global_options(args, params) == [
        "--json", "--tz", "Asia/Tokyo", "-v", "runs", "list", "--pipeline", "p",
    ]  # fmt: skip
    assert hoist_global_options(["pipelines", "list", "--tz=UTC"], params) == [
        "--tz=UTC", "pipelines", "list",
    ]  # fmt: skip
    # nothing after "--" is touched
    assert hoist_global_options(["import", "runs", "--", "--json"], params) == [
        "import", "runs", "--", "--json",
    ]  # fmt: skip
    with pytest.raises(typer.BadParameter):
        hoist_global_options(["pipelines", "list", "--tz"], params)


def test_jsonable_numbers_times_and_models() -> None:
    paris = ZoneInfo("Europe/Paris")
    moment = datetime(2024, 7, 1, 12, 0, tzinfo=UTC)
    assert jsonable(moment, paris) == "2024-07-01T14:00:00+02:00"
    assert jsonable(Decimal("15.5")) == 15.5
    assert jsonable(Decimal("12")) == 12
    assert jsonable(Decimal("0.1000000000000000000000000001")) == "0.1000000000000000000000000001"
    assert jsonable({"a": [Decimal("1.25"), {"b": moment}]}) == {
        "a": [1.25, {"b": "2024-07-01T12:00:00+00:00"}]
    }
    assert format_duration(45.24) == "45.2s"
    assert format_duration(185) == "3m 05s"
    assert format_duration(7440) == "2h 04m"
    assert format_duration(None) == ""


def test_set_pairs_and_datetimes() -> None:
    assert parse_set_pairs(["a=8", "b=true", "c=null", "d=hello", 'e={"x": 1}', "f=a=b"]) == {
        "a": 8, "b": True, "c": None, "d": "hello", "e": {"x": 1}, "f": "a=b",
    }  # fmt: skip
    with pytest.raises(CliUsageError):
        parse_set_pairs(["=x"])
    assert parse_aware_datetime("2024-05-01T08:00:00Z", "--since") == datetime(
        2024, 5, 1, 8, tzinfo=UTC
    )
    with pytest.raises(CliUsageError, match="no UTC offset"):
        parse_aware_datetime("2024-05-01T08:00:00", "--since")


def test_load_object(tmp_path: Path) -> None:
    plain = tmp_path / "spec"
    plain.write_text("name: x\ncount: 2\n")  # no suffix: JSON first, then YAML
    assert load_object(plain) == {"name": "x", "count": 2}
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(CliError, match="expected one object"):
        load_object(empty)
