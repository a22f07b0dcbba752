"""The ``dynamodb-wrapper`` command line (``dynamodb-wrapper --help``).

Built on Typer and rich, on the public read and write APIs only::

    dynamodb-wrapper local start                 # DynamoDB Local in the background
    dynamodb-wrapper tables create               # the three tables, from the models' Meta
    dynamodb-wrapper pipelines list --active
    dynamodb-wrapper --tz Europe/Paris runs list --pipeline orders-daily --since 2024-05-01T00:00Z
    dynamodb-wrapper export runs -o runs.jsonl && dynamodb-wrapper import runs runs.jsonl
    dynamodb-wrapper demo                        # a realistic data set and an on-call report
"""

from dynamodb_wrapper.cli.app import app, main

__all__ = ["app", "main"]
