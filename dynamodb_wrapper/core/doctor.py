"""The doctor for foreign data: find, and optionally rewrite, values not in the storage form.

Tables are shared with the AWS CLI, boto3 scripts, PynamoDB services and other versions of this
library (``shared/DOMAIN.md``, "the open world"). Reads accept every valid form, but some forms
do harm where they sit: a ``+02:00`` timestamp in a GSI sort key breaks string order, so range
queries miss it. :func:`doctor_table` scans a table (a parallel scan) and checks every item
against a plan built from the model's fields (:func:`~dynamodb_wrapper.core.codec.field_kind`),
at any depth (top level, nested models, list elements):

=========================  =====================================================================
kind                       what was found (``canonical`` form the fix writes)
=========================  =====================================================================
``timestamp``              a datetime not in ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (the same instant
                           in that form)
``bool_key_not_string``    a bool key attribute (``Meta`` key of the table or a GSI) stored as
                           ``BOOL`` (``"true"``/``"false"``)
``bool_as_string``         any other bool stored as ``"true"``/``"false"`` (``BOOL``)
``number_as_string``       an ``int``/``Decimal``/``float`` field stored as a numeric ``S``
                           (``N``)
``invalid_value``          a value of those types that has no canonical form (an unparsable or
                           naive timestamp, ``"yes"`` in a bool, ``"abc"`` in a number): reported,
                           never touched
``unknown_attribute``      an attribute the model does not declare (top level, or inside a nested
                           model): reported by name and count, never touched
=========================  =====================================================================

With ``fix=True`` every item with fixable values gets one conditional ``UpdateItem``: ``SET``
of exactly the offending attributes (paths such as ``stages[2].start_time``) to their canonical
wire form, conditioned on each of them still holding exactly the value that was read. Nothing
else is written (not ``updated_at``, not ``item_version``: the value is the same, only its
spelling changes), so a concurrent writer is never overwritten; a failed condition is counted as
"changed meanwhile" and the item left alone. (An item with more than
``MAX_VALUES_PER_UPDATE`` values to rewrite gets one UpdateItem per 50, each conditioned on its
own values, to stay under DynamoDB's 4 KB expression limit.) An item holding an
``invalid_value`` is not touched at all (it needs a person), nor is a non-canonical value of a
*table* key attribute (rewriting it would be another item).

Resuming: the doctor keeps no state. A fixed value is canonical, so running it again finds only
what is left (and a condition-skipped item is simply found again); an interrupted ``--fix`` is
resumed by running it again, at the price of re-reading the table, never of a wrong write.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from boto3.dynamodb.conditions import ConditionBase
from pydantic import BaseModel

from dynamodb_wrapper.config import DynamoDBConfig
from dynamodb_wrapper.core.codec import decode_value, encode_number, field_kind
from dynamodb_wrapper.core.errors import translate_errors
from dynamodb_wrapper.core.expressions import Attr, Update, WireValue
from dynamodb_wrapper.core.metadata import TableMeta, extract_model_metadata
from dynamodb_wrapper.core.table_gateway import TableGateway, create_table_gateway
from dynamodb_wrapper.core.timeutils import format_utc
from dynamodb_wrapper.exceptions import ConditionCheckFailedError, ValidationError

__all__ = [
    "DoctorProgress",
    "DoctorReport",
    "Finding",
    "ProblemExample",
    "ProblemKind",
    "ProblemSummary",
    "doctor_table",
    "inspect_item",
]

Wire = dict[str, Any]
ProblemKind = Literal[
    "timestamp",
    "bool_key_not_string",
    "bool_as_string",
    "number_as_string",
    "invalid_value",
    "unknown_attribute",
]
#: Kinds a fix rewrites (``invalid_value`` and ``unknown_attribute`` are report-only).
FIXABLE_KINDS: frozenset[str] = frozenset(
    {"timestamp", "bool_key_not_string", "bool_as_string", "number_as_string"}
)
#: Values SET by one UpdateItem: keeps SET + condition under DynamoDB's 4 KB expression limit.
MAX_VALUES_PER_UPDATE = 50
# A path part the expression builder can address as-is (map keys with . or [ cannot).
_SAFE_PART = re.compile(r"[^.\[\]]+")
# A plain decimal literal (what a number written as a string looks like); no spaces, no NaN.
_NUMBER_TEXT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class _Node:
    """How one stored value of a field is checked."""

    kind: str  # a field_kind tag
    label: str  # the field, list elements as ``[]``: ``stages[].start_time``
    bool_key: bool = False
    fields: Mapping[str, _Node] | None = None  # kind "model": its fields
    element: _Node | None = None  # kinds "list" / "map": the element


def _node(kind: tuple[str, Any], label: str, seen: frozenset[type], bool_key: bool) -> _Node:
    tag, detail = kind
    if tag == "model" and detail not in seen:
        return _Node(tag, label, fields=_fields(detail, label + ".", seen | {detail}))
    if tag == "list":
        return _Node(tag, label, element=_node(detail, label + "[]", seen, False))
    if tag == "map":
        return _Node(tag, label, element=_node(detail, label + ".*", seen, False))
    if tag == "model":  # a model containing itself: checked down to the repeat only
        tag = "any"
    return _Node(tag, label, bool_key=bool_key)


def _fields(
    cls: type[BaseModel],
    prefix: str,
    seen: frozenset[type],
    bool_keys: frozenset[str] = frozenset(),
) -> dict[str, _Node]:
    return {
        name: _node(field_kind(info.annotation), prefix + name, seen, name in bool_keys)
        for name, info in cls.model_fields.items()
    }


_plans: dict[type[BaseModel], dict[str, _Node]] = {}


def _plan(model: type[BaseModel], meta: TableMeta) -> dict[str, _Node]:
    plan = _plans.get(model)
    if plan is None:
        plan = _plans.setdefault(model, _fields(model, "", frozenset({model}), meta.bool_keys))
    return plan


# --------------------------------------------------------------------------- checking


@dataclass(frozen=True)
class Finding:
    """One stored value not in the canonical form (or one unknown attribute).

    Attributes:
        kind: What is wrong (see the module docstring).
        field: The model field, list elements as ``[]`` (``stages[].start_time``).
        path: Where in the item (``stages[2].start_time``), usable in an expression.
        stored: The wire value read.
        canonical: The wire value the fix writes; ``None`` when there is none to write.
        note: Why there is no canonical value, or what the stored value is instead.
    """

    kind: ProblemKind
    field: str
    path: str
    stored: Wire
    canonical: Wire | None = None
    note: str | None = None

    @property
    def fixable(self) -> bool:
        return self.canonical is not None


def _join(path: str, part: str | int) -> str:
    return f"{path}[{part}]" if isinstance(part, int) else (f"{path}.{part}" if path else part)


def _scalar(wire: Mapping[str, Any]) -> tuple[str, Any]:
    if len(wire) != 1:
        return "?", None
    ((tag, value),) = wire.items()
    return tag, value


def _check_timestamp(node: _Node, wire: Wire, path: str, out: list[Finding]) -> None:
    tag, value = _scalar(wire)
    if tag != "S":
        if tag != "NULL":
            out.append(Finding("invalid_value", node.label, path, wire, note=f"{tag}, not S"))
        return
    try:
        parsed = datetime.fromisoformat(value)
        canonical = format_utc(parsed)
    except (TypeError, ValueError):  # ValidationError is a ValueError: naive, out of range
        out.append(
            Finding("invalid_value", node.label, path, wire, note="not ISO-8601 with an offset")
        )
        return
    if canonical != value:
        out.append(Finding("timestamp", node.label, path, wire, {"S": canonical}))


def _check_bool(node: _Node, wire: Wire, path: str, out: list[Finding]) -> None:
    tag, value = _scalar(wire)
    if node.bool_key:
        if tag == "BOOL" and isinstance(value, bool):
            text = "true" if value else "false"
            out.append(Finding("bool_key_not_string", node.label, path, wire, {"S": text}))
        elif not (tag == "S" and value in ("true", "false")):
            out.append(Finding("invalid_value", node.label, path, wire, note="not a bool"))
        return
    if tag == "S" and value in ("true", "false"):
        out.append(Finding("bool_as_string", node.label, path, wire, {"BOOL": value == "true"}))
    elif tag not in ("BOOL", "NULL"):
        out.append(Finding("invalid_value", node.label, path, wire, note="not a bool"))


def _check_number(node: _Node, wire: Wire, path: str, out: list[Finding]) -> None:
    tag, value = _scalar(wire)
    if tag in ("N", "NULL"):
        return
    if tag == "S" and isinstance(value, str) and _NUMBER_TEXT.fullmatch(value):
        try:
            number = Decimal(value)
            if node.kind == "int" and number != number.to_integral_value():
                raise ValueError("not an integer")
            text = encode_number(int(number) if node.kind == "int" else number, path)
        except (InvalidOperation, ValueError):  # ValidationError: too many digits, out of range
            pass
        else:
            out.append(Finding("number_as_string", node.label, path, wire, {"N": text}))
            return
    out.append(Finding("invalid_value", node.label, path, wire, note="not a number"))


def _check(node: _Node, wire: Wire, path: str, out: list[Finding]) -> None:
    kind = node.kind
    if kind == "datetime":
        _check_timestamp(node, wire, path, out)
    elif kind == "bool":
        _check_bool(node, wire, path, out)
    elif kind in ("int", "number"):
        _check_number(node, wire, path, out)
    elif kind == "model" and node.fields is not None and "M" in wire:
        _check_fields(node.fields, wire["M"], path, node.label + ".", out)
    elif kind == "list" and node.element is not None and "L" in wire:
        for index, element in enumerate(wire["L"]):
            _check(node.element, element, _join(path, index), out)
    elif kind == "map" and node.element is not None and "M" in wire:
        for key, element in wire["M"].items():
            if _SAFE_PART.fullmatch(key):
                _check(node.element, element, _join(path, key), out)
                continue
            inner: list[Finding] = []  # no expression path reaches this key: report only
            _check(node.element, element, _join(path, key), inner)
            out.extend(_unfixable(f, "a map key with '.' or '[' in its path") for f in inner)


def _check_fields(
    fields: Mapping[str, _Node],
    item: Mapping[str, Wire],
    path: str,
    prefix: str,
    out: list[Finding],
) -> None:
    for name, wire in item.items():
        node = fields.get(name)
        where = _join(path, name)
        if node is None:
            out.append(Finding("unknown_attribute", prefix + name, where, wire))
        else:
            _check(node, wire, where, out)


def inspect_item(model: type[BaseModel], item: Mapping[str, Wire]) -> list[Finding]:
    """Every finding in one wire item of ``model``'s table (nothing is read or written)."""
    meta = extract_model_metadata(model)
    found: list[Finding] = []
    _check_fields(_plan(model, meta), item, "", "", found)
    keys = meta.key_attributes
    return [
        _unfixable(f, "a table key attribute (rewriting it would make another item)")
        if f.fixable and f.path in keys
        else f
        for f in found
    ]


