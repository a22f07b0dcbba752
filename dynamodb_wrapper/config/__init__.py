"""Configuration."""

from dynamodb_wrapper.config.config import DynamoDBConfig

__all__ = ["DynamoDBConfig"]
