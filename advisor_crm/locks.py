"""Cross-process locks for background jobs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

# The first key of each two-key lock: one namespace per kind of job.
RESCORE_JOB = 5_100
PLAN_DOCUMENT = 6_100
# The administrators' parameters, saved as one set (kms.views.parameters).
PARAMETERS = 7_100


@contextmanager
def advisory_lock(namespace: int, key: int) -> Iterator[None]:
    """Hold a PostgreSQL session-level advisory lock on (namespace, key).

    A second holder waits until the first releases it: explicitly here, or when the
    connection of a worker that dies goes away, so a crash never leaves it held.
    On other databases (the embedded SQLite default, tasks run in-process one at a
    time) there is nothing to serialise and this does nothing.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [namespace, key])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [namespace, key])


def transaction_lock(namespace: int, key: int) -> None:
    """Hold a PostgreSQL advisory lock on (namespace, key) until the transaction ends.

    For what has no single row to lock (a set of rows, some not written yet): a second
    transaction taking the same lock waits until the first commits. Nothing on other
    databases, where writes are serialised anyway.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [namespace, key])
