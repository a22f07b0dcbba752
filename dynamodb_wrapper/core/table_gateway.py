"""``TableGateway``: the thin layer over one DynamoDB table.

The gateway speaks DynamoDB verbs over the shared low-level botocore client. It owns, and is the
only place that owns:

* error translation (every call runs inside ``core.errors.translate_errors``);
* request building with placeholders (``core.expressions.ExpressionBuilder``);
* batch chunking (25 writes / 100 keys) and the UnprocessedItems / UnprocessedKeys loops with
  backoff and a budget — leftovers are raised, never dropped;
* transaction limits (100 actions, one action per item).

It works in UTC wire items, holds no business rules and knows nothing about the domains. Keys are
given as Python values (``{"pipeline_id": "p-1"}``); items go in and come out in wire format.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, Literal

from boto3.dynamodb.conditions import ConditionBase
from pydantic import BaseModel

from dynamodb_wrapper.config import DynamoDBConfig
from dynamodb_wrapper.core.client import get_client
from dynamodb_wrapper.core.codec import (
    KeyIdentity,
    check_item,
    decode_item,
    describe_key,
    encode_key,
    key_identity,
    key_of,
)
from dynamodb_wrapper.core.errors import translate_errors
from dynamodb_wrapper.core.expressions import (
    ExpressionBuilder,
    SortCondition,
    Update,
    build_key_condition,
)
from dynamodb_wrapper.core.fastpath import deliver_body
from dynamodb_wrapper.core.metadata import TableMeta, extract_model_metadata
from dynamodb_wrapper.core.retry import BackoffPolicy
from dynamodb_wrapper.core.wire_models import Envelope, read_response
from dynamodb_wrapper.exceptions import (
    BatchGetError,
    BatchWriteError,
    ConfigurationError,
    ConnectionError,
    DynamoDBWrapperError,
    ValidationError,
)

__all__ = [
    "CapacityMeter",
    "Page",
    "TableGateway",
    "TransactAction",
    "create_table_gateway",
    "transact_write",
]

Wire = dict[str, Any]
WireItem = dict[str, Wire]
ProgressCallback = Callable[[int], None]

MAX_BATCH_WRITE = 25
MAX_BATCH_GET = 100
MAX_TRANSACTION_ACTIONS = 100
_METHODS = {"PutItem": "put_item", "UpdateItem": "update_item", "DeleteItem": "delete_item"}
_ENVELOPES: dict[str, Envelope] = {"GetItem": "Item", "Query": "Items", "Scan": "Items"}


@dataclass
class Page:
    """One Query/Scan response page: wire items, or model instances when the read asked for a
    type (``as_type``)."""

    items: list[Any]
    last_evaluated_key: WireItem | None
    count: int
    scanned_count: int
    consumed_capacity: float | None = None


@dataclass
class CapacityMeter:
    """Consumed capacity units summed per operation (when ``return_consumed_capacity`` is on)."""

    by_operation: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, operation: str, response: Mapping[str, Any]) -> float | None:
        units = _consumed_units(response)
        if units is None:
            return None
        with self._lock:
            self.by_operation[operation] = self.by_operation.get(operation, 0.0) + units
        return units

    @property
    def total(self) -> float:
        return sum(self.by_operation.values())


def _cause_context(exc: DynamoDBWrapperError) -> dict[str, Any]:
    """What a batch error inherits from the error that stopped it."""
    return {
        "retryable": exc.retryable,
        "error_code": exc.error_code,
        "request_id": exc.request_id,
        "retry_attempts": exc.retry_attempts,
    }


def _consumed_units(response: Mapping[str, Any]) -> float | None:
    consumed = response.get("ConsumedCapacity")
    if consumed is None:
        return None
    entries = consumed if isinstance(consumed, list) else [consumed]
    return float(sum(e.get("CapacityUnits", 0.0) for e in entries))


@dataclass(frozen=True)
class TransactAction:
    """One action of a ``TransactWriteItems`` call, built by a gateway's ``tx_*`` methods."""

    request: Mapping[str, Any]
    table: str
    key_id: KeyIdentity


