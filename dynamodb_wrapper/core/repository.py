"""Generic CQRS bases: ``ReadApi[Model, View]`` and ``WriteApi[Model, Dto]``.

A domain handler subclasses these, sets a few class attributes (``model``, ``view``, ``dto``,
error classes) and adds methods whose names carry the domain, each a short call to a primitive
here. Everything generic lives once, in this module:

* reads: get with projection, table/GSI queries with key ranges and direction, paginated scans,
  ``Select=COUNT`` counts, batch get, opaque validated ``next_token`` s, lazy iterators, and time
  zone conversion of every datetime in a result (per-call zone > ``config.user_timezone`` > UTC);
* writes: create (``ConflictError`` if the key exists), upsert keeping ``created_at`` in one
  conditional write, partial update with validation and an optional condition, delete, batch
  upsert, transactions.

Conventions: reads return ``None`` for a missing item; writes that address a missing item raise
the domain's ``ItemNotFoundError`` subclass.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from datetime import tzinfo
from typing import Any, ClassVar, Generic, TypeVar

import pydantic
from boto3.dynamodb.conditions import ConditionBase
from pydantic import BaseModel

from dynamodb_wrapper.config import DynamoDBConfig
from dynamodb_wrapper.core._gc import gc_paused
from dynamodb_wrapper.core.codec import (
    decode_item,
    encode_item,
    encode_key,
    encode_key_value,
    key_identity,
    key_of,
)
from dynamodb_wrapper.core.expressions import (
    Attr,
    ExpressionBuilder,
    SortCondition,
    Update,
    WireValue,
)
from dynamodb_wrapper.core.model import (
    DynamoModel,
    FlexibleView,
    StrictModel,
    carry_unknown,
    carry_unknown_value,
    localize_datetimes,
    stored_model,
    validation_error,
)
from dynamodb_wrapper.core.pagination import decode_token, encode_token, query_fingerprint
from dynamodb_wrapper.core.retry import BackoffPolicy
from dynamodb_wrapper.core.table_gateway import (
    Page,
    TableGateway,
    TransactAction,
    create_table_gateway,
)
from dynamodb_wrapper.core.timeutils import format_utc, get_zone, utc_now
from dynamodb_wrapper.exceptions import (
    ConditionCheckFailedError,
    DynamoDBWrapperError,
    ItemAlreadyExistsError,
    ItemNotFoundError,
    ValidationError,
    VersionConflictError,
)

__all__ = ["MAX_PAGE_SIZE", "ReadApi", "WriteApi"]

ModelT = TypeVar("ModelT", bound=DynamoModel)
ViewT = TypeVar("ViewT", bound=FlexibleView)
DtoT = TypeVar("DtoT", bound=StrictModel)
AnyView = TypeVar("AnyView", bound=FlexibleView)

MAX_PAGE_SIZE = 1000
_log = logging.getLogger(__name__)
_GC_PAUSE_ITEMS = 32  # pages this long are decoded with the cyclic GC paused (core/_gc.py)
_FILTERED_PAGE = 100  # items evaluated per request when a filter may drop many of them


class _Api(Generic[ModelT]):
    """What both sides share: config, gateway, metadata, key building."""

    model: ClassVar[type[DynamoModel]]
    not_found_error: ClassVar[type[ItemNotFoundError]] = ItemNotFoundError

    def __init__(
        self, config: DynamoDBConfig | None = None, *, gateway: TableGateway | None = None
    ) -> None:
        self.config = config if config is not None else DynamoDBConfig.from_env()
        self.gateway = gateway or create_table_gateway(self.config, self.model)
        self.meta = self.gateway.meta

    def _key(self, *values: Any) -> dict[str, Any]:
        """``{partition_key: v[, sort_key: v]}`` from positional values, in Meta order."""
        names = self.meta.key_attributes
        if len(values) != len(names):
            raise ValidationError(f"{self.meta.model_name} key takes {len(names)} value(s)")
        return dict(zip(names, values, strict=True))

    def _checked(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Key values checked (and normalised) by the model's own field rules, so a malformed
        id is a ``ValidationError`` before any request rather than a silent miss."""
        out: dict[str, Any] = {}
        for name, value in values.items():
            if name not in self.model.model_fields:
                out[name] = value
                continue
            out[name] = _validate_field(self.model, self.model, name, value)
        return out

    def _get_model(self, key: Mapping[str, Any], *, consistent_read: bool = True) -> ModelT | None:
        """The complete domain model (UTC), or ``None``."""
        model: ModelT | None = self.gateway.get_item(
            key, consistent_read=consistent_read, as_type=self.model
        )
        return model

    def _not_found(self, key: Mapping[str, Any], cause: Exception | None = None) -> Exception:
        error = self.not_found_error(
            f"{self.meta.model_name} {dict(key)} does not exist",
            key=key,
            table=self.gateway.table_name,
        )
        error.__cause__ = cause
        return error


