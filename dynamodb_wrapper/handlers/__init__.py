"""CQRS handlers: one package per domain, each with a ``*ReadApi`` and a ``*WriteApi``."""
