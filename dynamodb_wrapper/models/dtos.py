"""Write DTOs: validated, frozen inputs of the write APIs.

Each DTO takes the business fields of its domain (``*Fields`` in ``domain_models.py``) and adds
the business rules of ``shared/DOMAIN.md``. Failures raise ``dynamodb_wrapper.ValidationError``
naming the field. Datetimes must be timezone-aware (naive values are refused, never guessed).
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar
from urllib.parse import urlparse

from croniter import croniter
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from dynamodb_wrapper.core.model import NestedValueError, StrictModel, UTCDateTime
from dynamodb_wrapper.models.domain_models import (
    Identifier,
    PipelineConfigFields,
    PipelineRunLogFields,
    RunStatus,
    TableConfigFields,
    validate_identifier,
)

__all__ = [
    "ALLOWED_TRANSITIONS",
    "PipelineConfigUpsert",
    "PipelineRunLogStatusUpdate",
    "PipelineRunLogUpsert",
    "TableConfigUpsert",
    "WriteDTO",
    "validate_identifier",
]

_RATE = re.compile(r"^rate\(\s*[1-9]\d*\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_LOCATION_SCHEMES = frozenset(
    {
        "s3",
        "s3a",
        "s3n",
        "gs",
        "abfs",
        "abfss",
        "wasb",
        "wasbs",
        "adl",
        "hdfs",
        "file",
        "dbfs",
        "jdbc",
        "http",
        "https",
        "kafka",
    }
)
SPARK_STORAGE_LEVELS = frozenset(
    {
        "NONE",
        "DISK_ONLY",
        "DISK_ONLY_2",
        "DISK_ONLY_3",
        "MEMORY_ONLY",
        "MEMORY_ONLY_2",
        "MEMORY_ONLY_SER",
        "MEMORY_ONLY_SER_2",
        "MEMORY_AND_DISK",
        "MEMORY_AND_DISK_2",
        "MEMORY_AND_DISK_SER",
        "MEMORY_AND_DISK_SER_2",
        "OFF_HEAP",
    }
)

#: The run status machine: which status may follow which. Terminal statuses have no successor.
ALLOWED_TRANSITIONS: dict[RunStatus, frozenset[RunStatus]] = {
    RunStatus.PENDING: frozenset({RunStatus.RUNNING, RunStatus.SKIPPED, RunStatus.CANCELLED}),
    RunStatus.RUNNING: frozenset({RunStatus.SUCCESS, RunStatus.FAILED, RunStatus.CANCELLED}),
    RunStatus.SUCCESS: frozenset(),
    RunStatus.FAILED: frozenset(),
    RunStatus.CANCELLED: frozenset(),
    RunStatus.SKIPPED: frozenset(),
}


Name = Annotated[str, Field(min_length=1, max_length=255)]


def _check_cron(value: str | None) -> str | None:
    if value is None:
        return None
    expression = value.strip()
    if _RATE.match(expression):
        return expression
    inner = (
        expression[5:-1] if expression.startswith("cron(") and expression.endswith(")") else None
    )
    if inner is not None:
        _check_aws_cron(inner, value)
    elif not croniter.is_valid(expression):
        raise ValueError(f"{value!r} is not a valid cron expression")
    return expression


_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_DOM_SPECIAL = re.compile(r"L|LW|L-([1-9]|[12]\d|30)|([1-9]|[12]\d|3[01])W")
_DOW_SPECIAL = re.compile(r"L|[1-7]L|[1-7]#[1-5]")


def _aws_value(text: str, low: int, high: int, names: tuple[str, ...]) -> bool:
    if text.upper() in names:
        return True
    return text.isdigit() and low <= int(text) <= high


def _aws_field(
    text: str,
    low: int,
    high: int,
    names: tuple[str, ...] = (),
    special: re.Pattern[str] | None = None,
) -> bool:
    for part in text.split(","):
        if special is not None and special.fullmatch(part.upper()):
            continue
        base, slash, step = part.partition("/")
        if slash and not (step.isdigit() and int(step) > 0):
            return False
        if base == "*":
            continue
        first, dash, last = base.partition("-")
        if not all(_aws_value(v, low, high, names) for v in ([first, last] if dash else [first])):
            return False
    return True


def _check_aws_cron(inner: str, original: str) -> None:
    """AWS EventBridge ``cron(min hour day-of-month month day-of-week year)``: one of the two
    day fields must be ``?``; ``L``, ``W`` and ``#`` are allowed where AWS allows them."""
    fields = inner.split()
    if len(fields) != 6:
        raise ValueError("cron(...) expressions take 6 fields: min hour dom month dow year")
    minute, hour, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise ValueError("in cron(...), exactly one of day-of-month and day-of-week must be '?'")
    checks = (
        ("minutes", _aws_field(minute, 0, 59)),
        ("hours", _aws_field(hour, 0, 23)),
        ("day-of-month", dom == "?" or _aws_field(dom, 1, 31, special=_DOM_SPECIAL)),
        ("month", _aws_field(month, 1, 12, _MONTHS)),
        ("day-of-week", dow == "?" or _aws_field(dow, 1, 7, _WEEKDAYS, _DOW_SPECIAL)),
        ("year", _aws_field(year, 1970, 2199)),
    )
    for name, ok in checks:
        if not ok:
            raise ValueError(f"{original!r}: invalid {name} field")


