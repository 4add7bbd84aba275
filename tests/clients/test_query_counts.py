"""The list page must cost the same number of queries whatever the number of rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from advisor_crm.accounts.models import User
from clients import services
from tests.conftest import Cast, logged_in
from tests.factories import make_client

HTMX_RESULTS = {"HX-Request": "true", "HX-Target": "client-results"}


def _count_list_queries(user: User, headers: dict[str, str]) -> tuple[int, str]:
    http = logged_in(user)
    http.get(reverse("clients:list"))  # warm up: session, language, caches
    with CaptureQueriesContext(connection) as queries:
        response = http.get(reverse("clients:list"), headers=headers)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def _add_tagged_clients(owner: User, count: int) -> None:
    for index in range(count):
        client = make_client(owner=owner, name=f"批量客户{index:02d}")
        services.client_update(client=client, data={}, tag_names=["高净值", f"标签{index % 4}"])


@pytest.mark.parametrize("role", ["advisor", "lead", "admin"])
@pytest.mark.parametrize("headers", [{}, HTMX_RESULTS], ids=["page", "htmx"])
def test_it_does_not_grow_the_query_count_with_rows(
    cast: Cast, role: str, headers: dict[str, str]
) -> None:
    user = getattr(cast, role)
    for _ in range(2):
        make_client(owner=cast.advisor)
    few, few_html = _count_list_queries(user, headers)

    _add_tagged_clients(cast.advisor, 15)
    _add_tagged_clients(cast.teammate, 15)
    many, many_html = _count_list_queries(user, headers)

    assert "批量客户" in many_html and "高净值" in many_html  # tags and owners are shown
    assert "批量客户" not in few_html
    assert many == few
    # Session, user, one page of clients with their owners and scores, their tags; the
    # whole page also reads the tiers for the tier filter (scoring/listing.py).
    assert many <= (5 if headers else 6)
