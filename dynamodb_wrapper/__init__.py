"""DynamoDB wrapper."""