class WriteDTO(StrictModel):
    """Base of write DTOs: frozen, no unknown fields, NaN/infinity refused (in free-form maps
    and lists too)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, defer_build=True)

    #: Groups of fields that a rule checks together (a validator reading ``info.data``). A
    #: partial update touching none of them validates each change alone and needs no read of
    #: the stored item; one touching a group is validated merged with what is stored. A test
    #: keeps this in step with the validators.
    related_fields: ClassVar[tuple[frozenset[str], ...]] = ()

    @field_validator("*")
    @classmethod
    def _finite_numbers(cls, value: Any) -> Any:
        if isinstance(value, dict | list | BaseModel):
            _reject_non_finite(value, "")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields the caller set explicitly (for partial updates)."""
        return {name: getattr(self, name) for name in self.model_fields_set}


def _reject_non_finite(value: Any, path: str) -> None:
    if isinstance(value, float | Decimal) and not math.isfinite(value):
        raise NestedValueError(f"{path or 'value'}: NaN and infinity cannot be stored", path)
    if isinstance(value, dict):
        for key, item in value.items():
            _reject_non_finite(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _reject_non_finite(item, f"{path}[{index}]")
    elif isinstance(value, BaseModel):
        for name, item in value.__dict__.items():
            _reject_non_finite(item, f"{path}.{name}" if path else name)


class PipelineConfigUpsert(PipelineConfigFields, WriteDTO):
    """Input of ``create_pipeline`` / ``upsert_pipeline``."""

    pipeline_name: Name
    source_type: Name
    destination_type: Name
    cpu_cores: int | None = Field(default=None, gt=0, le=4096)
    memory_gb: Decimal | None = Field(default=None, gt=0, le=1_000_000)
    version: Annotated[str, Field(min_length=1, max_length=64)] = "1.0.0"

    @field_validator("schedule_expression")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        return _check_cron(value)


def _check_location(value: str) -> str:
    if value.startswith("/"):
        return value
    parsed = urlparse(value)
    if parsed.scheme.lower() not in _LOCATION_SCHEMES:
        raise ValueError(
            "must be an absolute path or a URI with one of the schemes "
            + ", ".join(sorted(_LOCATION_SCHEMES))
        )
    if parsed.scheme.lower() == "jdbc":
        # jdbc:<subprotocol>:<details>, e.g. jdbc:postgresql://host/db
        subprotocol, _, details = value[5:].partition(":")
        if not subprotocol or not details:
            raise ValueError("JDBC URLs look like jdbc:<driver>:<details>")
        return value
    if not (parsed.netloc or parsed.path.strip("/")):
        raise ValueError("URI has no bucket, host or path")
    return value


class TableConfigUpsert(TableConfigFields, WriteDTO):
    """Input of ``create_table`` / ``upsert_table``."""

    related_fields = (frozenset({"retention_days", "archive_after_days"}),)

    table_name: Name
    location: Annotated[str, AfterValidator(_check_location)]
    retention_days: int | None = Field(default=None, gt=0, le=36500)
    archive_after_days: int | None = Field(default=None, gt=0, le=36500)
    record_count: int | None = Field(default=None, ge=0)
    size_bytes: int | None = Field(default=None, ge=0)

    @field_validator("cache_level")
    @classmethod
    def _storage_level(cls, value: str | None) -> str | None:
        if value is not None and value.upper() not in SPARK_STORAGE_LEVELS:
            raise ValueError(
                f"must be a Spark storage level: {', '.join(sorted(SPARK_STORAGE_LEVELS))}"
            )
        return value.upper() if value is not None else None

    @field_validator("archive_after_days")
    @classmethod
    def _retention(cls, value: int | None, info: ValidationInfo) -> int | None:
        retention = info.data.get("retention_days")  # declared before, so already validated
        if value is not None and retention is not None and value >= retention:
            raise ValueError("archive_after_days must be less than retention_days")
        return value


class PipelineRunLogUpsert(PipelineRunLogFields, WriteDTO):
    """Input of ``create_run_log`` / ``upsert_run_log``."""

    related_fields = (frozenset({"start_time", "end_time"}),)

    duration_seconds: float | None = Field(default=None, ge=0)
    retry_count: int = Field(default=0, ge=0)
    total_records_processed: int | None = Field(default=None, ge=0)
    total_records_failed: int | None = Field(default=None, ge=0)
    input_data_size_bytes: int | None = Field(default=None, ge=0)
    output_data_size_bytes: int | None = Field(default=None, ge=0)
    cpu_hours: float | None = Field(default=None, ge=0)
    memory_usage_gb: float | None = Field(default=None, ge=0)
    expires_at: int | None = Field(default=None, gt=0)

    @field_validator("end_time")
    @classmethod
    def _end_after_start(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        _check_order(info.data.get("start_time"), value)
        return value


def _check_order(start: datetime | None, end: datetime | None) -> None:
    if start is not None and end is not None and end < start:
        raise ValueError("end_time must not be before start_time")


class PipelineRunLogStatusUpdate(WriteDTO):
    """Input of a run status change; the transition rules are enforced in the write itself."""

    run_id: Identifier
    status: RunStatus
    error_message: str | None = None
    error_stack_trace: str | None = None
    end_time: UTCDateTime | None = None
    current_stage: str | None = None
