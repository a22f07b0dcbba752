"""``python -m dynamodb_wrapper.cli``: the ``dynamodb-wrapper`` command."""

from dynamodb_wrapper.cli import main

main()
