import base64
import os

from django.db import connection
from pytest_django import Settings

from clients import crypto
from clients.models import Client
from clients.selectors import ClientFilters, client_list
from tests.conftest import Cast
from tests.factories import make_client, valid_id_number

NUMBER = valid_id_number(region="330106", birth="19840315", sequence="123")


def _raw_row(client: Client) -> dict[str, str]:
    """The stored row as the database holds it, bypassing the model."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number_encrypted, id_number_index FROM clients_client WHERE id = %s",
            [client.pk],
        )
        encrypted, index = cursor.fetchone()
    return {"encrypted": encrypted, "index": index}


def _whole_row_as_text(client: Client) -> str:
    """Every column of the row, as one string, read with a raw SQL cursor."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM clients_client WHERE id = %s", [client.pk])
        row = cursor.fetchone()
    return " ".join(str(value) for value in row)


def test_it_does_not_store_the_number_in_clear(cast: Cast) -> None:
    client = make_client(owner=cast.advisor, id_number=NUMBER)

    stored = _whole_row_as_text(client)

    assert NUMBER not in stored
    assert NUMBER[-6:] not in stored
    assert NUMBER[:6] + NUMBER[6:14] not in stored
    assert _raw_row(client)["encrypted"].startswith("gAAAAA")  # a Fernet token


def test_it_stores_the_blind_index_of_the_number(cast: Cast) -> None:
    client = make_client(owner=cast.advisor, id_number=NUMBER)

    index = _raw_row(client)["index"]

    assert index == crypto.blind_index(NUMBER)
    assert len(index) == 64
    assert NUMBER not in index


def test_it_round_trips_through_decryption(cast: Cast) -> None:
    client = make_client(owner=cast.advisor, id_number=NUMBER)

    assert crypto.decrypt(_raw_row(client)["encrypted"]) == NUMBER
    assert Client.objects.get(pk=client.pk).get_id_number() == NUMBER


def test_it_encrypts_the_same_number_differently_each_time(cast: Cast) -> None:
    first = make_client(owner=cast.advisor, id_number=NUMBER)
    second = make_client(owner=cast.teammate, id_number=NUMBER)

    assert _raw_row(first)["encrypted"] != _raw_row(second)["encrypted"]
    assert _raw_row(first)["index"] == _raw_row(second)["index"]


def test_it_masks_all_but_the_first_and_last_four(cast: Cast) -> None:
    client = make_client(owner=cast.advisor, id_number=NUMBER)

    assert client.id_number_masked == NUMBER[:4] + "*" * 10 + NUMBER[-4:]
    assert crypto.mask("1234567") == "*******"


def test_it_clears_both_columns_when_the_number_is_removed(cast: Cast) -> None:
    client = make_client(owner=cast.advisor, id_number=NUMBER)

    client.set_id_number("")
    client.save()

    assert _raw_row(client) == {"encrypted": "", "index": ""}


def test_it_finds_a_client_by_the_exact_number(cast: Cast) -> None:
    wanted = make_client(owner=cast.advisor, id_number=NUMBER)
    make_client(owner=cast.advisor, id_number=valid_id_number(sequence="125"))

    page = client_list(user=cast.advisor, filters=ClientFilters(query=NUMBER), cursor=None)

    assert [client.pk for client in page.items] == [wanted.pk]


def test_it_finds_a_number_ending_in_x_typed_in_lowercase(cast: Cast) -> None:
    number = "33010619840315006X"
    wanted = make_client(owner=cast.advisor, id_number=number)

    page = client_list(user=cast.advisor, filters=ClientFilters(query=number.lower()), cursor=None)

    assert [client.pk for client in page.items] == [wanted.pk]


def test_it_does_not_find_another_advisors_client_by_number(cast: Cast) -> None:
    make_client(owner=cast.outsider, id_number=NUMBER)

    page = client_list(user=cast.advisor, filters=ClientFilters(query=NUMBER), cursor=None)

    assert page.items == []


def test_it_still_decrypts_after_a_key_rotation(cast: Cast, settings: Settings) -> None:
    client = make_client(owner=cast.advisor, id_number=NUMBER)
    new_key = base64.urlsafe_b64encode(os.urandom(32)).decode()

    settings.FIELD_ENCRYPTION_KEYS = [new_key, *settings.FIELD_ENCRYPTION_KEYS]

    assert Client.objects.get(pk=client.pk).get_id_number() == NUMBER
    assert crypto.decrypt(crypto.encrypt(NUMBER)) == NUMBER
