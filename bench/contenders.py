"""The contenders, one class per contender per workload.

Contenders: ``dynamodb_wrapper`` (public read/write APIs only), the raw botocore client fed
pre-built wire items (the floor), the boto3 resource ``Table``, and PynamoDB 6.1 with equivalent
models (skipped when PynamoDB is not installed). Each contender gets its own tables.

Every contender is fed its natural, pre-built input (built in ``prepare``, untimed): write DTOs
for the library, wire items for raw botocore, ``Decimal`` dicts for boto3, model instances for
PynamoDB. What it returns is checked after the timed section (``verify`` / ``finish``), so a
fast-but-wrong contender is flagged, not rewarded.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from botocore.awsrequest import AWSResponse

from bench.data import pipeline_config_fields, run_log_fields, stamp, wire_to_python
from bench.env import B3, LIB, PYN, RAW, Env
from bench.harness import Contender, Workload
from dynamodb_wrapper import (
    PipelineConfig,
    PipelineConfigReadApi,
    PipelineConfigUpsert,
    PipelineConfigWriteApi,
    PipelineRunLog,
    PipelineRunLogsReadApi,
    PipelineRunLogsWriteApi,
    PipelineRunLogUpsert,
    PipelineRunLogView,
)

__all__ = [
    "bulk_workload",
    "decode_workload",
    "encode_workload",
    "get_workload",
    "lib_run_wire",
    "page_workload",
    "put_workload",
    "query_workload",
]

CONFIGS = "pipeline_config"
RUNS = "pipeline_run_logs"
PIPELINE_RUNS_INDEX = "PipelineRunsIndex"


def lib_run_wire(fields: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The wire item the library stores for a run log (public ``to_dynamodb_item``)."""
    return PipelineRunLog(**stamp(fields, now)).to_dynamodb_item()


