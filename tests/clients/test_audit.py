"""The change history of KYC data: who, when, before and after; sensitive values masked."""

from __future__ import annotations

import json
from decimal import Decimal

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import reverse
from django.utils.html import escape

from clients.audit import SENSITIVE_MASK
from kyc.models import Asset, Person
from tests.conftest import Cast, logged_in
from tests.factories import (
    kyc_edit_data,
    kyc_new_data,
    make_asset,
    make_consent,
    make_person,
)

HEALTH = "2019年确诊2型糖尿病"
NEW_HEALTH = "2024年心脏支架手术"
ACCOUNT = "招商银行 6225 8801 2345 6789"


def _entries_for(instance: Person | Asset) -> list[LogEntry]:
    return list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(instance), object_id=instance.pk
        ).order_by("pk")
    )


def _everything_logged() -> str:
    return json.dumps(
        [
            [e.object_repr, e.changes, e.changes_text, e.serialized_data, e.additional_data]
            for e in LogEntry.objects.all()
        ],
        ensure_ascii=False,
        default=str,
    )


def test_it_records_who_changed_what_from_what_to_what(cast: Cast) -> None:
    client = cast.advisor_client
    person = make_person(client=client, relationship="parent", occupation="教师", name="赵大山")
    url = reverse("kyc:item", args=[client.pk, "people", person.pk])

    logged_in(cast.advisor).post(
        url, kyc_edit_data(key="people", item=person, occupation="退休教师", cares_about="on")
    )

    update = _entries_for(person)[-1]
    assert update.action == LogEntry.Action.UPDATE
    assert update.actor == cast.advisor
    assert update.additional_data == {"client_id": client.pk}
    assert update.object_repr == "赵大山"
    assert update.changes_dict["occupation"] == ["教师", "退休教师"]
    assert update.changes_dict["cares_about"] == ["False", "True"]
    assert set(update.changes_dict) == {"occupation", "cares_about"}


def test_it_records_the_user_who_made_each_change(cast: Cast) -> None:
    client = cast.advisor_client
    person = make_person(client=client, relationship="parent", occupation="教师")
    url = reverse("kyc:item", args=[client.pk, "people", person.pk])

    logged_in(cast.advisor).post(url, kyc_edit_data(key="people", item=person, occupation="A"))
    person.refresh_from_db()
    logged_in(cast.lead).post(url, kyc_edit_data(key="people", item=person, occupation="B"))

    updates = [e for e in _entries_for(person) if e.action == LogEntry.Action.UPDATE]
    assert [(e.actor, e.changes_dict["occupation"]) for e in updates] == [
        (cast.advisor, ["教师", "A"]),
        (cast.lead, ["A", "B"]),
    ]


def test_it_records_additions_and_deletions(cast: Cast) -> None:
    client = cast.advisor_client
    http = logged_in(cast.advisor)
    http.post(
        reverse("kyc:item_new", args=[client.pk, "assets"]),
        kyc_new_data(key="assets", client=client),
    )
    asset = Asset.objects.get(client=client)

    http.post(reverse("kyc:item_delete", args=[client.pk, "assets", asset.pk]))

    entries = _entries_for(asset)
    assert [(e.action, e.actor) for e in entries] == [
        (LogEntry.Action.CREATE, cast.advisor),
        (LogEntry.Action.DELETE, cast.advisor),
    ]
    assert entries[0].changes_dict["value"][1] == "5000000.00"
    assert all(e.additional_data == {"client_id": client.pk} for e in entries)


def test_it_records_nothing_when_the_edit_is_refused(cast: Cast) -> None:
    client = cast.advisor_client
    person = make_person(client=client, relationship="parent")
    count = LogEntry.objects.count()
    url = reverse("kyc:item", args=[client.pk, "people", person.pk])

    logged_in(cast.advisor).post(
        url, kyc_edit_data(key="people", item=person, birth_date="2999-01-01", occupation="X")
    )

    assert LogEntry.objects.count() == count


def test_it_masks_health_notes_in_the_log(cast: Cast) -> None:
    client = cast.advisor_client
    make_consent(client=client, recorded_by=cast.advisor)
    person = make_person(client=client, relationship="parent", health_notes=HEALTH)
    url = reverse("kyc:item", args=[client.pk, "people", person.pk])

    logged_in(cast.advisor).post(
        url, kyc_edit_data(key="people", item=person, health_notes=NEW_HEALTH)
    )

    person.refresh_from_db()
    assert person.health_notes == NEW_HEALTH
    update = _entries_for(person)[-1]
    assert update.actor == cast.advisor
    assert update.changes_dict["health_notes"] == [SENSITIVE_MASK, SENSITIVE_MASK]
    logged = _everything_logged()
    for secret in (HEALTH, NEW_HEALTH, "糖尿病", "支架"):
        assert secret not in logged