class TableGateway:
    """Raw DynamoDB operations on one table.

    Args:
        client: A low-level botocore DynamoDB client (shared; thread-safe).
        table_name: The physical table name.
        meta: The model metadata of the items stored in the table.
        backoff: Batch re-send policy (UnprocessedItems / UnprocessedKeys).
        return_consumed_capacity: Ask DynamoDB for consumed capacity and sum it in ``capacity``.
    """

    def __init__(
        self,
        client: Any,
        table_name: str,
        meta: TableMeta,
        *,
        backoff: BackoffPolicy | None = None,
        return_consumed_capacity: bool = False,
    ) -> None:
        self.client = client
        self.table_name = table_name
        self.meta = meta
        self.backoff = backoff or BackoffPolicy()
        self.capacity = CapacityMeter()
        self._capacity_arg = {"ReturnConsumedCapacity": "TOTAL"} if return_consumed_capacity else {}

    def __repr__(self) -> str:
        return f"TableGateway(table={self.table_name!r}, model={self.meta.model_name})"

    # ------------------------------------------------------------------ plumbing

    def _call(
        self,
        operation: str,
        method: str,
        request: dict[str, Any],
        as_type: type[BaseModel] | None = None,
    ) -> dict[str, Any]:
        """Send one request. With ``as_type`` (GetItem, Query, Scan) the item(s) come back as
        instances of that model or view, validated straight from the response body on the fast
        path (``core/wire_models.py``)."""
        request.update(self._capacity_arg)
        with translate_errors(operation, self.table_name):
            if as_type is None:
                response: dict[str, Any] = getattr(self.client, method)(**request)
            else:
                with deliver_body():
                    response = getattr(self.client, method)(**request)
        if as_type is not None:
            response = read_response(response, as_type, _ENVELOPES[operation])
        if self._capacity_arg:
            self.capacity.record(operation, response)
        return response

    def _builder(self) -> ExpressionBuilder:
        return ExpressionBuilder(self.meta)

    def encode_key(self, key: Mapping[str, Any]) -> WireItem:
        """The wire primary key from Python values (validated: present, non-empty, sized)."""
        return encode_key(self.meta, key)

    @staticmethod
    def _finish(request: dict[str, Any], builder: ExpressionBuilder) -> dict[str, Any]:
        request.update(builder.request_parts())
        return request

    # ------------------------------------------------------------------ single items

    def get_item(
        self,
        key: Mapping[str, Any],
        *,
        projection: Sequence[str] | None = None,
        consistent_read: bool = False,
        as_type: type[BaseModel] | None = None,
    ) -> Any:
        """The item with ``key`` (a wire item, or an ``as_type`` instance), or ``None``."""
        builder = self._builder()
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": self.encode_key(key),
            "ConsistentRead": consistent_read,
        }
        if projection:
            request["ProjectionExpression"] = builder.projection(projection)
        response = self._call("GetItem", "get_item", self._finish(request, builder), as_type)
        return response.get("Item")

    def put_item(
        self,
        item: WireItem,
        *,
        condition: ConditionBase | None = None,
        return_values: Literal["NONE", "ALL_OLD"] = "NONE",
    ) -> WireItem | None:
        """Write ``item`` (checked against key rules and 400 KB first).

        A failed condition raises ``ConditionCheckFailedError`` carrying the current item.
        Returns the old item when ``return_values="ALL_OLD"``.
        """
        check_item(item, self.meta)
        request: dict[str, Any] = {"TableName": self.table_name, "Item": item}
        return self._write("PutItem", request, self._builder(), condition, return_values)

    def update_item(
        self,
        key: Mapping[str, Any],
        update: Update,
        *,
        condition: ConditionBase | None = None,
        return_values: Literal["NONE", "ALL_OLD", "ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"] = (
            "ALL_NEW"
        ),
    ) -> WireItem | None:
        """Apply ``update`` to the item with ``key`` (creates it unless a condition prevents)."""
        builder = self._builder()
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": self.encode_key(key),
            "UpdateExpression": builder.update(update),
        }
        return self._write("UpdateItem", request, builder, condition, return_values)

    def delete_item(
        self,
        key: Mapping[str, Any],
        *,
        condition: ConditionBase | None = None,
        return_values: Literal["NONE", "ALL_OLD"] = "NONE",
    ) -> WireItem | None:
        """Delete the item with ``key``; returns the old item with ``return_values="ALL_OLD"``."""
        request: dict[str, Any] = {"TableName": self.table_name, "Key": self.encode_key(key)}
        return self._write("DeleteItem", request, self._builder(), condition, return_values)

    def _write(
        self,
        operation: str,
        request: dict[str, Any],
        builder: ExpressionBuilder,
        condition: ConditionBase | None,
        return_values: str = "NONE",
    ) -> WireItem | None:
        """Send a single-item write; a failed condition brings back the stored item."""
        if return_values != "NONE":
            request["ReturnValues"] = return_values
        self._add_condition(request, builder, condition)
        method = _METHODS[operation]
        response = self._call(operation, method, self._finish(request, builder))
        attributes: WireItem | None = response.get("Attributes")
        return attributes

    @staticmethod
    def _add_condition(
        request: dict[str, Any], builder: ExpressionBuilder, condition: ConditionBase | None
    ) -> None:
        if condition is not None:
            request["ConditionExpression"] = builder.condition(condition)
            request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"

    # ------------------------------------------------------------------ query / scan

    def _read_request(
        self,
        builder: ExpressionBuilder,
        *,
        index_name: str | None,
        filter: ConditionBase | None,
        projection: Sequence[str] | None,
        limit: int | None,
        start_key: WireItem | None,
        consistent_read: bool,
        select: Literal["COUNT"] | None,
    ) -> dict[str, Any]:
        request: dict[str, Any] = {"TableName": self.table_name}
        if index_name is not None:
            self.meta.gsi(index_name)  # unknown index → ConfigurationError before any request
            request["IndexName"] = index_name
            if consistent_read:
                raise ValidationError(
                    "consistent reads are not supported on global secondary indexes",
                    field="consistent_read",
                )
        elif consistent_read:
            request["ConsistentRead"] = True
        if filter is not None:
            request["FilterExpression"] = builder.condition(filter)
        if select == "COUNT":
            request["Select"] = "COUNT"
        elif projection:
            request["ProjectionExpression"] = builder.projection(projection)
        if limit is not None:
            if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
                raise ValidationError(f"limit must be a positive int, got {limit!r}", field="limit")
            request["Limit"] = limit
        if start_key is not None:
            request["ExclusiveStartKey"] = start_key
        return request

    def _page(
        self,
        operation: str,
        method: str,
        request: dict[str, Any],
        as_type: type[BaseModel] | None = None,
    ) -> Page:
        response = self._call(operation, method, request, as_type)
        return Page(
            items=response.get("Items", []),
            last_evaluated_key=response.get("LastEvaluatedKey"),
            count=response.get("Count", 0),
            scanned_count=response.get("ScannedCount", 0),
            consumed_capacity=_consumed_units(response),
        )

    def query_page(
        self,
        partition_value: Any,
        *,
        sort: SortCondition | None = None,
        index_name: str | None = None,
        filter: ConditionBase | None = None,
        projection: Sequence[str] | None = None,
        limit: int | None = None,
        start_key: WireItem | None = None,
        scan_forward: bool = True,
        consistent_read: bool = False,
        select: Literal["COUNT"] | None = None,
        as_type: type[BaseModel] | None = None,
    ) -> Page:
        """One Query page on the table or a GSI; the key condition comes from ``Meta``.

        Items are wire items, or ``as_type`` instances (validated) when given."""
        builder = self._builder()
        request = self._read_request(
            builder,
            index_name=index_name,
            filter=filter,
            projection=projection,
            limit=limit,
            start_key=start_key,
            consistent_read=consistent_read,
            select=select,
        )
        request["KeyConditionExpression"] = build_key_condition(
            self.meta, builder, partition_value, sort, index_name
        )
        if not scan_forward:
            request["ScanIndexForward"] = False
        return self._page("Query", "query", self._finish(request, builder), as_type)

    def scan_page(
        self,
        *,
        index_name: str | None = None,
        filter: ConditionBase | None = None,
        projection: Sequence[str] | None = None,
        limit: int | None = None,
        start_key: WireItem | None = None,
        consistent_read: bool = False,
        select: Literal["COUNT"] | None = None,
        segment: int | None = None,
        total_segments: int | None = None,
        as_type: type[BaseModel] | None = None,
    ) -> Page:
        """One Scan page (optionally one segment of a parallel scan); items as in
        :meth:`query_page`."""
        builder = self._builder()
        request = self._read_request(
            builder,
            index_name=index_name,
            filter=filter,
            projection=projection,
            limit=limit,
            start_key=start_key,
            consistent_read=consistent_read,
            select=select,
        )
        if total_segments is not None or segment is not None:
            if total_segments is None or segment is None or not 0 <= segment < total_segments:
                raise ValidationError(
                    "segment and total_segments go together, with 0 <= segment < total_segments",
                    field="segment",
                )
            request["Segment"] = segment
            request["TotalSegments"] = total_segments
        return self._page("Scan", "scan", self._finish(request, builder), as_type)

    def iter_query_pages(self, partition_value: Any, **kwargs: Any) -> Iterator[Page]:
        """Every Query page, following ``LastEvaluatedKey`` (empty filtered pages included)."""
        start_key = kwargs.pop("start_key", None)
        while True:
            page = self.query_page(partition_value, start_key=start_key, **kwargs)
            yield page
            start_key = page.last_evaluated_key
            if start_key is None:
                return

    def iter_scan_pages(self, **kwargs: Any) -> Iterator[Page]:
        """Every Scan page, following ``LastEvaluatedKey``."""
        start_key = kwargs.pop("start_key", None)
        while True:
            page = self.scan_page(start_key=start_key, **kwargs)
            yield page
            start_key = page.last_evaluated_key
            if start_key is None:
                return

    def iter_query_items(self, partition_value: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Every matching item decoded to plain Python (for write-side sweeps)."""
        for page in self.iter_query_pages(partition_value, **kwargs):
            yield from map(decode_item, page.items)

    def iter_scan_items(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Every scanned item decoded to plain Python (for write-side sweeps)."""
        for page in self.iter_scan_pages(**kwargs):
            yield from map(decode_item, page.items)

    def query_count(self, partition_value: Any, **kwargs: Any) -> int:
        """Number of matching items, with ``Select=COUNT`` over all pages (no items fetched)."""
        return sum(
            p.count for p in self.iter_query_pages(partition_value, select="COUNT", **kwargs)
        )

    def scan_count(self, **kwargs: Any) -> int:
        """Number of items (after ``filter``), with ``Select=COUNT`` over all pages."""
        return sum(p.count for p in self.iter_scan_pages(select="COUNT", **kwargs))

    def parallel_scan(self, total_segments: int = 4, **kwargs: Any) -> Iterator[WireItem]:
        """Every item, scanning ``total_segments`` segments concurrently (order not defined).

        Memory stays bounded: at most one page per segment is held at a time.
        """
        if not 1 <= total_segments <= 1_000_000:
            raise ValidationError("total_segments must be >= 1", field="total_segments")
        if total_segments == 1:
            for page in self.iter_scan_pages(**kwargs):
                yield from page.items
            return
        with ThreadPoolExecutor(max_workers=min(total_segments, 8)) as pool:
            starts: dict[int, WireItem | None] = dict.fromkeys(range(total_segments))
            pending = {
                pool.submit(self.scan_page, segment=s, total_segments=total_segments, **kwargs): s
                for s in starts
            }
            while pending:
                future = next(iter(pending))
                segment = pending.pop(future)
                page = future.result()
                yield from page.items
                if page.last_evaluated_key is not None:
                    pending[
                        pool.submit(
                            self.scan_page,
                            segment=segment,
                            total_segments=total_segments,
                            start_key=page.last_evaluated_key,
                            **kwargs,
                        )
                    ] = segment

    # ------------------------------------------------------------------ batches

    def batch_get(
        self,
        keys: Iterable[Mapping[str, Any]],
        *,
        projection: Sequence[str] | None = None,
        consistent_read: bool = False,
        max_workers: int = 1,
    ) -> list[WireItem]:
        """Fetch many items by key (100 per request; UnprocessedKeys re-sent with backoff).

        Duplicate keys are fetched once. Missing items are simply absent; order is not defined.
        With ``max_workers`` > 1 that many requests are in flight at once over the shared client
        (each with its own backoff and budget); a failure stops the requests not yet started.

        Raises:
            BatchGetError: A call failed or the budget ran out; ``unprocessed`` lists every key
                not read and ``items`` those that were.
        """
        unique: dict[KeyIdentity, WireItem] = {}
        for key in keys:
            wire = self.encode_key(key)
            unique.setdefault(key_identity(wire), wire)
        wire_keys = list(unique.values())
        chunks = [
            wire_keys[offset : offset + MAX_BATCH_GET]
            for offset in range(0, len(wire_keys), MAX_BATCH_GET)
        ]
        found: list[WireItem] = []
        failures: list[tuple[list[WireItem], DynamoDBWrapperError | None]] = []
        never_sent: list[WireItem] = []
        if max_workers <= 1 or len(chunks) <= 1:
            for position, chunk in enumerate(chunks):
                leftover, cause = self._get_chunk(chunk, projection, consistent_read, found)
                if leftover:
                    failures.append((leftover, cause))
                    never_sent = [k for later in chunks[position + 1 :] for k in later]
                    break
        else:
            with ThreadPoolExecutor(max_workers=max_workers) as pool:
                futures = [
                    pool.submit(self._get_chunk, chunk, projection, consistent_read, found)
                    for chunk in chunks
                ]
                for chunk, future in zip(chunks, futures, strict=True):
                    if failures and future.cancel():
                        never_sent.extend(chunk)
                        continue
                    leftover, cause = future.result()
                    if leftover:
                        failures.append((leftover, cause))
        if not failures:
            return found
        unprocessed = [*(k for leftover, _ in failures for k in leftover), *never_sent]
        cause = failures[0][1]
        if cause is None:
            raise BatchGetError(
                f"{len(unprocessed)} key(s) still unprocessed after the retry budget",
                unprocessed=unprocessed,
                items=found,
                operation="BatchGetItem",
                table=self.table_name,
                retryable=True,
            )
        raise BatchGetError(
            f"batch get failed: {cause.message}",
            unprocessed=unprocessed,
            items=found,
            operation="BatchGetItem",
            table=self.table_name,
            **_cause_context(cause),
        ) from cause

    def _get_chunk(
        self,
        keys: list[WireItem],
        projection: Sequence[str] | None,
        consistent_read: bool,
        found: list[WireItem],
    ) -> tuple[list[WireItem], DynamoDBWrapperError | None]:
        """Read one chunk of keys into ``found`` until done or out of budget: ``(leftover,
        cause)``; leftover is empty on success, ``cause`` the error that stopped it (``None``:
        the budget ran out)."""
        builder = self._builder()
        table_request: dict[str, Any] = {"Keys": keys, "ConsistentRead": consistent_read}
        if projection:
            wanted = list(dict.fromkeys([*self.meta.key_attributes, *projection]))
            table_request["ProjectionExpression"] = builder.projection(wanted)
            table_request.update(builder.request_parts())
        started = self.backoff.clock()
        attempt = 0
        while True:
            try:
                response = self._call(
                    "BatchGetItem",
                    "batch_get_item",
                    {"RequestItems": {self.table_name: table_request}},
                )
            except DynamoDBWrapperError as exc:
                return table_request["Keys"], exc
            found.extend(response.get("Responses", {}).get(self.table_name, []))  # atomic
            left = response.get("UnprocessedKeys", {}).get(self.table_name)
            if not left or not left.get("Keys"):
                return [], None
            attempt += 1
            delay = self.backoff.next_delay(attempt, started)
            if delay is None:
                return left["Keys"], None
            self.backoff.sleep(delay)
            table_request = {**table_request, "Keys": left["Keys"]}

    def batch_write(
        self,
        puts: Iterable[WireItem] = (),
        deletes: Iterable[Mapping[str, Any]] = (),
        *,
        on_progress: ProgressCallback | None = None,
        max_workers: int = 1,
    ) -> int:
        """Write and delete many items (25 per request; UnprocessedItems re-sent with backoff).

        Every item is checked (keys, 400 KB) and duplicate keys are rejected before anything is
        sent. With ``max_workers=1`` chunks go out one after another, in input order; with more,
        that many chunks are in flight at once over the shared client (each still with its own
        backoff and budget), and a failure stops the chunks not yet started.

        Args:
            puts: Wire items to put (overwrite).
            deletes: Python keys to delete.
            on_progress: Called with the number of requests confirmed so far after each response.
            max_workers: Chunks sent concurrently.

        Returns:
            The number of requests written.

        Raises:
            ValidationError: Bad or duplicate item/key (nothing sent).
            BatchWriteError: A call failed or the budget ran out; ``unprocessed`` holds every
                request not confirmed written (never dropped), ``written`` the count confirmed.
        """
        requests = self.batch_requests(puts, deletes)
        chunks = [
            requests[offset : offset + MAX_BATCH_WRITE]
            for offset in range(0, len(requests), MAX_BATCH_WRITE)
        ]
        confirmed = [0]
        lock = threading.Lock()

        def confirm(count: int) -> None:
            with lock:  # the callback runs under the lock too: totals arrive in order
                confirmed[0] += count
                if on_progress is not None:
                    on_progress(confirmed[0])

        if max_workers <= 1 or len(chunks) <= 1:
            for position, chunk in enumerate(chunks):
                leftover, cause = self._write_chunk(chunk, confirm)
                if leftover:
                    rest = [r for later in chunks[position + 1 :] for r in later]
                    raise self._batch_error(leftover, rest, confirmed[0], cause)
            return confirmed[0]
        with ThreadPoolExecutor(max_workers=max_workers) as pool:
            futures = [pool.submit(self._write_chunk, chunk, confirm) for chunk in chunks]
            failures: list[tuple[list[Wire], DynamoDBWrapperError | None]] = []
            never_sent: list[Wire] = []
            for chunk, future in zip(chunks, futures, strict=True):
                if failures and future.cancel():
                    never_sent.extend(chunk)
                    continue
                leftover, cause = future.result()
                if leftover:
                    failures.append((leftover, cause))
        if failures:
            unprocessed = [r for leftover, _ in failures for r in leftover]
            raise self._batch_error(unprocessed, never_sent, confirmed[0], failures[0][1])
        return confirmed[0]

    def batch_requests(
        self, puts: Iterable[WireItem] = (), deletes: Iterable[Mapping[str, Any]] = ()
    ) -> list[Wire]:
        """The ``PutRequest``/``DeleteRequest`` entries of a batch write, every item checked
        (keys, limits) and duplicate keys refused; sends nothing.

        Raises:
            ValidationError: Bad or duplicate item/key.
        """
        requests: list[Wire] = []
        seen: dict[KeyIdentity, int] = {}
        for item in puts:
            check_item(item, self.meta)
            requests.append({"PutRequest": {"Item": item}})
            self._reject_duplicate(seen, key_of(item, self.meta), len(requests) - 1)
        for key in deletes:
            wire_key = self.encode_key(key)
            requests.append({"DeleteRequest": {"Key": wire_key}})
            self._reject_duplicate(seen, wire_key, len(requests) - 1)
        return requests

    def _write_chunk(
        self, pending: list[Wire], confirm: Callable[[int], None]
    ) -> tuple[list[Wire], DynamoDBWrapperError | None]:
        """Send one chunk until done or out of budget: ``(leftover, cause)``; leftover is empty
        on success, ``cause`` is the error that stopped it (``None``: the budget ran out)."""
        started = self.backoff.clock()
        attempt = 0
        while True:
            try:
                response = self._call(
                    "BatchWriteItem",
                    "batch_write_item",
                    {"RequestItems": {self.table_name: pending}},
                )
            except DynamoDBWrapperError as exc:
                return pending, exc
            left = response.get("UnprocessedItems", {}).get(self.table_name, [])
            confirm(len(pending) - len(left))
            pending = left
            if not pending:
                return [], None
            attempt += 1
            delay = self.backoff.next_delay(attempt, started)
            if delay is None:
                return pending, None
            self.backoff.sleep(delay)

    def _batch_error(
        self,
        leftover: list[Wire],
        rest: list[Wire],
        written: int,
        cause: DynamoDBWrapperError | None,
    ) -> BatchWriteError:
        if cause is None:
            message = (
                f"{len(leftover)} request(s) still unprocessed after the retry budget; "
                f"{written} written"
            )
            context: dict[str, Any] = {"retryable": True}
        else:
            message = f"batch write failed after {written} request(s): {cause.message}"
            context = _cause_context(cause)
        error = BatchWriteError(
            message,
            unprocessed=[*leftover, *rest],
            written=written,
            operation="BatchWriteItem",
            table=self.table_name,
            **context,
        )
        error.__cause__ = cause
        return error

    def _reject_duplicate(self, seen: dict[KeyIdentity, int], key: WireItem, position: int) -> None:
        key_id = key_identity(key)
        first = seen.setdefault(key_id, position)
        if first != position:
            raise ValidationError(
                f"duplicate key {describe_key(key_id)} at positions {first} and {position} of "
                "one batch (DynamoDB would reject the whole batch); nothing was written",
                field=self.meta.partition_key,
            )

    # ------------------------------------------------------------------ transactions

    def tx_put(self, item: WireItem, *, condition: ConditionBase | None = None) -> TransactAction:
        """A Put action for :func:`transact_write`."""
        check_item(item, self.meta)
        builder = self._builder()
        request: dict[str, Any] = {"TableName": self.table_name, "Item": item}
        self._add_condition(request, builder, condition)
        return TransactAction(
            {"Put": self._finish(request, builder)},
            self.table_name,
            key_identity(key_of(item, self.meta)),
        )

    def tx_update(
        self, key: Mapping[str, Any], update: Update, *, condition: ConditionBase | None = None
    ) -> TransactAction:
        """An Update action for :func:`transact_write`."""
        builder = self._builder()
        wire_key = self.encode_key(key)
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": wire_key,
            "UpdateExpression": builder.update(update),
        }
        self._add_condition(request, builder, condition)
        return TransactAction(
            {"Update": self._finish(request, builder)}, self.table_name, key_identity(wire_key)
        )

    def tx_delete(
        self, key: Mapping[str, Any], *, condition: ConditionBase | None = None
    ) -> TransactAction:
        """A Delete action for :func:`transact_write`."""
        builder = self._builder()
        wire_key = self.encode_key(key)
        request: dict[str, Any] = {"TableName": self.table_name, "Key": wire_key}
        self._add_condition(request, builder, condition)
        return TransactAction(
            {"Delete": self._finish(request, builder)}, self.table_name, key_identity(wire_key)
        )

    def tx_condition_check(
        self, key: Mapping[str, Any], condition: ConditionBase
    ) -> TransactAction:
        """A ConditionCheck action for :func:`transact_write`."""
        builder = self._builder()
        wire_key = self.encode_key(key)
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": wire_key,
            "ConditionExpression": builder.condition(condition),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        return TransactAction(
            {"ConditionCheck": self._finish(request, builder)},
            self.table_name,
            key_identity(wire_key),
        )

    def transact_write(
        self, actions: Sequence[TransactAction], *, client_request_token: str | None = None
    ) -> str:
        """Run ``actions`` atomically with this gateway's client (see :func:`transact_write`)."""
        return transact_write(
            self.client, actions, client_request_token=client_request_token, backoff=self.backoff
        )

    def transact_get(
        self, keys: Sequence[Mapping[str, Any]], *, projection: Sequence[str] | None = None
    ) -> list[WireItem | None]:
        """Read up to 100 items in one serializable snapshot; ``None`` where an item is absent."""
        if not 1 <= len(keys) <= MAX_TRANSACTION_ACTIONS:
            raise ValidationError(
                f"transact_get takes 1..{MAX_TRANSACTION_ACTIONS} keys, got {len(keys)}",
                field="keys",
            )
        gets = []
        seen: dict[KeyIdentity, int] = {}
        for position, key in enumerate(keys):
            wire_key = self.encode_key(key)
            self._reject_duplicate(seen, wire_key, position)
            builder = self._builder()
            get: dict[str, Any] = {"TableName": self.table_name, "Key": wire_key}
            if projection:
                get["ProjectionExpression"] = builder.projection(projection)
            gets.append({"Get": self._finish(get, builder)})
        response = self._call("TransactGetItems", "transact_get_items", {"TransactItems": gets})
        return [r.get("Item") for r in response.get("Responses", [])]