def lib_config_wire(fields: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    return PipelineConfig(**stamp(fields, now)).to_dynamodb_item()


def _pyn_config(env: Env, fields: dict[str, Any], now: datetime) -> Any:
    from bench.pynamo_models import config_model

    return config_model(env.pynamo, stamp(fields, now))


def _pyn_run(env: Env, fields: dict[str, Any], now: datetime) -> Any:
    from bench.pynamo_models import run_log_model

    return run_log_model(env.pynamo, stamp(fields, now))


def _family(env: Env) -> list[str]:
    return [LIB, RAW, B3, *([PYN] if env.has_pynamodb else [])]


# =========================================================================== 1. put / get


class _Put(Contender):
    tag = "?"

    def __init__(self, env: Env) -> None:
        self.env = env
        self.n = env.sizes.put_ops
        self.table = env.table(self.tag, CONFIGS)

    def ids(self, round_no: int) -> list[str]:
        return [f"put-{self.tag}-r{round_no}-{i:04d}" for i in range(self.n)]

    def fields(self, round_no: int) -> list[dict[str, Any]]:
        return [pipeline_config_fields(pid, i) for i, pid in enumerate(self.ids(round_no))]

    def verify(self, round_no: int, prepared: Any, result: Any) -> list[str]:
        missing = self.env.missing(self.table, "pipeline_id", self.ids(round_no))
        return [f"{len(missing)} of {self.n} puts not stored"] if missing else []


class LibPut(_Put):
    """``PipelineConfigWriteApi.create_pipeline(dto)`` (conditional create), DTOs pre-built."""

    name, tag = LIB, "lib"

    def setup(self) -> None:
        self.api = PipelineConfigWriteApi(self.env.lib_config("lib"))

    def prepare(self, round_no: int) -> Any:
        return [PipelineConfigUpsert(**f) for f in self.fields(round_no)]

    def run(self, dtos: Any) -> Any:
        create = self.api.create_pipeline
        for dto in dtos:
            create(dto)


class RawPut(_Put):
    """``client.put_item(Item=wire, ConditionExpression="attribute_not_exists(#k)")``."""

    name, tag = RAW, "raw"

    def prepare(self, round_no: int) -> Any:
        now = datetime.now(UTC)
        return [lib_config_wire(f, now) for f in self.fields(round_no)]

    def run(self, items: Any) -> Any:
        put, table = self.env.raw.put_item, self.table
        for item in items:
            put(
                TableName=table,
                Item=item,
                ConditionExpression="attribute_not_exists(#k)",
                ExpressionAttributeNames={"#k": "pipeline_id"},
            )


class Boto3Put(_Put):
    """``Table.put_item(Item=dict, ConditionExpression=Attr("pipeline_id").not_exists())``."""

    name, tag = B3, "b3"

    def setup(self) -> None:
        self.t = self.env.boto3_resource.Table(self.table)

    def prepare(self, round_no: int) -> Any:
        now = datetime.now(UTC)
        return [wire_to_python(lib_config_wire(f, now)) for f in self.fields(round_no)]

    def run(self, items: Any) -> Any:
        from boto3.dynamodb.conditions import Attr

        put = self.t.put_item
        for item in items:
            put(Item=item, ConditionExpression=Attr("pipeline_id").not_exists())


class PynamoPut(_Put):
    """``model.save(condition=PipelineConfig.pipeline_id.does_not_exist())``."""

    name, tag = PYN, "pyn"

    def prepare(self, round_no: int) -> Any:
        now = datetime.now(UTC)
        return [_pyn_config(self.env, f, now) for f in self.fields(round_no)]

    def run(self, models: Any) -> Any:
        condition = self.env.pynamo.PipelineConfig.pipeline_id.does_not_exist()
        for model in models:
            model.save(condition=condition)


class _Get(Contender):
    tag = "?"

    def __init__(self, env: Env) -> None:
        self.env = env
        self.table = env.table(self.tag, CONFIGS)
        self.ids = [f"get-{self.tag}-{i:04d}" for i in range(env.sizes.get_ops)]

    def setup(self) -> None:
        now = datetime.now(UTC)
        self.env.load(
            self.table,
            [lib_config_wire(pipeline_config_fields(p, i), now) for i, p in enumerate(self.ids)],
        )

    def prepare(self, round_no: int) -> Any:
        shift = round_no % len(self.ids)
        return self.ids[shift:] + self.ids[:shift]

    def verify(self, round_no: int, prepared: Any, result: Any) -> list[str]:
        wrong = sum(1 for want, have in zip(prepared, result, strict=True) if want != have)
        if not wrong:
            return []
        return [f"{wrong} of {len(prepared)} gets returned nothing or the wrong item"]

    def id_of(self, result: Any) -> str | None:
        raise NotImplementedError


class LibGet(_Get):
    """``PipelineConfigReadApi.get_by_id(id)`` → validated ``PipelineConfigView``."""

    name, tag = LIB, "lib"

    def setup(self) -> None:
        super().setup()
        self.api = PipelineConfigReadApi(self.env.lib_config("lib"))

    def run(self, ids: Any) -> Any:
        get = self.api.get_by_id
        return [self.id_of(get(i)) for i in ids]

    def id_of(self, result: Any) -> str | None:
        return result.pipeline_id if result is not None else None


class RawGet(_Get):
    """``client.get_item(Key={"pipeline_id": {"S": id}})`` → raw wire dict."""

    name, tag = RAW, "raw"

    def run(self, ids: Any) -> Any:
        get, table, id_of = self.env.raw.get_item, self.table, self.id_of
        return [id_of(get(TableName=table, Key={"pipeline_id": {"S": i}}).get("Item")) for i in ids]

    def id_of(self, result: Any) -> str | None:
        return result["pipeline_id"]["S"] if result else None


class Boto3Get(_Get):
    """``Table.get_item(Key={"pipeline_id": id})`` → deserialized dict."""

    name, tag = B3, "b3"

    def setup(self) -> None:
        super().setup()
        self.t = self.env.boto3_resource.Table(self.table)

    def run(self, ids: Any) -> Any:
        get, id_of = self.t.get_item, self.id_of
        return [id_of(get(Key={"pipeline_id": i}).get("Item")) for i in ids]

    def id_of(self, result: Any) -> str | None:
        return result["pipeline_id"] if result else None


class PynamoGet(_Get):
    """``PipelineConfig.get(id)`` → model instance."""

    name, tag = PYN, "pyn"

    def setup(self) -> None:
        now = datetime.now(UTC)
        model = self.env.pynamo.PipelineConfig
        with model.batch_write() as batch:
            for i, pid in enumerate(self.ids):
                batch.save(_pyn_config(self.env, pipeline_config_fields(pid, i), now))

    def run(self, ids: Any) -> Any:
        get = self.env.pynamo.PipelineConfig.get
        return [self.id_of(get(i)) for i in ids]

    def id_of(self, result: Any) -> str | None:
        return result.pipeline_id if result is not None else None


def put_workload(env: Env) -> Workload:
    contenders = {LIB: LibPut, RAW: RawPut, B3: Boto3Put, PYN: PynamoPut}
    return Workload(
        key="put",
        title="1. put: conditional create of a pipeline config",
        ops=env.sizes.put_ops,
        rounds=env.sizes.single_rounds,
        contenders=[contenders[n](env) for n in _family(env)],
    )


def get_workload(env: Env) -> Workload:
    contenders = {LIB: LibGet, RAW: RawGet, B3: Boto3Get, PYN: PynamoGet}
    return Workload(
        key="get",
        title="1. get: one pipeline config by id",
        ops=env.sizes.get_ops,
        rounds=env.sizes.single_rounds,
        contenders=[contenders[n](env) for n in _family(env)],
    )


# =========================================================================== 2. GSI query


class _Query(Contender):
    tag = "?"

    def __init__(self, env: Env) -> None:
        self.env = env
        self.table = env.table(self.tag, RUNS)
        self.pipeline = f"query-{self.tag}"
        self.n = env.sizes.query_items
        self.page = env.sizes.query_page
        self.ops = env.sizes.query_ops
        self.fields = [
            run_log_fields(f"run-{self.tag}-q{i:05d}", self.pipeline, i) for i in range(self.n)
        ]
        # Newest first (descending start_time), as every contender is asked to return them.
        self.expected = [f["run_id"] for f in reversed(self.fields)]

    def setup(self) -> None:
        now = datetime.now(UTC)
        self.env.load(self.table, [lib_run_wire(f, now) for f in self.fields])

    def run(self, prepared: Any) -> Any:
        return [[self.id_of(item) for item in self.fetch_all()] for _ in range(self.ops)]

    def fetch_all(self) -> list[Any]:
        raise NotImplementedError

    def id_of(self, item: Any) -> str:
        raise NotImplementedError

    def verify(self, round_no: int, prepared: Any, result: Any) -> list[str]:
        bad = sum(1 for ids in result if ids != self.expected)
        if not bad:
            return []
        return [f"{bad} of {len(result)} queries did not return the {self.n} runs newest first"]


class LibQuery(_Query):
    """``PipelineRunLogsReadApi.query_by_pipeline(id, limit=25, next_token=…)`` until the token
    is ``None`` → validated ``PipelineRunLogView`` s."""

    name, tag = LIB, "lib"

    def setup(self) -> None:
        super().setup()
        self.api = PipelineRunLogsReadApi(self.env.lib_config("lib"))

    def fetch_all(self) -> list[Any]:
        items: list[Any] = []
        token = None
        while True:
            page, token = self.api.query_by_pipeline(
                self.pipeline, limit=self.page, next_token=token
            )
            items.extend(page)
            if token is None:
                return items

    def id_of(self, item: Any) -> str:
        return item.run_id  # type: ignore[no-any-return]


class RawQuery(_Query):
    """``client.query(IndexName=…, Limit=25, ScanIndexForward=False)`` following
    ``LastEvaluatedKey`` → raw wire dicts."""

    name, tag = RAW, "raw"

    def fetch_all(self) -> list[Any]:
        items: list[Any] = []
        kwargs: dict[str, Any] = {}
        query = self.env.raw.query
        while True:
            response = query(
                TableName=self.table,
                IndexName=PIPELINE_RUNS_INDEX,
                KeyConditionExpression="#p = :p",
                ExpressionAttributeNames={"#p": "pipeline_id"},
                ExpressionAttributeValues={":p": {"S": self.pipeline}},
                Limit=self.page,
                ScanIndexForward=False,
                **kwargs,
            )
            items.extend(response["Items"])
            if "LastEvaluatedKey" not in response:
                return items
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def id_of(self, item: Any) -> str:
        return item["run_id"]["S"]  # type: ignore[no-any-return]


class Boto3Query(_Query):
    """``Table.query(KeyConditionExpression=Key("pipeline_id").eq(id), Limit=25, …)`` following
    ``LastEvaluatedKey`` → deserialized dicts."""

    name, tag = B3, "b3"

    def setup(self) -> None:
        super().setup()
        self.t = self.env.boto3_resource.Table(self.table)

    def fetch_all(self) -> list[Any]:
        from boto3.dynamodb.conditions import Key

        items: list[Any] = []
        kwargs: dict[str, Any] = {}
        while True:
            response = self.t.query(
                IndexName=PIPELINE_RUNS_INDEX,
                KeyConditionExpression=Key("pipeline_id").eq(self.pipeline),
                Limit=self.page,
                ScanIndexForward=False,
                **kwargs,
            )
            items.extend(response["Items"])
            if "LastEvaluatedKey" not in response:
                return items
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def id_of(self, item: Any) -> str:
        return item["run_id"]  # type: ignore[no-any-return]


class PynamoQuery(_Query):
    """``PipelineRunLog.pipeline_index.query(id, scan_index_forward=False, page_size=25)``
    → model instances."""

    name, tag = PYN, "pyn"

    def setup(self) -> None:
        now = datetime.now(UTC)
        with self.env.pynamo.PipelineRunLog.batch_write() as batch:
            for f in self.fields:
                batch.save(_pyn_run(self.env, f, now))

    def fetch_all(self) -> list[Any]:
        index = self.env.pynamo.PipelineRunLog.pipeline_index
        return list(index.query(self.pipeline, scan_index_forward=False, page_size=self.page))

    def id_of(self, item: Any) -> str:
        return item.run_id  # type: ignore[no-any-return]


def query_workload(env: Env) -> Workload:
    contenders = {LIB: LibQuery, RAW: RawQuery, B3: Boto3Query, PYN: PynamoQuery}
    s = env.sizes
    return Workload(
        key="query",
        title=f"2. GSI query: {s.query_items} run logs, pages of {s.query_page}",
        ops=s.query_ops,
        rounds=s.query_rounds,
        contenders=[contenders[n](env) for n in _family(env)],
        op_label=f"{s.query_items} items",
    )


# =========================================================================== 3. bulk write


class _Bulk(Contender):
    tag = "?"

    def __init__(self, env: Env) -> None:
        self.env = env
        self.table = env.table(self.tag, RUNS)
        self.n = env.sizes.bulk_items

    def fields(self, round_no: int) -> list[dict[str, Any]]:
        pipeline = f"bulk-{self.tag}-r{round_no}"
        return [
            run_log_fields(f"run-{self.tag}-b{round_no}-{i:05d}", pipeline, i)
            for i in range(self.n)
        ]

    def verify(self, round_no: int, prepared: Any, result: Any) -> list[str]:
        stored = self.env.count_runs(self.table, f"bulk-{self.tag}-r{round_no}")
        problems = []
        if stored != self.n:
            problems.append(f"{stored} of {self.n} run logs stored ({self.n - stored} lost)")
        if isinstance(result, int) and result != self.n:
            problems.append(f"reported {result} written, expected {self.n}")
        return problems


class LibBulk(_Bulk):
    """``PipelineRunLogsWriteApi.upsert_many(dtos)`` (keeps stored ``created_at``), DTOs
    pre-built."""

    name, tag = LIB, "lib"

    def setup(self) -> None:
        self.api = PipelineRunLogsWriteApi(self.env.lib_config("lib"))

    def prepare(self, round_no: int) -> Any:
        return [PipelineRunLogUpsert(**f) for f in self.fields(round_no)]

    def run(self, dtos: Any) -> Any:
        return self.api.upsert_many(dtos)


class RawBulk(_Bulk):
    """Sequential ``client.batch_write_item`` of 25 pre-built wire items, re-sending
    ``UnprocessedItems``."""

    name, tag = RAW, "raw"

    def prepare(self, round_no: int) -> Any:
        now = datetime.now(UTC)
        return [lib_run_wire(f, now) for f in self.fields(round_no)]

    def run(self, items: Any) -> Any:
        write, table = self.env.raw.batch_write_item, self.table
        written = 0
        for offset in range(0, len(items), 25):
            requests = [{"PutRequest": {"Item": item}} for item in items[offset : offset + 25]]
            while requests:
                left = write(RequestItems={table: requests}).get("UnprocessedItems", {})
                left_here = left.get(table, [])
                written += len(requests) - len(left_here)
                requests = left_here
                if requests:
                    time.sleep(0.05)
        return written


class Boto3Bulk(_Bulk):
    """``with Table.batch_writer() as w: w.put_item(Item=dict)``."""

    name, tag = B3, "b3"

    def setup(self) -> None:
        self.t = self.env.boto3_resource.Table(self.table)

    def prepare(self, round_no: int) -> Any:
        now = datetime.now(UTC)
        return [wire_to_python(lib_run_wire(f, now)) for f in self.fields(round_no)]

    def run(self, items: Any) -> Any:
        with self.t.batch_writer() as writer:
            for item in items:
                writer.put_item(Item=item)


class PynamoBulk(_Bulk):
    """``with PipelineRunLog.batch_write() as b: b.save(model)``."""

    name, tag = PYN, "pyn"

    def prepare(self, round_no: int) -> Any:
        now = datetime.now(UTC)
        return [_pyn_run(self.env, f, now) for f in self.fields(round_no)]

    def run(self, models: Any) -> Any:
        with self.env.pynamo.PipelineRunLog.batch_write() as batch:
            for model in models:
                batch.save(model)


def bulk_workload(env: Env) -> Workload:
    contenders = {LIB: LibBulk, RAW: RawBulk, B3: Boto3Bulk, PYN: PynamoBulk}
    n = env.sizes.bulk_items
    return Workload(
        key="bulk",
        title=f"3. bulk write: {n:,} run logs (3-5 stages each)",
        ops=1,
        rounds=env.sizes.bulk_rounds,
        contenders=[contenders[c](env) for c in _family(env)],
        op_label=f"{n:,} items",
        notes=[
            "Correctness: after every round the run logs of that round are counted in the "
            "table (a `Select=COUNT` query); any shortfall is reported as items lost."
        ],
    )


# =========================================================================== 4. codec (CPU)


def _plain(value: Any) -> Any:
    """A JSON-like plain value (datetimes as storage strings, Decimals as int/float)."""
    from decimal import Decimal

    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def hand_encode(value: Any) -> dict[str, Any]:
    """The floor of encoding: a hand-written type switch, no checks at all."""
    kind = type(value)
    if kind is str:
        return {"S": value}
    if kind is bool:
        return {"BOOL": value}
    if kind is int or kind is float:
        return {"N": str(value)}
    if kind is list:
        return {"L": [hand_encode(v) for v in value]}
    if kind is dict:
        return {"M": {k: hand_encode(v) for k, v in value.items()}}
    if value is None:
        return {"NULL": True}
    raise TypeError(kind)


def hand_decode(wire: dict[str, Any]) -> Any:
    """The floor of decoding: a hand-written tag switch, numbers to int/float, no validation."""
    if "S" in wire:
        return wire["S"]
    if "N" in wire:
        text = wire["N"]
        return float(text) if "." in text or "e" in text or "E" in text else int(text)
    if "M" in wire:
        return {k: hand_decode(v) for k, v in wire["M"].items()}
    if "L" in wire:
        return [hand_decode(v) for v in wire["L"]]
    if "BOOL" in wire:
        return wire["BOOL"]
    return None


class _Codec(Contender):
    def __init__(self, env: Env, samples: int = 10) -> None:
        self.env = env
        self.ops = env.sizes.codec_ops
        now = datetime.now(UTC)
        self.fields = [
            stamp(run_log_fields(f"run-codec-{i:03d}", "codec-pipe", i), now)
            for i in range(samples)
        ]
        self.wires = [PipelineRunLog(**f).to_dynamodb_item() for f in self.fields]

    def prepare(self, round_no: int) -> Any:
        inputs = self.inputs()
        return [inputs[i % len(inputs)] for i in range(self.ops)]

    def inputs(self) -> list[Any]:
        raise NotImplementedError

    def convert(self) -> Callable[[Any], Any]:
        raise NotImplementedError

    def run(self, inputs: Any) -> Any:
        convert = self.convert()
        kept = len(self.fields)  # the first outputs are checked; the others are dropped
        out = [convert(x) for x in inputs[:kept]]
        for x in inputs[kept:]:
            convert(x)
        return out

    def verify(self, round_no: int, prepared: Any, result: Any) -> list[str]:
        want = [f["run_id"] for f in self.fields]
        got = [self.run_id(r) for r in result[: len(want)]]
        stages = [len(f["stages"]) for f in self.fields]
        got_stages = [self.stage_count(r) for r in result[: len(want)]]
        problems = []
        if got != want[: len(got)]:
            problems.append("wrong run ids in the output")
        if got_stages != stages[: len(got_stages)]:
            problems.append("wrong stage counts in the output")
        return problems

    def run_id(self, out: Any) -> Any:
        return out["run_id"]["S"]

    def stage_count(self, out: Any) -> int:
        return len(out["stages"]["L"])


class LibEncode(_Codec):
    """``PipelineRunLog.to_dynamodb_item()`` of a model instance."""

    name = LIB

    def inputs(self) -> list[Any]:
        return [PipelineRunLog(**f) for f in self.fields]

    def convert(self) -> Callable[[Any], Any]:
        return PipelineRunLog.to_dynamodb_item


class RawEncode(_Codec):
    """Floor: a hand-written dict → wire type switch over a plain JSON-like dict (no checks)."""

    name = RAW

    def inputs(self) -> list[Any]:
        return [_plain(f) for f in self.fields]

    def convert(self) -> Callable[[Any], Any]:
        return lambda d: {k: hand_encode(v) for k, v in d.items()}


class Boto3Encode(_Codec):
    """boto3's ``TypeSerializer`` over a ``Decimal`` dict (what ``Table.put_item`` does)."""

    name = B3

    def inputs(self) -> list[Any]:
        return [wire_to_python(w) for w in self.wires]

    def convert(self) -> Callable[[Any], Any]:
        from boto3.dynamodb.types import TypeSerializer

        serialize = TypeSerializer().serialize
        return lambda d: {k: serialize(v) for k, v in d.items()}


class PynamoEncode(_Codec):
    """``model.serialize()`` of a PynamoDB model instance."""

    name = PYN

    def inputs(self) -> list[Any]:
        from bench.pynamo_models import run_log_model

        return [run_log_model(self.env.pynamo, f) for f in self.fields]

    def convert(self) -> Callable[[Any], Any]:
        return lambda m: m.serialize()


class LibDecode(_Codec):
    """``PipelineRunLog.from_dynamodb_item(wire)``: decode and validate (pydantic)."""

    name = LIB

    def inputs(self) -> list[Any]:
        return self.wires

    def convert(self) -> Callable[[Any], Any]:
        return PipelineRunLog.from_dynamodb_item

    def run_id(self, out: Any) -> Any:
        return out.run_id

    def stage_count(self, out: Any) -> int:
        return len(out.stages)


class RawDecode(_Codec):
    """Floor: a hand-written wire → dict tag switch (no validation)."""

    name = RAW

    def inputs(self) -> list[Any]:
        return self.wires

    def convert(self) -> Callable[[Any], Any]:
        return lambda w: {k: hand_decode(v) for k, v in w.items()}

    def run_id(self, out: Any) -> Any:
        return out["run_id"]

    def stage_count(self, out: Any) -> int:
        return len(out["stages"])


class Boto3Decode(_Codec):
    """boto3's ``TypeDeserializer`` (what ``Table.get_item`` does; no validation)."""

    name = B3

    def inputs(self) -> list[Any]:
        return self.wires

    def convert(self) -> Callable[[Any], Any]:
        from boto3.dynamodb.types import TypeDeserializer

        deserialize = TypeDeserializer().deserialize
        return lambda w: {k: deserialize(v) for k, v in w.items()}

    def run_id(self, out: Any) -> Any:
        return out["run_id"]

    def stage_count(self, out: Any) -> int:
        return len(out["stages"])


class PynamoDecode(_Codec):
    """``PipelineRunLog.from_raw_data(wire)`` (PynamoDB's own wire format)."""

    name = PYN

    def inputs(self) -> list[Any]:
        from bench.pynamo_models import run_log_model

        return [run_log_model(self.env.pynamo, f).serialize() for f in self.fields]

    def convert(self) -> Callable[[Any], Any]:
        return self.env.pynamo.PipelineRunLog.from_raw_data  # type: ignore[no-any-return]

    def run_id(self, out: Any) -> Any:
        return out.run_id

    def stage_count(self, out: Any) -> int:
        return len(out.stages)


def encode_workload(env: Env) -> Workload:
    contenders = {LIB: LibEncode, RAW: RawEncode, B3: Boto3Encode, PYN: PynamoEncode}
    return Workload(
        key="encode",
        title="4. encode one run log (CPU only)",
        ops=env.sizes.codec_ops,
        rounds=env.sizes.codec_rounds,
        contenders=[contenders[n](env) for n in _family(env)],
        warmup=True,
        notes=[
            "10 different run logs (3-5 stages) cycled; the raw row is a hand-written type "
            "switch with no checks (the floor), not a botocore feature."
        ],
    )


def decode_workload(env: Env) -> Workload:
    contenders = {LIB: LibDecode, RAW: RawDecode, B3: Boto3Decode, PYN: PynamoDecode}
    return Workload(
        key="decode",
        title="4. decode + validate one run log (CPU only)",
        ops=env.sizes.codec_ops,
        rounds=env.sizes.codec_rounds,
        contenders=[contenders[n](env) for n in _family(env)],
    )


# =========================================================================== 5. 1 MB page


def canned_body(items: list[dict[str, Any]]) -> bytes:
    """The JSON body of one Query response holding ``items`` (no ``LastEvaluatedKey``)."""
    return json.dumps(
        {"Items": items, "Count": len(items), "ScannedCount": len(items)}, separators=(",", ":")
    ).encode()


class _Page(Contender):
    """Shared: a ``before-send.dynamodb.Query`` handler on the contender's own client answers
    every Query with the canned body, so only client-side work is measured."""

    tag = "?"

    def __init__(self, env: Env) -> None:
        self.env = env
        self.n = env.sizes.page_items
        self.ops = env.sizes.page_ops
        self.table = env.table(self.tag, RUNS)
        self.pipeline = "page-pipe"
        now = datetime.now(UTC)
        self.fields = [
            stamp(run_log_fields(f"run-page-{i:05d}", self.pipeline, i), now) for i in range(self.n)
        ]
        self.body = self.make_body()
        self.calls = 0
        self._client: Any = None

    def make_body(self) -> bytes:
        return canned_body([PipelineRunLog(**f).to_dynamodb_item() for f in self.fields])

    def client(self) -> Any:
        raise NotImplementedError

    def _answer(self, request: Any, **_: Any) -> AWSResponse:
        self.calls += 1
        headers = {
            "x-amzn-requestid": f"canned-{self.calls}",
            "content-type": "application/x-amz-json-1.0",
        }
        response = AWSResponse(request.url, 200, headers, None)  # type: ignore[arg-type]
        response._content = self.body  # type: ignore[attr-defined]
        return response

    def setup(self) -> None:
        self._client = self.client()
        self._client.meta.events.register_first("before-send.dynamodb.Query", self._answer)

    def teardown(self) -> None:
        if self._client is not None:
            self._client.meta.events.unregister("before-send.dynamodb.Query", self._answer)

    def run(self, prepared: Any) -> Any:
        # Each page is dropped after its summary is taken, as a page-by-page consumer would.
        summaries = []
        for _ in range(self.ops):
            page = self.fetch()
            summaries.append((len(page), self.id_of(page[0]), self.id_of(page[-1])))
            del page
        return summaries

    def fetch(self) -> list[Any]:
        raise NotImplementedError

    def verify(self, round_no: int, prepared: Any, result: Any) -> list[str]:
        want = (self.n, self.fields[0]["run_id"], self.fields[-1]["run_id"])
        bad = sum(1 for summary in result if summary != want)
        return [f"{bad} of {len(result)} pages incomplete or wrong"] if bad else []

    def id_of(self, item: Any) -> Any:
        raise NotImplementedError


class LibPage(_Page):
    """``query_by_pipeline(id, limit=1000)`` → 1,000 validated ``PipelineRunLogView`` s (handler
    on ``api.gateway.client``)."""

    name, tag = LIB, "lib"

    def client(self) -> Any:
        self.api = PipelineRunLogsReadApi(self.env.lib_config("lib"))
        return self.api.gateway.client

    def fetch(self) -> list[Any]:
        items, token = self.api.query_by_pipeline(self.pipeline, limit=self.n)
        if token is not None:
            raise AssertionError("the canned page has no LastEvaluatedKey, yet a token came back")
        return items

    def id_of(self, item: Any) -> Any:
        if not isinstance(item, PipelineRunLogView) or not item.stages:
            return None
        return item.run_id


class RawPage(_Page):
    """``client.query(…, Limit=1000)["Items"]`` → raw wire dicts (botocore's parser)."""

    name, tag = RAW, "raw"

    def client(self) -> Any:
        return self.env.raw

    def fetch(self) -> list[Any]:
        response = self.env.raw.query(
            TableName=self.table,
            IndexName=PIPELINE_RUNS_INDEX,
            KeyConditionExpression="#p = :p",
            ExpressionAttributeNames={"#p": "pipeline_id"},
            ExpressionAttributeValues={":p": {"S": self.pipeline}},
            Limit=self.n,
            ScanIndexForward=False,
        )
        return response["Items"]  # type: ignore[no-any-return]

    def id_of(self, item: Any) -> Any:
        return item["run_id"]["S"]


class Boto3Page(_Page):
    """``Table.query(…, Limit=1000)["Items"]`` → deserialized dicts."""

    name, tag = B3, "b3"

    def client(self) -> Any:
        self.t = self.env.boto3_resource.Table(self.table)
        return self.t.meta.client

    def fetch(self) -> list[Any]:
        from boto3.dynamodb.conditions import Key

        response = self.t.query(
            IndexName=PIPELINE_RUNS_INDEX,
            KeyConditionExpression=Key("pipeline_id").eq(self.pipeline),
            Limit=self.n,
            ScanIndexForward=False,
        )
        return response["Items"]  # type: ignore[no-any-return]

    def id_of(self, item: Any) -> Any:
        return item["run_id"]


class PynamoPage(_Page):
    """``list(PipelineRunLog.pipeline_index.query(id, page_size=1000))`` → model instances (the
    canned body in PynamoDB's own storage format)."""

    name, tag = PYN, "pyn"

    def make_body(self) -> bytes:
        from bench.pynamo_models import run_log_model

        return canned_body([run_log_model(self.env.pynamo, f).serialize() for f in self.fields])

    def client(self) -> Any:
        from bench.pynamo_models import client_of

        return client_of(self.env.pynamo.PipelineRunLog)

    def fetch(self) -> list[Any]:
        index = self.env.pynamo.PipelineRunLog.pipeline_index
        return list(index.query(self.pipeline, scan_index_forward=False, page_size=self.n))

    def id_of(self, item: Any) -> Any:
        return item.run_id if item.stages else None


def page_workload(env: Env) -> Workload:
    contenders = {LIB: LibPage, RAW: RawPage, B3: Boto3Page, PYN: PynamoPage}
    built = [contenders[n](env) for n in _family(env)]
    size = len(built[0].body)
    return Workload(
        key="page",
        title=f"5. one query page of {env.sizes.page_items:,} run logs ({size / 1e6:.2f} MB, "
        "canned) → models (CPU only)",
        ops=env.sizes.page_ops,
        rounds=env.sizes.page_rounds,
        contenders=built,
        op_label="page",
        notes=[
            f"The response body ({size:,} bytes, {env.sizes.page_items:,} run logs with 3-5 "
            "stages) is returned by a `before-send.dynamodb.Query` handler on each contender's "
            "own client, so DynamoDB Local is not involved."
        ],
    )