class ReadApi(_Api[ModelT], Generic[ModelT, ViewT]):
    """Generic read side. Subclasses set ``model`` and ``view``."""

    view: ClassVar[type[FlexibleView]]

    # ------------------------------------------------------------------ helpers

    def _zone(self, user_timezone: str | None) -> tzinfo | None:
        name = user_timezone if user_timezone is not None else self.config.user_timezone
        return get_zone(name) if name is not None else None

    def _projection(
        self, projection: Sequence[str] | None, view: type[FlexibleView], index: str | None
    ) -> list[str] | None:
        fields = list(projection) if projection is not None else view.projection_fields()
        if fields is None:
            return None
        if isinstance(projection, str):
            raise ValidationError("projection must be a list of field names", field="projection")
        # Validate names against the model, then add the keys needed to resume pagination.
        ExpressionBuilder(self.meta, self.model.model_fields).projection(fields)
        keys = [*self.meta.key_attributes]
        if index is not None:
            keys.extend(a for a in self.meta.index_keys(index) if a is not None)
        return list(dict.fromkeys([*fields, *keys]))

    def _views(
        self, items: Iterable[Mapping[str, Any]], view: type[AnyView], zone: tzinfo | None
    ) -> list[AnyView]:
        items = items if isinstance(items, list) else list(items)
        with gc_paused() if len(items) >= _GC_PAUSE_ITEMS else nullcontext():
            return _localized([view.from_dynamodb_item(item) for item in items], zone)

    def _secret(self) -> bytes | None:
        secret = self.config.pagination_secret
        return secret.get_secret_value().encode("utf-8") if secret is not None else None

    @staticmethod
    def _check_limit(limit: int) -> int:
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValidationError(
                f"limit must be an int from 1 to {MAX_PAGE_SIZE}, got {limit!r}", field="limit"
            )
        return limit

    def _resume_key(self, item: Mapping[str, Any], index: str | None) -> dict[str, Any]:
        names = [*self.meta.key_attributes]
        if index is not None:
            names.extend(a for a in self.meta.index_keys(index) if a is not None)
        return {name: item[name] for name in dict.fromkeys(names)}

    def _filter_signature(self, filter: ConditionBase | None) -> Any:
        if filter is None:
            return None
        builder = ExpressionBuilder(self.meta)
        return [builder.condition(filter), builder.names, builder.values]

    def _collect(
        self,
        fetch: Callable[..., Page],
        *,
        limit: int,
        start_key: dict[str, Any] | None,
        filtered: bool,
        index: str | None,
        view: type[BaseModel],
    ) -> tuple[list[Any], dict[str, Any] | None]:
        """Up to ``limit`` items from successive pages, and an honest resume key.

        An unfiltered read asks DynamoDB for exactly the items still missing, so no page holds
        more than needed, and its items arrive already validated as ``view`` (straight from the
        response body on the fast path). A filtered read follows empty pages (the filter dropped
        everything) and may receive more items than needed: it collects wire items, so that the
        resume key is built from the last item *returned* and nothing is skipped.
        """
        items: list[Any] = []
        key = start_key
        while True:
            remaining = limit - len(items)
            if filtered:
                page = fetch(limit=max(remaining, _FILTERED_PAGE), start_key=key, as_type=None)
            else:
                page = fetch(limit=remaining, start_key=key, as_type=view)
            if len(page.items) > remaining:
                items.extend(page.items[:remaining])
                return items, self._resume_key(items[-1], index)
            items.extend(page.items)
            key = page.last_evaluated_key
            if key is None or len(items) >= limit:
                return items, key

    # ------------------------------------------------------------------ primitives

    def _get(
        self,
        key: Mapping[str, Any],
        *,
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
        view: type[AnyView] | None = None,
        consistent_read: bool = False,
    ) -> AnyView | None:
        """One item as ``view`` (default: the full view), or ``None``."""
        view_cls: Any = view or self.view
        zone = self._zone(user_timezone)
        result: AnyView | None = self.gateway.get_item(
            self._checked(key),
            projection=self._projection(projection, view_cls, None),
            consistent_read=consistent_read,
            as_type=view_cls,
        )
        if result is None or zone is None:
            return result
        return localize_datetimes(result, zone)

    def _query(
        self,
        partition_value: Any,
        *,
        index: str | None = None,
        sort: SortCondition | None = None,
        filter: ConditionBase | None = None,
        limit: int = 50,
        next_token: str | None = None,
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
        newest_first: bool = False,
        view: type[AnyView] | None = None,
    ) -> tuple[list[AnyView], str | None]:
        """One page of a table or GSI query: ``(items, next_token)``.

        ``newest_first`` sorts by the sort key descending. ``next_token`` must come from the
        same query (same index, partition, range, filter and direction).
        """
        view_cls: Any = view or self.view
        zone = self._zone(user_timezone)
        self._check_limit(limit)
        partition_key, _ = self.meta.index_keys(index)
        partition_value = self._checked({partition_key: partition_value})[partition_key]
        partition_wire = encode_key_value(self.meta, partition_key, partition_value)
        fingerprint = query_fingerprint(
            "query",
            self.gateway.table_name,
            index,
            partition_wire,
            None if sort is None else [sort.operator, *map(str, sort.values)],
            self._filter_signature(filter),
            newest_first,
        )
        fields = self._projection(projection, view_cls, index)

        def fetch(limit: int, start_key: dict[str, Any] | None, as_type: Any) -> Page:
            return self.gateway.query_page(
                partition_value,
                sort=sort,
                index_name=index,
                filter=filter,
                projection=fields,
                limit=limit,
                start_key=start_key,
                scan_forward=not newest_first,
                as_type=as_type,
            )

        return self._paged(
            fetch,
            fingerprint=fingerprint,
            next_token=next_token,
            limit=limit,
            filtered=filter is not None,
            index=index,
            partition_wire=partition_wire,
            view=view_cls,
            zone=zone,
        )

    def _scan(
        self,
        *,
        filter: ConditionBase | None = None,
        limit: int = 50,
        next_token: str | None = None,
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
        view: type[AnyView] | None = None,
    ) -> tuple[list[AnyView], str | None]:
        """One page of a table scan: ``(items, next_token)``."""
        view_cls: Any = view or self.view
        zone = self._zone(user_timezone)
        self._check_limit(limit)
        fingerprint = query_fingerprint(
            "scan", self.gateway.table_name, self._filter_signature(filter)
        )
        fields = self._projection(projection, view_cls, None)

        def fetch(limit: int, start_key: dict[str, Any] | None, as_type: Any) -> Page:
            return self.gateway.scan_page(
                filter=filter,
                projection=fields,
                limit=limit,
                start_key=start_key,
                as_type=as_type,
            )

        return self._paged(
            fetch,
            fingerprint=fingerprint,
            next_token=next_token,
            limit=limit,
            filtered=filter is not None,
            index=None,
            partition_wire=None,
            view=view_cls,
            zone=zone,
        )

    def _paged(
        self,
        fetch: Callable[..., Page],
        *,
        fingerprint: str,
        next_token: str | None,
        limit: int,
        filtered: bool,
        index: str | None,
        partition_wire: dict[str, Any] | None,
        view: type[AnyView],
        zone: tzinfo | None,
    ) -> tuple[list[AnyView], str | None]:
        """Resume from ``next_token`` (validated), collect one page, issue the next token."""
        start_key = None
        if next_token is not None:
            start_key = decode_token(
                next_token,
                fingerprint,
                self.meta,
                index_name=index,
                partition_value=partition_wire,
                secret=self._secret(),
                max_age=self.config.pagination_token_ttl,
            )
        with gc_paused() if limit >= _GC_PAUSE_ITEMS else nullcontext():
            items, last_key = self._collect(
                fetch,
                limit=limit,
                start_key=start_key,
                filtered=filtered,
                index=index,
                view=view,
            )
            token = encode_token(last_key, fingerprint, self._secret())
            if not filtered:
                return _localized(items, zone), token
            views = self._views(items, view, zone)
            # Free the wire items while the collector is still paused: re-enabling it starts a
            # collection over every young object, and they are most of them.
            items.clear()
        return views, token

    def _iterate(
        self, page: Callable[..., tuple[list[AnyView], str | None]], **kwargs: Any
    ) -> Iterator[AnyView]:
        """Every item of ``page``'s query, fetched page by page (flat memory)."""
        kwargs.setdefault("limit", MAX_PAGE_SIZE)
        token: str | None = kwargs.pop("next_token", None)
        while True:
            items, token = page(next_token=token, **kwargs)
            yield from items
            if token is None:
                return

    def _count(
        self,
        partition_value: Any = None,
        *,
        index: str | None = None,
        sort: SortCondition | None = None,
        filter: ConditionBase | None = None,
    ) -> int:
        """Number of matching items with ``Select=COUNT`` (a scan when no partition is given)."""
        if partition_value is None:
            return self.gateway.scan_count(filter=filter, index_name=index)
        partition_key, _ = self.meta.index_keys(index)
        partition_value = self._checked({partition_key: partition_value})[partition_key]
        return self.gateway.query_count(partition_value, index_name=index, sort=sort, filter=filter)

    def _batch_get(
        self,
        keys: Iterable[Mapping[str, Any]],
        *,
        projection: Sequence[str] | None = None,
        user_timezone: str | None = None,
        view: type[AnyView] | None = None,
    ) -> list[AnyView]:
        """Many items by key (missing ones are absent; order follows ``keys``)."""
        view_cls: Any = view or self.view
        zone = self._zone(user_timezone)
        keys = [self._checked(key) for key in keys]
        items = self.gateway.batch_get(
            keys,
            projection=self._projection(projection, view_cls, None),
            max_workers=self.config.batch_write_workers,
        )
        by_key = {key_identity(key_of(item, self.meta)): item for item in items}
        ordered = []
        for key in keys:
            found = by_key.pop(key_identity(encode_key(self.meta, key)), None)
            if found is not None:
                ordered.append(found)
        return self._views(ordered, view_cls, zone)