def transact_write(
    client: Any,
    actions: Sequence[TransactAction],
    *,
    client_request_token: str | None = None,
    resends: int = 2,
    backoff: BackoffPolicy | None = None,
) -> str:
    """Run up to 100 actions (on any tables) atomically.

    Every call carries one explicit ``ClientRequestToken``, which makes it idempotent for 10
    minutes. When the connection fails even after botocore's retries (the transaction may or
    may not have been applied), the library re-sends it up to ``resends`` times **with the same
    token**, so it is applied at most once. Pass the returned token again to re-send it yourself.

    Returns:
        The client request token used.

    Raises:
        ValidationError: No actions, more than 100, or two actions on one item (nothing sent).
        TransactionCanceledError: With ``reasons`` aligned one-to-one with ``actions``.
        ConnectionError: Still unreachable after the re-sends; its ``client_request_token``
            is the token to re-send with.
    """
    if not 1 <= len(actions) <= MAX_TRANSACTION_ACTIONS:
        raise ValidationError(
            f"a transaction takes 1..{MAX_TRANSACTION_ACTIONS} actions, got {len(actions)}",
            field="actions",
        )
    seen: set[tuple[str, KeyIdentity]] = set()
    for position, action in enumerate(actions):
        identity = (action.table, action.key_id)
        if identity in seen:
            raise ValidationError(
                f"action #{position} touches item {describe_key(action.key_id)} of {action.table} "
                "again; DynamoDB allows one action per item in a transaction",
                field="actions",
            )
        seen.add(identity)
    token = str(uuid.uuid4()) if client_request_token is None else client_request_token
    if not isinstance(token, str) or not 1 <= len(token) <= 36:
        raise ValidationError(
            "client_request_token must be 1-36 characters", field="client_request_token"
        )
    policy = backoff or BackoffPolicy()
    items = [dict(a.request) for a in actions]
    tables = ",".join(sorted({a.table for a in actions}))
    for attempt in range(resends + 1):
        try:
            with translate_errors("TransactWriteItems", tables):
                client.transact_write_items(TransactItems=items, ClientRequestToken=token)
            return token
        except ConnectionError as exc:
            if attempt == resends:
                exc.client_request_token = token  # the caller can re-send it safely later
                raise
            policy.sleep(policy.delay(attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


def create_table_gateway(
    config: DynamoDBConfig,
    model: type[BaseModel] | str,
    *,
    backoff: BackoffPolicy | None = None,
) -> TableGateway:
    """A gateway for ``model``'s table (or the model whose ``Meta.table_name`` is ``model``).

    The client is the shared one for ``config``; the batch policy comes from the config unless
    ``backoff`` is given.

    Raises:
        ConfigurationError: Unknown or ambiguous base table name.
    """
    if isinstance(model, str):
        from dynamodb_wrapper.core.model import models_for_table

        # The package imports its models lazily: make sure the library's own are registered.
        import_module("dynamodb_wrapper.models.domain_models")
        candidates = models_for_table(model)
        if len(candidates) != 1:
            raise ConfigurationError(
                f"{len(candidates)} models declare Meta.table_name={model!r}; "
                "pass the model class instead"
                if candidates
                else f"no model declares Meta.table_name={model!r}"
            )
        model = candidates[0]
    meta = extract_model_metadata(model)
    policy = backoff or BackoffPolicy(
        max_attempts=config.batch_max_attempts,
        base_delay=config.batch_base_delay,
        max_delay=config.batch_max_delay,
        time_budget=config.batch_time_budget,
    )
    return TableGateway(
        get_client(config),
        config.get_table_name(meta.table_name),
        meta,
        backoff=policy,
        return_consumed_capacity=config.return_consumed_capacity,
    )