def _unfixable(finding: Finding, note: str) -> Finding:
    if not finding.fixable:
        return finding
    return Finding(finding.kind, finding.field, finding.path, finding.stored, None, note)


# --------------------------------------------------------------------------- the report


@dataclass(frozen=True)
class ProblemExample:
    """One occurrence: the item's key, the path, the value read and its canonical form."""

    key: dict[str, Any]
    path: str
    stored: Any = None
    canonical: Any = None
    note: str | None = None


@dataclass
class ProblemSummary:
    """The occurrences of one kind of problem in one field (values; items for unknown
    attributes), with up to ``max_examples`` examples."""

    kind: ProblemKind
    field: str
    count: int = 0
    examples: list[ProblemExample] = dataclasses.field(default_factory=list)


@dataclass(frozen=True)
class DoctorProgress:
    """Where a running doctor is (passed to ``on_progress``)."""

    table: str
    scanned: int
    estimated_total: int | None
    items_with_problems: int
    fixed_items: int


@dataclass
class DoctorReport:
    """What :func:`doctor_table` found and did in one table.

    Attributes:
        items_non_canonical: Items with at least one non-canonical or invalid value.
        items_with_unknown_attributes: Items holding attributes the model does not declare.
        fixed_items / fixed_values: Items rewritten and values SET (with ``fix=True``).
        skipped_changed: Items whose condition failed: changed meanwhile, left alone.
        unfixable_items: Items not touched: an ``invalid_value``, or only values with no safe
            rewrite (a table key, an unaddressable map key).
    """

    table: str
    model: str
    fix: bool
    segments: int
    scanned: int = 0
    items_non_canonical: int = 0
    items_with_unknown_attributes: int = 0
    fixed_items: int = 0
    fixed_values: int = 0
    skipped_changed: int = 0
    unfixable_items: int = 0
    problems: list[ProblemSummary] = dataclasses.field(default_factory=list)
    seconds: float = 0.0

    @property
    def remaining(self) -> int:
        """Items still holding a non-canonical or invalid value after this run."""
        return self.items_non_canonical - self.fixed_items

    @property
    def clean(self) -> bool:
        """No non-canonical value is left (unknown attributes are allowed: open world)."""
        return self.remaining == 0

    def counts(self) -> dict[str, dict[str, int]]:
        """``{kind: {field: count}}``."""
        out: dict[str, dict[str, int]] = {}
        for problem in self.problems:
            out.setdefault(problem.kind, {})[problem.field] = problem.count
        return out

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON data."""
        return {
            "table": self.table,
            "model": self.model,
            "fix": self.fix,
            "segments": self.segments,
            "scanned": self.scanned,
            "items_non_canonical": self.items_non_canonical,
            "items_with_unknown_attributes": self.items_with_unknown_attributes,
            "fixed_items": self.fixed_items,
            "fixed_values": self.fixed_values,
            "skipped_changed": self.skipped_changed,
            "unfixable_items": self.unfixable_items,
            "remaining": self.remaining,
            "clean": self.clean,
            "seconds": round(self.seconds, 3),
            "problems": [
                {
                    "kind": p.kind,
                    "field": p.field,
                    "count": p.count,
                    "examples": [
                        {
                            name: value
                            for name, value in vars(example).items()
                            if value is not None or name == "key"
                        }
                        for example in p.examples
                    ],
                }
                for p in self.problems
            ],
        }


def _shown(wire: Wire) -> Any:
    """A stored value for an example: scalars decoded, containers summarised."""
    tag, _ = _scalar(wire)
    if tag in ("M", "L"):
        return f"<{tag}>"
    try:
        return decode_value(wire)
    except ValidationError:
        return repr(wire)


class _Tally:
    """The report being built by the segment threads."""

    def __init__(self, report: DoctorReport, max_examples: int) -> None:
        self.report = report
        self.max_examples = max_examples
        self.lock = threading.Lock()
        self._problems: dict[tuple[str, str], ProblemSummary] = {}

    def item(self, key: dict[str, Any], findings: Sequence[Finding]) -> None:
        report = self.report
        with self.lock:
            seen_unknown: set[str] = set()
            for finding in findings:
                if finding.kind == "unknown_attribute":
                    if finding.field in seen_unknown:
                        continue
                    seen_unknown.add(finding.field)
                summary = self._problems.get((finding.kind, finding.field))
                if summary is None:
                    summary = ProblemSummary(finding.kind, finding.field)
                    self._problems[(finding.kind, finding.field)] = summary
                summary.count += 1
                if len(summary.examples) < self.max_examples:
                    unknown = finding.kind == "unknown_attribute"
                    summary.examples.append(
                        ProblemExample(
                            key=key,
                            path=finding.path,
                            stored=None if unknown else _shown(finding.stored),
                            canonical=None
                            if finding.canonical is None
                            else _shown(finding.canonical),
                            note=finding.note,
                        )
                    )
            if seen_unknown:
                report.items_with_unknown_attributes += 1
            if any(f.kind != "unknown_attribute" for f in findings):
                report.items_non_canonical += 1

    def add(self, name: str, count: int = 1) -> None:
        with self.lock:
            setattr(self.report, name, getattr(self.report, name) + count)

    def finish(self) -> DoctorReport:
        self.report.problems = sorted(self._problems.values(), key=lambda p: (p.kind, p.field))
        return self.report


# --------------------------------------------------------------------------- the doctor

#: ``before_fix(key, findings)``: called after an item was read and just before its fix is sent.
BeforeFix = Callable[[dict[str, Any], list[Finding]], None]


def doctor_table(
    config: DynamoDBConfig,
    model: type[BaseModel],
    *,
    fix: bool = False,
    segments: int = 4,
    on_progress: Callable[[DoctorProgress], None] | None = None,
    before_fix: BeforeFix | None = None,
    max_examples: int = 5,
) -> DoctorReport:
    """Scan ``model``'s table for values not in the canonical storage form; fix them if asked.

    Args:
        config: Where the table is.
        model: The table's model (its fields are the plan; its ``Meta`` gives the keys).
        fix: Rewrite fixable values, one conditional ``UpdateItem`` per item (see the module
            docstring); without it nothing is written.
        segments: Parallel scan segments (1-1000), scanned by up to 8 threads.
        on_progress: Called from the scanning threads after every page.
        before_fix: A hook called just before each item's fix is sent (tests inject concurrent
            writers there).
        max_examples: Example occurrences kept per kind and field.

    Raises:
        TableNotFoundError: The table does not exist.
        ValidationError: Bad ``segments`` or ``max_examples``.
    """
    if not isinstance(segments, int) or isinstance(segments, bool) or not 1 <= segments <= 1000:
        raise ValidationError(f"segments must be 1-1000, got {segments!r}", field="segments")
    if not isinstance(max_examples, int) or max_examples < 0:
        raise ValidationError("max_examples must be >= 0", field="max_examples")
    started = time.monotonic()
    gateway = create_table_gateway(config, model)
    meta = gateway.meta
    _plan(model, meta)
    with translate_errors("DescribeTable", gateway.table_name):
        described = gateway.client.describe_table(TableName=gateway.table_name)
    estimate = described.get("Table", {}).get("ItemCount")
    tally = _Tally(
        DoctorReport(table=gateway.table_name, model=model.__name__, fix=fix, segments=segments),
        max_examples,
    )
    stop = threading.Event()

    def progress() -> None:
        if on_progress is not None:
            r = tally.report
            on_progress(
                DoctorProgress(r.table, r.scanned, estimate, r.items_non_canonical, r.fixed_items)
            )

    def scan_segment(segment: int) -> None:
        start_key: dict[str, Wire] | None = None
        while not stop.is_set():
            page = gateway.scan_page(
                segment=segment,
                total_segments=segments,
                start_key=start_key,
                consistent_read=fix,  # the fix conditions on what was read: read the latest
            )
            for item in page.items:
                _doctor_item(gateway, model, item, tally, fix, before_fix)
            tally.add("scanned", len(page.items))
            progress()
            start_key = page.last_evaluated_key
            if start_key is None:
                return

    with ThreadPoolExecutor(max_workers=min(segments, 8)) as pool:
        futures = [pool.submit(scan_segment, s) for s in range(segments)]
        try:
            for future in futures:
                future.result()
        except BaseException:
            stop.set()  # the other segments end after their current page
            raise
    tally.report.seconds = time.monotonic() - started
    return tally.finish()


def _doctor_item(
    gateway: TableGateway,
    model: type[BaseModel],
    item: Mapping[str, Wire],
    tally: _Tally,
    fix: bool,
    before_fix: BeforeFix | None,
) -> None:
    findings = inspect_item(model, item)
    if not findings:
        return
    meta = gateway.meta
    key = {name: decode_value(item[name]) for name in meta.key_attributes}
    tally.item(key, findings)
    problems = [f for f in findings if f.kind != "unknown_attribute"]
    if not fix or not problems:
        return
    fixes = [f for f in problems if f.fixable]
    if len(fixes) != len(problems):
        tally.add("unfixable_items")
        return
    if before_fix is not None:
        before_fix(dict(key), list(fixes))
    try:
        for start in range(0, len(fixes), MAX_VALUES_PER_UPDATE):
            _rewrite(gateway, key, fixes[start : start + MAX_VALUES_PER_UPDATE])
    except ConditionCheckFailedError:
        tally.add("skipped_changed")
        return
    tally.add("fixed_items")
    tally.add("fixed_values", len(fixes))


def _rewrite(gateway: TableGateway, key: dict[str, Any], fixes: Sequence[Finding]) -> None:
    """SET each value to its canonical form if every one still holds what was read."""
    update = Update()
    condition: ConditionBase | None = None
    for finding in fixes:
        assert finding.canonical is not None
        update.set(finding.path, WireValue(finding.canonical))
        same = Attr(finding.path).eq(WireValue(finding.stored))
        condition = same if condition is None else condition & same
    gateway.update_item(key, update, condition=condition, return_values="NONE")