class WriteApi(_Api[ModelT], Generic[ModelT, DtoT]):
    """Generic write side. Subclasses set ``model``, ``dto`` and the error classes."""

    dto: ClassVar[type[StrictModel]]
    already_exists_error: ClassVar[type[ItemAlreadyExistsError]] = ItemAlreadyExistsError
    #: Fields a partial update may not touch (keys are refused anyway).
    immutable_fields: ClassVar[frozenset[str]] = frozenset({"created_at", "updated_at"})
    #: Stored fields that ``_check_replacement`` needs when a batch upsert replaces items.
    replacement_checked_fields: ClassVar[tuple[str, ...]] = ()
    #: How a read-validate-write retries when another writer changed the item in between:
    #: jittered exponential backoff within a time budget (contention is normal, not an error).
    contention: ClassVar[BackoffPolicy] = BackoffPolicy(
        max_attempts=200, base_delay=0.005, max_delay=0.2, time_budget=30.0
    )

    def _check_replacement(self, stored: Mapping[str, Any], new: ModelT) -> None:
        """Refuse replacing ``stored`` by ``new`` in a batch upsert (batch writes carry no
        conditions, so the domain rule is checked on the items read first). Default: allowed."""

    # ------------------------------------------------------------------ helpers

    @functools.cached_property
    def _stamped(self) -> bool:
        """Whether the model keeps ``created_at``/``updated_at`` (maintained automatically)."""
        return {"created_at", "updated_at"} <= self.model.model_fields.keys()

    def _build(self, dto: StrictModel, **overrides: Any) -> ModelT:
        """The domain model for ``dto``, stamped ``created_at = updated_at = now``, version 1."""
        if not isinstance(dto, self.dto):
            raise ValidationError(
                f"expected a {self.dto.__name__}, got {type(dto).__name__}", field="dto"
            )
        now = utc_now()
        stamps: dict[str, Any] = {"created_at": now, "updated_at": now} if self._stamped else {}
        if self.meta.version_attribute is not None:
            stamps[self.meta.version_attribute] = 1
        data = {**stamps, **dto.__dict__, **overrides}  # dict(dto) iterates in Python
        model: Any = self.model.model_validate(data)
        return model  # type: ignore[no-any-return]

    def _exists_condition(self) -> ConditionBase:
        return Attr(self.meta.partition_key).exists()

    def _validated_changes(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(changes, Mapping) or not changes:
            raise ValidationError(
                "changes must be a non-empty dict of field: value", field="changes"
            )
        out: dict[str, Any] = {}
        for name, value in changes.items():
            if name in self.meta.key_attributes:
                raise ValidationError(f"key field {name!r} cannot be changed", field=name)
            if name in self.immutable_fields or name == self.meta.version_attribute:
                raise ValidationError(f"field {name!r} cannot be changed", field=name)
            # None is validated too: only fields that may be None can be removed.
            out[name] = _validate_field(self.dto, self.model, name, value)
        return out

    # ------------------------------------------------------------------ primitives

    def _create(self, dto: StrictModel, **overrides: Any) -> ModelT:
        """Insert a new item (version 1); ``already_exists_error`` if the key is taken."""
        model = self._build(dto, **overrides)
        item = encode_item(model, self.meta, check=False)  # gateway checks
        try:
            self.gateway.put_item(item, condition=Attr(self.meta.partition_key).not_exists())
        except ConditionCheckFailedError as exc:
            if _own_write(exc, item.get("updated_at")):
                return model  # our first attempt was stored; only its response was lost
            key = {k: getattr(model, k) for k in self.meta.key_attributes}
            raise self.already_exists_error(
                f"{self.meta.model_name} {key} already exists", item=exc.item, **exc.context()
            ) from exc
        return model

    def _upsert(
        self, dto: StrictModel, *, condition: ConditionBase | None = None, **overrides: Any
    ) -> ModelT:
        """Create or replace the item in one write, keeping the stored ``created_at`` and
        incrementing the version; ``condition`` (checked in the write) guards the replacement.

        An UpdateItem that sets (or removes) only the model's own fields, so attributes it
        does not declare stay as stored. A model with nested models (a run's stages) also keeps
        the unknown keys inside the stored elements it replaces: the item is read first and the
        write is conditional on it being unchanged since (contention is retried).
        """
        model = self._build(dto, **overrides)
        item = model.to_dynamodb_item()  # full checks: keys, types, 400 KB
        key = {k: getattr(model, k) for k in self.meta.key_attributes}
        if not self.meta.nested_fields:
            return self._upsert_write(key, item, condition)

        def attempt(raw: Mapping[str, Any] | None) -> ModelT:
            written = item
            if raw is not None:
                try:
                    carry_unknown(model, self.model.from_dynamodb_item(raw))
                except ValidationError:
                    pass  # an item that does not validate keeps its top-level extras only
                else:
                    written = model.to_dynamodb_item()
                guard = self._unchanged(raw)
            else:
                guard = Attr(self.meta.partition_key).not_exists()
            full = guard if condition is None else guard & condition
            try:
                return self._upsert_write(key, written, full)
            except ConditionCheckFailedError as exc:
                if _own_write(exc, written.get("updated_at")):
                    return self._written(None, exc.item)
                raise

        return self._contended(key, attempt)

    def _upsert_write(
        self, key: Mapping[str, Any], item: Mapping[str, Any], condition: ConditionBase | None
    ) -> ModelT:
        """The UpdateItem of an upsert: every declared field set from ``item`` or removed."""
        version = self.meta.version_attribute
        update = Update()
        for name in self.model.model_fields:
            if name in self.meta.key_attributes:
                continue
            if name == version:
                update.add(name, 1)
            elif name == "created_at":
                update.set_if_not_exists(name, WireValue(item[name]))
            elif name in item:
                update.set(name, WireValue(item[name]))
            else:
                update.remove(name)
        stored = self.gateway.update_item(key, update, condition=condition, return_values="ALL_NEW")
        return self._written(stored or item)

    def _contended(
        self, key: Mapping[str, Any], attempt: Callable[[Mapping[str, Any] | None], ModelT]
    ) -> ModelT:
        """Read the item raw (consistently, ``None`` when missing) and run ``attempt`` with it,
        a write conditional on what it read. When that condition fails because the item changed
        in between, start over after a jittered backoff within ``contention``'s time budget; a
        failure on an item still as read (the caller's own condition) is raised.
        """
        policy = self.contention
        started = policy.clock()
        attempts = 0
        while True:
            attempts += 1
            raw = self.gateway.get_item(key, consistent_read=True)
            try:
                return attempt(raw)
            except VersionConflictError:
                raise
            except ConditionCheckFailedError as exc:
                if exc.item == (decode_item(raw) if raw is not None else None):
                    raise  # not a race: the condition is false on the item as read
                delay = policy.next_delay(attempts, started)
                if delay is None:
                    raise
                policy.sleep(delay)

    def _update(
        self,
        key: Mapping[str, Any],
        changes: Mapping[str, Any],
        *,
        condition: ConditionBase | None = None,
        update: Update | None = None,
        expected_version: int | None = None,
    ) -> ModelT:
        """Change some fields of an existing item (``None`` removes an optional field).

        Every change is validated with the DTO's rules for its field. A change that no
        cross-field rule of the DTO involves (``dto.related_fields``) and that holds no nested
        models needs nothing stored: it is one conditional write, so concurrent writers of one
        item never fail each other. Otherwise the stored item is read, merged with the changes
        and validated with every rule, and the write is conditional on the item being unchanged
        since (see :meth:`_guarded`: contention is retried, never reported). With
        ``expected_version`` the update applies only to that version (optimistic locking).

        ``update`` adds raw actions (atomic counters, list appends) applied in the same write.

        Raises:
            ValidationError: A change is invalid (nothing written).
            ItemNotFoundError: No such item (the domain's subclass).
            VersionConflictError: The stored version is not ``expected_version``.
            ConditionCheckFailedError: ``condition`` was false; ``.item`` is the stored item.
        """
        if update is None and not changes:
            raise ValidationError(
                "changes must be a non-empty dict of field: value", field="changes"
            )
        values = self._validated_changes(changes) if changes else {}

        def actions(current: ModelT | None) -> Update:
            out = Update(list(update.actions) if update is not None else [])
            for name, value in values.items():
                if value is None:
                    out.remove(name)
                    continue
                if current is not None:
                    carry_unknown_value(value, current.__dict__.get(name))
                out.set(name, value)
            return out

        if not self._needs_stored(values):
            return self._apply(key, actions(None), condition, expected_version=expected_version)

        def plan(current: ModelT, raw: Mapping[str, Any]) -> tuple[Update, ConditionBase | None]:
            self._validate_merged(current, values)
            return actions(current), condition

        return self._guarded(key, plan, expected_version=expected_version)

    def _needs_stored(self, values: Mapping[str, Any]) -> bool:
        """Whether validating or writing ``values`` needs the stored item: a cross-field rule
        involves one of them, or one holds nested models (whose stored unknown keys are kept)."""
        related = getattr(self.dto, "related_fields", ())
        if any(group.intersection(values) for group in related):
            return True
        return any(_holds_models(v) for v in values.values())

    def _guarded(
        self,
        key: Mapping[str, Any],
        plan: Callable[[ModelT, Mapping[str, Any]], tuple[Update, ConditionBase | None]],
        *,
        expected_version: int | None = None,
        guard: Callable[[Mapping[str, Any]], ConditionBase] | None = None,
    ) -> ModelT:
        """Read-validate-write: read the item (consistently), let ``plan`` build the update and
        an extra condition from the model and the raw item, and write only if what the plan
        read is still stored: by default the item's ``updated_at`` and version exactly as stored
        (compared in their stored form, so a timestamp another writer stored with an offset
        guards like ours), or ``guard(raw)`` for a plan that read less (one stage of a run).

        A concurrent write in between makes the attempt start over after a jittered backoff,
        within ``contention``'s time budget, so no update is lost, no validation goes stale and
        a write the caller did not condition does not fail because another writer was faster.

        Raises:
            ItemNotFoundError: No such item (the domain's subclass).
            VersionConflictError: The stored version is not ``expected_version``.
            ConditionCheckFailedError: The extra condition was false (``.item`` is the item), or
                the item kept changing for the whole time budget.
        """
        key = self._checked(key)

        def attempt(raw: Mapping[str, Any] | None) -> ModelT:
            if raw is None:
                raise self._not_found(key)
            current: Any = self.model.from_dynamodb_item(raw)
            self._check_version(current.__dict__, expected_version, None)
            actions, condition = plan(current, raw)
            unchanged = guard(raw) if guard is not None else self._unchanged(raw)
            full = unchanged if condition is None else unchanged & condition
            return self._apply(key, actions, full, expected_version=expected_version)

        return self._contended(key, attempt)

    def _unchanged(self, raw: Mapping[str, Any]) -> ConditionBase:
        """The item still has the ``updated_at`` and version it was read with (as stored)."""
        names = [n for n in ("updated_at",) if self._stamped]
        names += [self.meta.version_attribute] if self.meta.version_attribute else []
        condition: ConditionBase = self._exists_condition()
        for name in names:
            wire = raw.get(name)
            attr = Attr(name)
            condition = condition & (
                attr.not_exists() if wire is None else attr.eq(WireValue(dict(wire)))
            )
        return condition

    def _validate_merged(self, current: ModelT, values: Mapping[str, Any]) -> None:
        """Validate the stored item merged with ``values`` with every rule of the DTO."""
        merged = {
            name: getattr(current, name) for name in self.dto.model_fields if hasattr(current, name)
        }
        merged.update({k: v for k, v in values.items() if k in self.dto.model_fields})
        self.dto.model_validate({k: v for k, v in merged.items() if v is not None})

    def _check_version(
        self,
        stored: Mapping[str, Any],
        expected: int | None,
        cause: DynamoDBWrapperError | None,
    ) -> None:
        """Raise ``VersionConflictError`` if ``stored`` is not at version ``expected``."""
        version = self.meta.version_attribute
        if expected is None or version is None or stored.get(version) == expected:
            return
        error = VersionConflictError(
            f"{self.meta.model_name} is at version {stored.get(version)}, not {expected}",
            item=stored,
            **(cause.context() if cause is not None else {"table": self.gateway.table_name}),
        )
        raise error from cause

    def _conditions(
        self, condition: ConditionBase | None, expected_version: int | None
    ) -> ConditionBase:
        """The item exists, is at ``expected_version`` (if given), and ``condition`` holds."""
        full = self._exists_condition()
        version = self.meta.version_attribute
        if expected_version is not None:
            if version is None:
                raise ValidationError(
                    f"{self.meta.model_name} declares no Meta.version_attribute",
                    field="expected_version",
                )
            full = full & Attr(version).eq(expected_version)
        return full if condition is None else full & condition

    def _bookkeeping(self, update: Update) -> str | None:
        """Add ``updated_at = now`` and ``version += 1`` to ``update``; return the stamp."""
        written_at = None
        if self._stamped:
            written_at = format_utc(utc_now())
            update.set("updated_at", WireValue({"S": written_at}))
        if self.meta.version_attribute is not None:
            update.add(self.meta.version_attribute, 1)
        return written_at

    def _tx_update(
        self, key: Mapping[str, Any], update: Update, condition: ConditionBase | None = None
    ) -> TransactAction:
        """A transaction action updating an existing item, with the same bookkeeping."""
        self._bookkeeping(update)
        return self.gateway.tx_update(key, update, condition=self._conditions(condition, None))

    def _apply(
        self,
        key: Mapping[str, Any],
        update: Update,
        condition: ConditionBase | None = None,
        *,
        expected_version: int | None = None,
    ) -> ModelT:
        """Run ``update`` on an existing item under ``condition``; return the new model.

        The bookkeeping lives here, once: ``updated_at`` is set to now and the version (if the
        model declares one) is incremented. If the write fails its condition after botocore
        retried it, and the stored item carries this write's ``updated_at``, the first attempt
        was applied and only its response was lost: that is reported as success.
        """
        key = self._checked(key)
        written_at = self._bookkeeping(update)
        try:
            stored = self.gateway.update_item(
                key, update, condition=self._conditions(condition, expected_version)
            )
        except ConditionCheckFailedError as exc:
            if _own_write(exc, written_at):
                return self._written(None, exc.item or {})
            if exc.item is None:
                raise self._not_found(key, exc) from exc
            self._check_version(exc.item, expected_version, exc)
            raise
        return self._written(stored or {})

    def _written(
        self, stored: Mapping[str, Any] | None, decoded: Mapping[str, Any] | None = None
    ) -> ModelT:
        """The model of an item DynamoDB has just written (a wire item, or ``decoded`` values).

        The write's outcome is DynamoDB's answer: a stored item that no longer validates (a
        declared field holding another writer's odd value) does not turn an applied write into
        an error. It is returned unvalidated instead, with a warning.
        """
        data = decode_item(stored) if stored is not None else dict(decoded or {})
        try:
            if stored is not None:
                result: Any = self.model.from_dynamodb_item(stored)
            else:
                result = stored_model(self.model, data)
        except ValidationError as exc:
            _log.warning(
                "%s written to %s, but the stored item does not validate (%s); "
                "returning it unvalidated",
                self.meta.model_name,
                self.gateway.table_name,
                exc,
            )
            result = self.model.model_construct(**data)
        return result  # type: ignore[no-any-return]

    def _delete(
        self,
        key: Mapping[str, Any],
        *,
        condition: ConditionBase | None = None,
        expected_version: int | None = None,
    ) -> ModelT | None:
        """Delete an existing item and return what was stored (``None`` when only a retry of a
        delete whose response was lost confirmed it).

        Raises:
            ItemNotFoundError: No such item (the domain's subclass).
            VersionConflictError: The stored version is not ``expected_version``.
            ConditionCheckFailedError: ``condition`` was false.
        """
        key = self._checked(key)
        try:
            old = self.gateway.delete_item(
                key,
                condition=self._conditions(condition, expected_version),
                return_values="ALL_OLD",
            )
        except ConditionCheckFailedError as exc:
            if exc.item is None:
                if exc.retry_attempts:
                    return None  # our first attempt deleted it; its response was lost
                raise self._not_found(key, exc) from exc
            self._check_version(exc.item, expected_version, exc)
            raise
        return self._written(old or {})

    def _upsert_many(
        self,
        dtos: Iterable[StrictModel],
        *,
        on_progress: Callable[[int], None] | None = None,
    ) -> int:
        """Batch upsert (25 per request), keeping what is stored and not the model's.

        Every DTO is validated, and every item encoded and checked against DynamoDB's limits
        (duplicate keys refused), before the first request. The stored items are then read
        whole (BatchGetItem): their ``created_at`` is kept and their version incremented, the
        domain's replacement rule is checked for all of them before anything is written, and
        every attribute the model does not declare is written back exactly as stored, as are
        the unknown keys of nested elements (a stage keeps them by its name). Batch writes carry
        no conditions: an attribute another writer adds between that read and the write is the
        one thing a batch can still overwrite (a single ``upsert_*``, an UpdateItem, cannot).
        """
        # Thousands of models and wire items, none of them garbage: built with the cyclic GC
        # paused, or each collection walks all of them again (5,000 run logs: ~2x the CPU).
        with gc_paused():
            models = [self._build(dto) for dto in dtos]
            if not models:
                return 0
            items = [encode_item(model, self.meta, check=False) for model in models]
            self.gateway.batch_requests(items)  # keys, limits, duplicates: before any request
        keys = [{k: getattr(m, k) for k in self.meta.key_attributes} for m in models]
        stored_items = self.gateway.batch_get(keys, max_workers=self.config.batch_write_workers)
        with gc_paused():
            existing = {key_identity(key_of(item, self.meta)): item for item in stored_items}
            for position, model in enumerate(models):
                stored = existing.get(key_identity(key_of(items[position], self.meta)))
                if stored:
                    self._check_replacement(decode_item(stored), model)
                    items[position] = self._replacement(model, items[position], stored)
        return self.gateway.batch_write(
            items, on_progress=on_progress, max_workers=self.config.batch_write_workers
        )

    def _replacement(
        self, model: ModelT, item: dict[str, Any], stored: Mapping[str, Any]
    ) -> dict[str, Any]:
        """``item`` (the wire form of ``model``) as it replaces ``stored``: stored ``created_at``
        and undeclared attributes kept, version incremented, nested unknown keys carried."""
        fields = self.model.model_fields
        if self.meta.nested_fields and any(name in stored for name in self.meta.nested_fields):
            try:
                carry_unknown(model, self.model.from_dynamodb_item(stored))
            except ValidationError:
                pass  # a stored item that does not validate: its top-level extras still stay
            else:
                item = encode_item(model, self.meta, check=False)
        for name, wire in stored.items():
            if name not in fields:
                item[name] = wire
        if self._stamped and "created_at" in stored:
            item["created_at"] = stored["created_at"]
        version = self.meta.version_attribute
        if version is not None and "N" in stored.get(version, {}):
            item[version] = {"N": str(int(stored[version]["N"]) + 1)}
        return item


    def _update_each(
        self,
        targets: Iterable[tuple[Mapping[str, Any], Mapping[str, Any], ConditionBase | None]],
    ) -> int:
        """``_update(key, changes, condition=...)`` for each target, one conditional write each.

        Targets whose condition no longer holds, or that were deleted since they were read, are
        skipped (they changed concurrently). Returns how many were updated.
        """
        updated = 0
        for key, changes, condition in targets:
            try:
                self._update(key, changes, condition=condition)
            except (ConditionCheckFailedError, ItemNotFoundError):
                continue
            updated += 1
        return updated

    def _delete_many(self, keys: Iterable[Mapping[str, Any]]) -> int:
        """Batch delete (missing items are ignored)."""
        return self.gateway.batch_write(
            deletes=list(keys), max_workers=self.config.batch_write_workers
        )


def _holds_models(value: Any) -> bool:
    """Whether ``value`` is, or is a list of, pydantic models (nested items of a write)."""
    if isinstance(value, BaseModel):
        return True
    return isinstance(value, list) and any(isinstance(v, BaseModel) for v in value)


def _localized(views: list[AnyView], zone: tzinfo | None) -> list[AnyView]:
    """``views`` with every datetime in ``zone`` (unchanged when ``zone`` is ``None``)."""
    return views if zone is None else [localize_datetimes(v, zone) for v in views]


def _own_write(exc: ConditionCheckFailedError, written_at: Any) -> bool:
    """Whether a failed conditional write is in fact our own earlier attempt: botocore retried
    (the first response was lost) and the stored item carries this write's ``updated_at``."""
    if not exc.retry_attempts or not exc.item or written_at is None:
        return False
    stamp = written_at["S"] if isinstance(written_at, dict) else written_at
    return bool(exc.item.get("updated_at") == stamp)


def _validate_field(dto: type[StrictModel], model: type[DynamoModel], name: str, value: Any) -> Any:
    """``value`` validated (and normalised) by every rule the DTO (else the model) declares for
    field ``name``, field validators included, without building a whole DTO.

    Raises:
        ValidationError: Naming the field (dotted path when the problem is nested inside it).
    """
    owner: type[BaseModel] = dto if name in dto.model_fields else model
    if name not in owner.model_fields:
        raise ValidationError(
            f"unknown field {name!r}; known: {sorted(model.model_fields)}", field=name
        )
    # A bare instance: model_construct() would run every default_factory (~0.5 ms for a run
    # log); validate_assignment only needs the instance slots.
    instance = owner.__new__(owner)
    object.__setattr__(instance, "__dict__", {})
    object.__setattr__(instance, "__pydantic_fields_set__", set())
    object.__setattr__(instance, "__pydantic_extra__", None)
    object.__setattr__(instance, "__pydantic_private__", None)
    try:
        owner.__pydantic_validator__.validate_assignment(instance, name, value)
    except pydantic.ValidationError as exc:
        error = validation_error(exc, owner.__name__)  # names the nested path
        field = error.field or name
        reason = "cannot be removed" if value is None else exc.errors()[0]["msg"]
        shown = f" {value!r}" if isinstance(value, str | int) and len(repr(value)) <= 80 else ""
        raise ValidationError(
            f"invalid {field}{shown}: {reason}", field=field, errors=error.errors
        ) from None
    return instance.__dict__[name]
