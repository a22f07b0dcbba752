"""Workload 7, run in a fresh subprocess: iterate every run log of one pipeline lazily and
sample the resident set size every ``--every`` items.

Prints one JSON object: wall and CPU time of the iteration (imports and client creation
excluded), item count, RSS samples ``[[items, bytes], ...]``, RSS before the first item and the
process's peak RSS (``VmHWM``).

    python -m bench.iterate_child --contender dynamodb_wrapper --endpoint URL \
        --table-prefix P --table T --pipeline PID --every 5000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Iterator
from typing import Any

_PAGE = 1000
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    """Current resident set size in bytes (``/proc/self/statm``; psutil elsewhere)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * _PAGE_BYTES
    except OSError:  # pragma: no cover - not Linux
        import psutil

        return int(psutil.Process().memory_info().rss)


def peak_rss() -> int:
    """Peak resident set size of this process image in bytes.

    ``VmHWM`` of ``/proc/self/status``: unlike ``ru_maxrss``, which survives ``exec`` and so
    would report the parent's size at fork time, it belongs to this process image only.
    """
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _library(args: argparse.Namespace) -> Iterator[Any]:
    from dynamodb_wrapper import DynamoDBConfig, PipelineRunLogsReadApi

    api = PipelineRunLogsReadApi(
        DynamoDBConfig(
            endpoint_url=args.endpoint,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
            table_prefix=args.table_prefix,
            environment="b",
        )
    )
    return api.iter_by_pipeline(args.pipeline)


def _raw(args: argparse.Namespace) -> Iterator[Any]:
    import botocore.session

    client = botocore.session.get_session().create_client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=args.endpoint,
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    )

    def items() -> Iterator[Any]:
        kwargs: dict[str, Any] = {}
        while True:
            page = client.query(
                TableName=args.table,
                IndexName="PipelineRunsIndex",
                KeyConditionExpression="#p = :p",
                ExpressionAttributeNames={"#p": "pipeline_id"},
                ExpressionAttributeValues={":p": {"S": args.pipeline}},
                ScanIndexForward=False,
                Limit=_PAGE,
                **kwargs,
            )
            yield from page["Items"]
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    return items()


def _boto3(args: argparse.Namespace) -> Iterator[Any]:
    import boto3
    from boto3.dynamodb.conditions import Key

    table = (
        boto3.session.Session()
        .resource(
            "dynamodb",
            region_name="us-east-1",
            endpoint_url=args.endpoint,
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
        )
        .Table(args.table)
    )

    def items() -> Iterator[Any]:
        kwargs: dict[str, Any] = {}
        while True:
            page = table.query(
                IndexName="PipelineRunsIndex",
                KeyConditionExpression=Key("pipeline_id").eq(args.pipeline),
                ScanIndexForward=False,
                Limit=_PAGE,
                **kwargs,
            )
            yield from page["Items"]
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    return items()


def _pynamodb(args: argparse.Namespace) -> Iterator[Any]:
    from bench.pynamo_models import build_models

    models = build_models(args.endpoint, "unused", args.table)
    return iter(
        models.PipelineRunLog.pipeline_index.query(
            args.pipeline, scan_index_forward=False, page_size=_PAGE
        )
    )


SOURCES = {
    "dynamodb_wrapper": _library,
    "raw botocore": _raw,
    "boto3 Table": _boto3,
    "PynamoDB 6.1": _pynamodb,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.iterate_child")
    parser.add_argument("--contender", choices=sorted(SOURCES), required=True)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--table-prefix", required=True)
    parser.add_argument("--table", required=True)
    parser.add_argument("--pipeline", required=True)
    parser.add_argument("--every", type=int, default=5000)
    args = parser.parse_args(argv)

    items = SOURCES[args.contender](args)
    before = rss()
    samples: list[list[int]] = []
    count = 0
    last = None
    c0 = time.process_time()
    t0 = time.perf_counter()
    for item in items:
        count += 1
        if count % args.every == 0:
            samples.append([count, rss()])
        last = item  # keep a reference, as a consumer would
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    del last
    end = rss()
    if not samples or samples[-1][0] != count:
        samples.append([count, end])
    peak = peak_rss()
    json.dump(
        {
            "wall": wall,
            "cpu": cpu,
            "count": count,
            "rss_before": before,
            "rss_end": end,
            "peak_rss": max(peak, *(s[1] for s in samples)),
            "samples": samples,
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