def test_it_masks_account_details_in_the_log(cast: Cast) -> None:
    client = cast.advisor_client
    make_consent(client=client, recorded_by=cast.advisor, scope="financial")
    asset = make_asset(client=client)
    url = reverse("kyc:item", args=[client.pk, "assets", asset.pk])

    logged_in(cast.advisor).post(
        url, kyc_edit_data(key="assets", item=asset, account_details=ACCOUNT)
    )

    asset.refresh_from_db()
    assert asset.account_details == ACCOUNT
    assert _entries_for(asset)[-1].changes_dict["account_details"] == ["", SENSITIVE_MASK]
    assert "6225" not in _everything_logged()


def test_it_logs_no_encrypted_text_either(cast: Cast) -> None:
    # Ciphertext in the log would outlive a key rotation and leak length and timing.
    client = cast.advisor_client
    make_consent(client=client, recorded_by=cast.advisor)
    person = make_person(client=client, relationship="parent")
    url = reverse("kyc:item", args=[client.pk, "people", person.pk])

    logged_in(cast.advisor).post(url, kyc_edit_data(key="people", item=person, health_notes=HEALTH))

    with connection.cursor() as cursor:
        cursor.execute("SELECT health_notes FROM kyc_person WHERE id = %s", [person.pk])
        ciphertext = cursor.fetchone()[0]
    assert ciphertext
    assert ciphertext not in _everything_logged()


# The history tab ---------------------------------------------------------------------


def test_it_shows_the_change_on_the_history_tab(cast: Cast) -> None:
    client = cast.advisor_client
    make_consent(client=client, recorded_by=cast.advisor)
    person = make_person(
        client=client, relationship="parent", occupation="教师", name="赵大山", health_notes=HEALTH
    )
    url = reverse("kyc:item", args=[client.pk, "people", person.pk])
    logged_in(cast.advisor).post(
        url,
        kyc_edit_data(key="people", item=person, occupation="退休教师", health_notes=NEW_HEALTH),
    )

    response = logged_in(cast.lead).get(
        reverse("kyc:history", args=[client.pk]), headers={"Accept-Language": "en"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert escape(str(cast.advisor)) in html
    assert "赵大山" in html
    assert '<td class="before">教师</td><td class="after">退休教师</td>' in html
    assert f'<td class="after">{SENSITIVE_MASK}</td>' in html
    for secret in (HEALTH, NEW_HEALTH, "糖尿病", "支架"):
        assert secret not in html


def test_it_shows_account_details_masked_on_the_history_tab(cast: Cast) -> None:
    client = cast.advisor_client
    make_consent(client=client, recorded_by=cast.advisor)
    asset = make_asset(client=client, value=Decimal(100))
    url = reverse("kyc:item", args=[client.pk, "assets", asset.pk])
    logged_in(cast.advisor).post(
        url, kyc_edit_data(key="assets", item=asset, account_details=ACCOUNT)
    )

    html = logged_in(cast.advisor).get(reverse("kyc:history", args=[client.pk])).content.decode()

    assert SENSITIVE_MASK in html
    assert "6225" not in html


def test_it_shows_only_the_clients_own_history(cast: Cast) -> None:
    make_person(client=cast.advisor_client, relationship="child", name="赵小宝")
    make_person(client=cast.teammate_client, relationship="child", name="孙小雨")

    html = (
        logged_in(cast.lead)
        .get(reverse("kyc:history", args=[cast.advisor_client.pk]))
        .content.decode()
    )

    assert "赵小宝" in html
    assert "孙小雨" not in html


def test_it_shows_the_newest_change_first(cast: Cast) -> None:
    client = cast.advisor_client
    person = make_person(client=client, relationship="parent", occupation="第一")
    url = reverse("kyc:item", args=[client.pk, "people", person.pk])
    http = logged_in(cast.advisor)
    http.post(url, kyc_edit_data(key="people", item=person, occupation="第二"))
    person.refresh_from_db()
    http.post(url, kyc_edit_data(key="people", item=person, occupation="第三"))

    html = http.get(reverse("kyc:history", args=[client.pk])).content.decode()

    assert html.index('<td class="after">第三</td>') < html.index('<td class="after">第二</td>')
