"""The benchmark environment: endpoint, sizes, tables per contender, helper clients."""

from __future__ import annotations

import functools
import importlib.util
import time
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import botocore.config
import botocore.session

from dynamodb_wrapper import (
    DynamoDBConfig,
    PipelineConfig,
    PipelineRunLog,
    ensure_tables,
)

__all__ = ["B3", "FULL", "LIB", "PYN", "RAW", "REF", "SMOKE", "Env", "Sizes"]

LIB = "dynamodb_wrapper"
RAW = "raw botocore"
B3 = "boto3 Table"
PYN = "PynamoDB 6.1"
REF = "import boto3, pydantic"

REGION = "us-east-1"
KEY = "bench"
ENVIRONMENT = "b"


@dataclass(frozen=True)
class Sizes:
    put_ops: int
    get_ops: int
    single_rounds: int
    query_items: int
    query_page: int
    query_ops: int
    query_rounds: int
    bulk_items: int
    bulk_rounds: int
    codec_ops: int
    codec_rounds: int
    page_items: int
    page_ops: int
    page_rounds: int
    import_rounds: int
    iter_items: int
    iter_every: int

    def with_rounds(self, rounds: int) -> Sizes:
        """Every interleaved workload with ``rounds`` rounds (the 100k iteration stays once)."""
        return Sizes(
            **{
                **self.__dict__,
                "single_rounds": rounds,
                "query_rounds": rounds,
                "bulk_rounds": rounds,
                "codec_rounds": rounds,
                "page_rounds": rounds,
                "import_rounds": rounds,
            }
        )


FULL = Sizes(
    put_ops=200,
    get_ops=200,
    single_rounds=11,
    query_items=100,
    query_page=25,
    query_ops=20,
    query_rounds=9,
    bulk_items=5000,
    bulk_rounds=5,
    codec_ops=2000,
    codec_rounds=9,
    page_items=1000,
    page_ops=3,
    page_rounds=9,
    import_rounds=9,
    iter_items=100_000,
    iter_every=5000,
)

SMOKE = Sizes(
    put_ops=5,
    get_ops=5,
    single_rounds=2,
    query_items=10,
    query_page=4,
    query_ops=2,
    query_rounds=2,
    bulk_items=60,
    bulk_rounds=2,
    codec_ops=50,
    codec_rounds=2,
    page_items=20,
    page_ops=2,
    page_rounds=2,
    import_rounds=1,
    iter_items=2000,
    iter_every=200,
)


def raw_client(endpoint: str, pool: int = 10) -> Any:
    """A plain botocore DynamoDB client (default settings but the pool size)."""
    return botocore.session.get_session().create_client(
        "dynamodb",
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id=KEY,
        aws_secret_access_key=KEY,
        config=botocore.config.Config(max_pool_connections=pool),
    )


