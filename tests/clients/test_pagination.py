"""Keyset pagination (advisor_crm/pagination.py), on client rows with ties in the sort key."""

import base64
import datetime as dt
import json

import pytest
from django.utils import timezone

from advisor_crm.pagination import InvalidCursor, keyset_paginate
from clients.models import Client
from tests.conftest import Cast
from tests.factories import make_client

ORDERINGS = [("-updated_at", "-id"), ("name", "id"), ("-created_at", "-id"), ("name", "-id")]


@pytest.fixture
def tied_clients(cast: Cast) -> list[Client]:
    """Eleven clients of one advisor whose names and timestamps repeat."""
    same_moment = timezone.now().replace(microsecond=123456)
    names = ["王伟", "王伟", "王伟", "李娜", "李娜", "张敏", "王伟", "刘洋", "李娜", "张敏", "陈静"]
    clients = [
        make_client(
            owner=cast.advisor,
            name=name,
            created_at=same_moment - dt.timedelta(days=index % 3),
        )
        for index, name in enumerate(names)
    ]
    # Three groups of rows updated "at the same moment", as a bulk import would leave them.
    for index, client in enumerate(clients):
        Client.objects.filter(pk=client.pk).update(
            updated_at=same_moment - dt.timedelta(hours=index % 3)
        )
    return clients


def _queryset(cast: Cast):
    return Client.objects.filter(owner=cast.advisor)


def _walk_forwards(queryset, ordering, page_size):
    pages, cursor = [], None
    while True:
        page = keyset_paginate(queryset, ordering=ordering, cursor=cursor, page_size=page_size)
        pages.append(page)
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor
        assert len(pages) < 100, "the walk does not end"


def _walk_backwards(queryset, ordering, page_size, cursor):
    pages = []
    while cursor is not None:
        page = keyset_paginate(queryset, ordering=ordering, cursor=cursor, page_size=page_size)
        pages.append(page)
        cursor = page.prev_cursor
        assert len(pages) < 100, "the walk does not end"
    return pages


@pytest.mark.parametrize("ordering", ORDERINGS)
@pytest.mark.parametrize("page_size", [1, 2, 3, 4, 11, 50])
def test_it_walks_forwards_through_every_row_exactly_once(
    cast: Cast, tied_clients: list[Client], ordering: tuple[str, ...], page_size: int
) -> None:
    queryset = _queryset(cast)
    expected = list(queryset.order_by(*ordering).values_list("pk", flat=True))

    pages = _walk_forwards(queryset, ordering, page_size)

    walked = [client.pk for page in pages for client in page.items]
    assert walked == expected
    assert all(len(page.items) == page_size for page in pages[:-1])
    assert pages[0].prev_cursor is None
    assert pages[-1].next_cursor is None


@pytest.mark.parametrize("ordering", ORDERINGS)
@pytest.mark.parametrize("page_size", [1, 2, 3, 4])
def test_it_walks_backwards_through_the_same_pages(
    cast: Cast, tied_clients: list[Client], ordering: tuple[str, ...], page_size: int
) -> None:
    queryset = _queryset(cast)
    forwards = _walk_forwards(queryset, ordering, page_size)

    backwards = _walk_backwards(queryset, ordering, page_size, forwards[-1].prev_cursor)

    # Every page but the last, met again in reverse order with the same rows.
    assert [[c.pk for c in page.items] for page in reversed(backwards)] == [
        [c.pk for c in page.items] for page in forwards[:-1]
    ]
    assert all(page.next_cursor is not None for page in backwards)
    assert backwards[-1].prev_cursor is None


def test_it_says_whether_there_are_other_pages(cast: Cast, tied_clients: list[Client]) -> None:
    queryset = _queryset(cast)

    only_page = keyset_paginate(queryset, ordering=ORDERINGS[0], cursor=None, page_size=50)
    first_page = keyset_paginate(queryset, ordering=ORDERINGS[0], cursor=None, page_size=5)

    assert not only_page.has_other_pages
    assert first_page.has_other_pages
    assert first_page.next_cursor and first_page.prev_cursor is None


def test_it_continues_after_the_edge_row_is_deleted(cast: Cast, tied_clients: list[Client]) -> None:
    queryset = _queryset(cast)
    ordering = ("name", "id")
    expected = list(queryset.order_by(*ordering).values_list("pk", flat=True))
    first = keyset_paginate(queryset, ordering=ordering, cursor=None, page_size=3)

    Client.objects.filter(pk=first.items[-1].pk).delete()
    second = keyset_paginate(queryset, ordering=ordering, cursor=first.next_cursor, page_size=3)

    assert [client.pk for client in second.items] == expected[3:6]


def test_it_returns_an_empty_page_for_an_empty_queryset(cast: Cast) -> None:
    page = keyset_paginate(Client.objects.none(), ordering=ORDERINGS[0], cursor=None, page_size=10)

    assert page.items == []
    assert page.next_cursor is None and page.prev_cursor is None


def _cursor(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor",
        "!!!",
        _cursor(["n", "2026-01-01", "1"]),
        _cursor({"d": "sideways", "v": ["王伟", "1"]}),
        _cursor({"d": "n", "v": ["王伟"]}),
        _cursor({"d": "n"}),
    ],
)
def test_it_rejects_a_malformed_cursor(cast: Cast, cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        keyset_paginate(_queryset(cast), ordering=("name", "id"), cursor=cursor, page_size=5)


@pytest.mark.parametrize(
    ("ordering", "values"),
    [
        (("name", "id"), ["王伟", "not-a-number"]),
        (("-updated_at", "-id"), ["not-a-date", "1"]),
    ],
)
def test_it_rejects_a_cursor_whose_values_do_not_fit_the_fields(
    cast: Cast, ordering: tuple[str, ...], values: list[str]
) -> None:
    # A well-formed cursor with edited values must fail as InvalidCursor (the list
    # view answers 400), not with a field's own ValidationError (a 500).
    cursor = _cursor({"d": "n", "v": values})

    with pytest.raises(InvalidCursor):
        keyset_paginate(_queryset(cast), ordering=ordering, cursor=cursor, page_size=5)
