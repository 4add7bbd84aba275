"""Issue 12, A.4: a second record of a client is caught when it is created."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clients import services
from clients.models import Client
from tests.clients.test_views import new_client_data
from tests.conftest import Cast, logged_in
from tests.factories import make_client, valid_id_number

pytestmark = pytest.mark.django_db

ID_NUMBER = valid_id_number(birth="19700812", sequence="451")


def _post(user: object, **changes: str) -> tuple[int, str]:
    response = logged_in(user).post(reverse("clients:create"), new_client_data(**changes))  # type: ignore[arg-type]
    return response.status_code, response.content.decode()


def test_it_warns_of_the_same_id_number_in_the_users_book_and_links_to_it(cast: Cast) -> None:
    existing = make_client(owner=cast.advisor, name="林志远", id_number=ID_NUMBER)
    before = Client.objects.count()

    status, html = _post(cast.advisor, name="林志远", id_number=ID_NUMBER.lower())

    assert status == 200
    assert Client.objects.count() == before
    assert reverse("clients:detail", args=[existing.pk]) in html
    assert 'name="duplicate_confirmed"' in html
    assert "身份证号" in html


def test_it_creates_the_second_record_once_the_user_confirms(cast: Cast) -> None:
    make_client(owner=cast.advisor, name="林志远", phone="13912345678")
    status, _html = _post(
        cast.advisor, name="林志远之子", phone="139 1234 5678", duplicate_confirmed="on"
    )
    assert status == 303
    assert Client.objects.filter(phone="13912345678").count() == 2


def test_it_warns_of_the_same_mobile(cast: Cast) -> None:
    existing = make_client(owner=cast.teammate, name="周海", phone="13700001111")
    # The lead sees the teammate's book: the warning links to it.
    status, html = _post(cast.lead, name="周海", phone="+86 137-0000-1111", owner=str(cast.lead.pk))
    assert status == 200
    assert reverse("clients:detail", args=[existing.pk]) in html
    assert "手机号" in html


def test_it_refuses_a_match_in_another_book_and_tells_nothing_of_it(cast: Cast) -> None:
    hidden = make_client(
        owner=cast.outsider, name="秘密客户", id_number=ID_NUMBER, phone="13600002222"
    )
    before = Client.objects.count()

    status, html = _post(cast.advisor, name="新客户", id_number=ID_NUMBER, duplicate_confirmed="on")

    assert status == 200
    assert Client.objects.count() == before
    assert "团队长" in html
    assert hidden.name not in html
    assert reverse("clients:detail", args=[hidden.pk]) not in html
    assert 'name="duplicate_confirmed"' not in html


def test_the_service_refuses_a_duplicate_for_every_way_in(cast: Cast) -> None:
    make_client(owner=cast.advisor, id_number=ID_NUMBER)
    with pytest.raises(services.DuplicateClient) as caught:
        services.client_create(data={"name": "重复", "owner": cast.advisor}, id_number=ID_NUMBER)
    assert set(caught.value.message_dict) == {"id_number"}
    assert caught.value.duplicates.visible
    created = services.client_create(
        data={"name": "重复", "owner": cast.advisor}, id_number=ID_NUMBER, duplicate_confirmed=True
    )
    assert created.pk