class Env:
    """Where and how big: endpoint, sizes, a unique table prefix, one set of tables per
    contender, and a separate *checker* client for loading data and verifying results."""

    def __init__(self, endpoint: str, sizes: Sizes, *, smoke: bool, with_pynamodb: bool = True):
        self.endpoint = endpoint
        self.sizes = sizes
        self.smoke = smoke
        self.prefix = f"bench{uuid.uuid4().hex[:6]}"
        self.checker = raw_client(endpoint, pool=16)
        self.has_pynamodb = with_pynamodb and importlib.util.find_spec("pynamodb") is not None
        self._tables_ready = False

    # ------------------------------------------------------------------ names

    def lib_config(self, tag: str = "lib") -> DynamoDBConfig:
        """A library config whose tables are ``<prefix>_<tag>_b_<base>``."""
        return DynamoDBConfig(
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=KEY,
            aws_secret_access_key=KEY,
            table_prefix=f"{self.prefix}_{tag}",
            environment=ENVIRONMENT,
        )

    def table(self, tag: str, base: str) -> str:
        return self.lib_config(tag).get_table_name(base)

    # ------------------------------------------------------------------ contender clients

    @functools.cached_property
    def raw(self) -> Any:
        """The raw contender's client (default botocore settings)."""
        return botocore.session.get_session().create_client(
            "dynamodb",
            region_name=REGION,
            endpoint_url=self.endpoint,
            aws_access_key_id=KEY,
            aws_secret_access_key=KEY,
        )

    @functools.cached_property
    def boto3_resource(self) -> Any:
        import boto3

        return boto3.session.Session().resource(
            "dynamodb",
            region_name=REGION,
            endpoint_url=self.endpoint,
            aws_access_key_id=KEY,
            aws_secret_access_key=KEY,
        )

    @functools.cached_property
    def pynamo(self) -> Any:
        from bench.pynamo_models import build_models

        return build_models(
            self.endpoint,
            self.table("pyn", "pipeline_config"),
            self.table("pyn", "pipeline_run_logs"),
            region=REGION,
            access_key=KEY,
            secret_key=KEY,
        )

    # ------------------------------------------------------------------ tables

    def create_tables(self) -> None:
        """One pair of tables (configs, run logs) per contender; PynamoDB creates its own."""
        if self._tables_ready:
            return
        for tag in ("lib", "raw", "b3"):
            ensure_tables(self.lib_config(tag), [PipelineConfig, PipelineRunLog])
        if self.has_pynamodb:
            for model in (self.pynamo.PipelineConfig, self.pynamo.PipelineRunLog):
                if not model.exists():
                    model.create_table(wait=True)
        self._tables_ready = True

    def drop_tables(self) -> int:
        """Delete every table of this run (best effort); returns how many."""
        names: list[str] = []
        kwargs: dict[str, Any] = {}
        while True:
            page = self.checker.list_tables(**kwargs)
            names.extend(page.get("TableNames", []))
            if "LastEvaluatedTableName" not in page:
                break
            kwargs["ExclusiveStartTableName"] = page["LastEvaluatedTableName"]
        dropped = 0
        for name in names:
            if name.startswith(f"{self.prefix}_"):
                try:
                    self.checker.delete_table(TableName=name)
                    dropped += 1
                except Exception:  # pragma: no cover - the server may be going away
                    pass
        return dropped

    # ------------------------------------------------------------------ data helpers

    def load(self, table: str, items: Sequence[dict[str, Any]], threads: int = 4) -> float:
        """Write wire ``items`` with parallel batch writes (untimed set-up); returns seconds."""
        started = time.perf_counter()
        chunks = [items[i : i + 25] for i in range(0, len(items), 25)]

        def write(chunk: Sequence[dict[str, Any]]) -> None:
            requests = [{"PutRequest": {"Item": item}} for item in chunk]
            attempt = 0
            while requests:
                response = self.checker.batch_write_item(RequestItems={table: requests})
                requests = response.get("UnprocessedItems", {}).get(table, [])
                if requests:
                    attempt += 1
                    time.sleep(min(0.05 * attempt, 1.0))

        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(write, chunks))
        return time.perf_counter() - started

    def count_runs(self, table: str, pipeline_id: str) -> int:
        """Items of ``pipeline_id`` in a run-log table (``Select=COUNT`` on PipelineRunsIndex)."""
        total = 0
        kwargs: dict[str, Any] = {}
        while True:
            page = self.checker.query(
                TableName=table,
                IndexName="PipelineRunsIndex",
                KeyConditionExpression="pipeline_id = :p",
                ExpressionAttributeValues={":p": {"S": pipeline_id}},
                Select="COUNT",
                **kwargs,
            )
            total += page["Count"]
            if "LastEvaluatedKey" not in page:
                return total
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def missing(self, table: str, key: str, ids: Iterable[str]) -> list[str]:
        """The ids among ``ids`` with no item in ``table`` (batch gets)."""
        wanted = list(dict.fromkeys(ids))
        found: set[str] = set()
        for offset in range(0, len(wanted), 100):
            request = {
                table: {
                    "Keys": [{key: {"S": i}} for i in wanted[offset : offset + 100]],
                    "ProjectionExpression": "#k",
                    "ExpressionAttributeNames": {"#k": key},
                    "ConsistentRead": True,
                }
            }
            while request:
                response = self.checker.batch_get_item(RequestItems=request)
                found.update(item[key]["S"] for item in response["Responses"].get(table, []))
                request = response.get("UnprocessedKeys") or {}
        return [i for i in wanted if i not in found]
