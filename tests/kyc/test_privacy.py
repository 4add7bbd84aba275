"""Sensitive personal information: the consent gate, encryption at rest, export, erasure."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.urls import reverse
from django.utils import translation

from clients.models import Client, SensitiveAccess
from clients.money import format_both
from kyc.models import (
    Allocation,
    Asset,
    ClientErasure,
    Enterprise,
    ExistingPolicy,
    Household,
    IncomeSource,
    Liability,
    Person,
    PersonLink,
    PolicyBeneficiary,
    SensitiveConsent,
)
from tests.conftest import Cast, logged_in
from tests.factories import (
    Family,
    kyc_edit_data,
    kyc_new_data,
    make_asset,
    make_beneficiary,
    make_consent,
    make_family,
    make_income,
    make_person,
    make_policy,
    valid_id_number,
)

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

HTMX_ENGLISH = {"HX-Request": "true", "Accept-Language": "en"}
CONSENT_NEEDED = "Read-only until the client&#x27;s separate consent"
HEALTH = "2019年确诊2型糖尿病，服用二甲双胍"
ACCOUNT = "招商银行 6225 8801 2345 6789"
ID_NUMBER = valid_id_number(region="330106", birth="19840518", sequence="031")


def _html(response: Response) -> str:
    return response.content.decode()


def _widget(html: str, name: str) -> str:
    """The rendered <input> or <textarea> of one field."""
    match = re.search(rf'<(textarea|input)[^>]*name="{name}"[^>]*>', html)
    assert match is not None, name
    return match.group(0)


def _raw_column(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _edit_person(cast: Cast, person: Person, **changes: str) -> Response:
    url = reverse("kyc:item", args=[person.client_id, "people", person.pk])
    data = kyc_edit_data(key="people", item=person, **changes)
    return logged_in(cast.advisor).post(url, data, headers=HTMX_ENGLISH)


def _edit_asset(cast: Cast, asset: Asset, **changes: str) -> Response:
    url = reverse("kyc:item", args=[asset.client_id, "assets", asset.pk])
    data = kyc_edit_data(key="assets", item=asset, **changes)
    return logged_in(cast.advisor).post(url, data, headers=HTMX_ENGLISH)


def _record_consent(cast: Cast, scope: str = "both") -> SensitiveConsent:
    url = reverse("kyc:consent_record", args=[cast.advisor_client.pk])
    response = logged_in(cast.advisor).post(
        url, {"given_on": "2026-03-01", "scope": scope, "notes": "书面签字"}, headers=HTMX_ENGLISH
    )
    assert response["HX-Refresh"] == "true"
    return SensitiveConsent.objects.get(client=cast.advisor_client, withdrawn_at__isnull=True)


# The consent gate ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "field"), [("people", "health_notes"), ("assets", "account_details")]
)
def test_it_shows_sensitive_fields_read_only_without_consent(
    cast: Cast, key: str, field: str
) -> None:
    url = reverse("kyc:item_new", args=[cast.advisor_client.pk, key])

    html = _html(logged_in(cast.advisor).get(url, headers=HTMX_ENGLISH))

    assert " disabled" in _widget(html, field)
    assert CONSENT_NEEDED in html


def test_it_does_not_store_health_notes_without_consent(cast: Cast) -> None:
    data = kyc_new_data(key="people", client=cast.advisor_client) | {"health_notes": HEALTH}
    url = reverse("kyc:item_new", args=[cast.advisor_client.pk, "people"])

    logged_in(cast.advisor).post(url, data, headers=HTMX_ENGLISH)

    person = Person.objects.get(client=cast.advisor_client)
    assert person.health_notes == ""
    assert _raw_column("kyc_person", "health_notes", person.pk) == ""


def test_it_does_not_store_account_details_without_consent(cast: Cast) -> None:
    asset = make_asset(client=cast.advisor_client)

    response = _edit_asset(cast, asset, account_details=ACCOUNT, description="新描述")

    asset.refresh_from_db()
    assert "✓ Saved" in _html(response)
    assert asset.description == "新描述"
    assert asset.account_details == ""


def test_it_saves_sensitive_fields_encrypted_after_consent(cast: Cast) -> None:
    person = make_person(client=cast.advisor_client, relationship="parent")
    asset = make_asset(client=cast.advisor_client)
    consent = _record_consent(cast)

    person_form = _html(_edit_person(cast, person, health_notes=HEALTH))
    asset_form = _html(_edit_asset(cast, asset, account_details=ACCOUNT))

    assert consent.recorded_by == cast.advisor
    assert "✓ Saved" in person_form
    assert "✓ Saved" in asset_form
    person.refresh_from_db()
    asset.refresh_from_db()
    assert person.health_notes == HEALTH
    assert asset.account_details == ACCOUNT
    for table, column, pk, clear in (
        ("kyc_person", "health_notes", person.pk, HEALTH),
        ("kyc_asset", "account_details", asset.pk, ACCOUNT),
    ):
        raw = _raw_column(table, column, pk)
        assert raw
        assert clear not in raw
        assert "2型糖尿病" not in raw and "6225" not in raw


@pytest.mark.parametrize(
    ("scope", "health_open", "account_open"),
    [("health", True, False), ("financial", False, True), ("both", True, True)],
)
def test_it_opens_only_the_fields_the_consent_covers(
    cast: Cast, scope: str, health_open: bool, account_open: bool
) -> None:
    person = make_person(client=cast.advisor_client, relationship="parent")
    asset = make_asset(client=cast.advisor_client)
    _record_consent(cast, scope=scope)

    _edit_person(cast, person, health_notes=HEALTH)
    _edit_asset(cast, asset, account_details=ACCOUNT)

    person.refresh_from_db()
    asset.refresh_from_db()
    assert (person.health_notes == HEALTH) is health_open
    assert (asset.account_details == ACCOUNT) is account_open


KEPT_UNDER = "《保险销售行为管理办法》第三十九条（销售记录保存）"


def test_it_makes_the_fields_read_only_again_after_withdrawal(cast: Cast) -> None:
    person = make_person(client=cast.advisor_client, relationship="parent")
    consent = _record_consent(cast)
    _edit_person(cast, person, health_notes=HEALTH)
    withdraw = reverse("kyc:consent_withdraw", args=[cast.advisor_client.pk, consent.pk])

    response = logged_in(cast.advisor).post(
        withdraw, {"keep": "on", "kept_under": KEPT_UNDER}, headers=HTMX_ENGLISH
    )
    person.refresh_from_db()
    form = _html(
        logged_in(cast.advisor).get(
            reverse("kyc:item", args=[cast.advisor_client.pk, "people", person.pk]),
            headers=HTMX_ENGLISH,
        )
    )
    changed = _edit_person(cast, person, health_notes="已经痊愈", occupation="退休")

    assert response["HX-Refresh"] == "true"
    assert " disabled" in _widget(form, "health_notes")
    assert CONSENT_NEEDED in form
    assert "✓ Saved" in _html(changed)
    person.refresh_from_db()
    assert person.occupation == "退休"
    # Kept under the named law; the withdrawal records it.
    assert person.health_notes == HEALTH
    consent.refresh_from_db()
    assert consent.kept_under == KEPT_UNDER


def _withdraw(cast: Cast, consent: SensitiveConsent, **data: str) -> Response:
    url = reverse("kyc:consent_withdraw", args=[cast.advisor_client.pk, consent.pk])
    return logged_in(cast.advisor).post(url, data, headers=HTMX_ENGLISH)


def test_withdrawal_deletes_the_data_the_consent_covered(cast: Cast) -> None:
    mother = make_person(client=cast.advisor_client, relationship="parent", name="钱秀英")
    father = make_person(client=cast.advisor_client, relationship="parent", name="赵德明")
    asset = make_asset(client=cast.advisor_client)
    consent = _record_consent(cast, scope="both")
    _edit_person(cast, mother, health_notes=HEALTH)
    _edit_person(cast, father, health_notes="高血压")
    _edit_asset(cast, asset, account_details=ACCOUNT)
    other_client = make_person(client=cast.teammate_client, relationship="parent")
    Person.objects.filter(pk=other_client.pk).update(health_notes="")
    other_client.health_notes = "不相关的客户"
    other_client.save()

    response = _withdraw(cast, consent)

    assert response["HX-Refresh"] == "true"
    for row in (mother, father, asset):
        row.refresh_from_db()
    assert (mother.health_notes, father.health_notes, asset.account_details) == ("", "", "")
    other_client.refresh_from_db()
    assert other_client.health_notes == "不相关的客户"
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert consent.kept_under == ""


def test_withdrawal_keeps_what_another_consent_still_covers(cast: Cast) -> None:
    mother = make_person(client=cast.advisor_client, relationship="parent")
    asset = make_asset(client=cast.advisor_client)
    health = _record_consent(cast, scope="health")
    _record_consent_more(cast, scope="both")
    _edit_person(cast, mother, health_notes=HEALTH)
    _edit_asset(cast, asset, account_details=ACCOUNT)
    both = SensitiveConsent.objects.get(client=cast.advisor_client, scope="both")

    _withdraw(cast, both)

    mother.refresh_from_db()
    asset.refresh_from_db()
    # Health is still covered by its own consent; the account details were not.
    assert mother.health_notes == HEALTH
    assert asset.account_details == ""
    assert health.covers("health")


def _record_consent_more(cast: Cast, scope: str) -> None:
    url = reverse("kyc:consent_record", args=[cast.advisor_client.pk])
    logged_in(cast.advisor).post(url, {"given_on": "2026-04-01", "scope": scope, "notes": "补充"})


def test_keeping_the_data_needs_the_law_named(cast: Cast) -> None:
    mother = make_person(client=cast.advisor_client, relationship="parent")
    consent = _record_consent(cast, scope="health")
    _edit_person(cast, mother, health_notes=HEALTH)

    response = _withdraw(cast, consent, keep="on", kept_under="  ")

    assert response.status_code == 400
    assert "Name the law or regulation" in _html(response)
    consent.refresh_from_db()
    mother.refresh_from_db()
    assert consent.withdrawn_at is None
    assert mother.health_notes == HEALTH


def test_the_export_follows_the_withdrawal(cast: Cast) -> None:
    mother = make_person(client=cast.advisor_client, relationship="parent", name="钱秀英")
    consent = _record_consent(cast, scope="health")
    _edit_person(cast, mother, health_notes=HEALTH)
    url = reverse("kyc:export", args=[cast.advisor_client.pk])
    before = json.loads(logged_in(cast.advisor).post(url, {"format": "json"}).content)

    _withdraw(cast, consent)
    after = json.loads(logged_in(cast.advisor).post(url, {"format": "json"}).content)

    assert before["人员"][0]["健康备注"] == HEALTH
    assert after["人员"][0]["健康备注"] == ""
    assert HEALTH not in json.dumps(after, ensure_ascii=False)


def test_the_export_shows_kept_data_with_the_law_and_withholds_uncovered_data(
    cast: Cast,
) -> None:
    mother = make_person(client=cast.advisor_client, relationship="parent", name="钱秀英")
    asset = make_asset(client=cast.advisor_client)
    consent = _record_consent(cast, scope="health")
    _edit_person(cast, mother, health_notes=HEALTH)
    # Account details stored without any consent (before the gate existed).
    asset.account_details = ACCOUNT
    asset.save()
    _withdraw(cast, consent, keep="on", kept_under=KEPT_UNDER)

    data = json.loads(
        logged_in(cast.advisor)
        .post(reverse("kyc:export", args=[cast.advisor_client.pk]), {"format": "json"})
        .content
    )

    assert data["人员"][0]["健康备注"] == HEALTH
    assert data["敏感个人信息同意"][0]["数据保留依据（法律或法规）"] == KEPT_UNDER
    assert ACCOUNT not in json.dumps(data, ensure_ascii=False)
    assert data["资产"][0]["账户信息"] == "未导出：没有有效的同意"


def test_it_keeps_the_gate_closed_with_only_a_withdrawn_consent(cast: Cast) -> None:
    make_consent(
        client=cast.advisor_client,
        recorded_by=cast.advisor,
        withdrawn_at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
    )
    person = make_person(client=cast.advisor_client, relationship="parent")

    _edit_person(cast, person, health_notes=HEALTH)

    person.refresh_from_db()
    assert person.health_notes == ""


def test_it_does_not_let_another_clients_consent_open_the_gate(cast: Cast) -> None:
    make_consent(client=cast.teammate_client, recorded_by=cast.teammate)
    person = make_person(client=cast.advisor_client, relationship="parent")

    _edit_person(cast, person, health_notes=HEALTH)

    person.refresh_from_db()
    assert person.health_notes == ""


def test_it_shows_only_that_health_notes_exist_in_the_section(cast: Cast) -> None:
    make_consent(client=cast.advisor_client, recorded_by=cast.advisor)
    make_person(client=cast.advisor_client, relationship="parent", health_notes=HEALTH)
    make_asset(client=cast.advisor_client, account_details=ACCOUNT)
    http = logged_in(cast.advisor)

    for key in ("people", "assets"):
        html = _html(http.get(reverse("kyc:section", args=[cast.advisor_client.pk, key])))
        assert HEALTH not in html
        assert ACCOUNT not in html
    page = _html(http.get(reverse("kyc:page", args=[cast.advisor_client.pk])))
    assert HEALTH not in page
    assert ACCOUNT not in page


# Export ------------------------------------------------------------------------------


@pytest.fixture
def full_client(cast: Cast) -> Family:
    """The advisor's client with every kind of KYC row and both sensitive fields."""
    client = cast.advisor_client
    client.set_id_number(ID_NUMBER)
    client.save()
    family = make_family(client=client)
    make_consent(client=client, recorded_by=cast.advisor, notes="书面签字")
    mother = family.people["mother"]
    mother.health_notes = HEALTH
    mother.save()
    family.assets[0].account_details = ACCOUNT
    family.assets[0].save()
    make_income(client=client, person=family.people["me"], annual_amount=Decimal(1_500_000))
    Household.objects.create(client=client, annual_spending=Decimal(600_000))
    policy = make_policy(client=client, policyholder=family.people["me"], insurer="泰康人寿")
    make_beneficiary(policy=policy, person=family.people["daughter"], share_percent=Decimal(100))
    return family


def test_it_exports_everything_as_json(cast: Cast, full_client: Family) -> None:
    client = cast.advisor_client
    url = reverse("kyc:export", args=[client.pk])

    response = logged_in(cast.advisor).post(url, {"format": "json"})

    # The download is for the person it is about: labels, names and amounts as the
    # pages show them (in Chinese, the default language), times in Beijing time.
    data = json.loads(response.content)
    assert data["导出时间"].endswith("+08:00")
    assert data["客户"]["姓名"] == client.name
    assert data["客户"]["手机号"] == client.phone
    assert data["客户"]["身份证号"] == ID_NUMBER
    people = data["人员"]
    assert {p["姓名"] for p in people} == {p.name for p in full_client.people.values()}
    mother = next(p for p in people if p["姓名"] == "钱秀英")
    assert mother["健康备注"] == HEALTH
    assert [(r["人员"], r["关系"], r["另一人"]) for r in data["人员关系"]] == [
        ("周敏", "是……的父/母", "赵一诺")
    ]
    assert [e["企业名称"] for e in data["企业"]] == ["立新软件有限公司"]
    assert len(data["资产"]) == 20
    assert ACCOUNT in [a["账户信息"] for a in data["资产"]]
    with translation.override("zh-hans"):
        assert sorted(a["价值（元）"] for a in data["资产"]) == sorted(
            format_both(a.value) for a in full_client.assets
        )
    assert len(data["负债"]) == 3
    assert [i["每年（元）"] for i in data["收入来源"]] == ["150万元（1,500,000元）"]
    assert data["家庭"]["家庭年支出（元）"] == "60万元（600,000元）"
    assert len(data["资金安排"]) == 4
    assert {a["受益人"] for a in data["资金安排"]} == {"赵子涵", "赵子轩", "赵一诺", "钱秀英"}
    [policy] = data["已有保单"]
    assert policy["保险公司"] == "泰康人寿"
    assert [(b["已有保单"], b["受益人"], b["份额（%）"]) for b in data["受益人"]] == [
        (f"泰康人寿 {policy['产品']}".strip(), "赵子涵", "100%")
    ]
    assert [c["同意方式"] for c in data["敏感个人信息同意"]] == ["书面签字"]
    # The export itself is recorded, and is part of the next export.
    assert [a["查看内容"] for a in data["敏感字段查看记录"]] == ["完整数据导出"]
    rows = [r for v in data.values() if isinstance(v, list | dict) for r in _as_rows(v)]
    raw_keys = {key for row in rows for key in row if key.isascii()}
    assert not raw_keys, raw_keys


def _as_rows(section: list[dict[str, Any]] | dict[str, Any]) -> list[dict[str, Any]]:
    return section if isinstance(section, list) else [section]


def test_it_exports_everything_as_a_readable_page(cast: Cast, full_client: Family) -> None:
    client = cast.advisor_client

    html = _html(logged_in(cast.advisor).post(reverse("kyc:export", args=[client.pk])))

    assert ID_NUMBER in html
    assert HEALTH in html
    assert ACCOUNT in html
    for person in full_client.people.values():
        assert person.name in html
    for section in (
        "客户", "人员", "人员关系", "企业", "资产", "负债", "收入来源", "家庭", "资金安排",
        "已有保单", "受益人", "敏感个人信息同意", "敏感字段查看记录",
    ):  # fmt: skip
        assert f"<h2>{section}</h2>" in html
    assert "<dt>健康备注</dt>" in html
    assert "<dt>health_notes</dt>" not in html
    assert "泰康人寿" in html


def test_it_records_every_export_as_a_sensitive_access(cast: Cast, full_client: Family) -> None:
    client = cast.advisor_client
    url = reverse("kyc:export", args=[client.pk])

    logged_in(cast.advisor).post(url)
    logged_in(cast.lead).post(url, {"format": "json"}, REMOTE_ADDR="10.1.2.3")

    accesses = list(SensitiveAccess.objects.order_by("pk"))
    assert [(a.client_id, a.user_id, a.field) for a in accesses] == [
        (client.pk, cast.advisor.pk, "export"),
        (client.pk, cast.lead.pk, "export"),
    ]
    assert accesses[1].ip_address == "10.1.2.3"


def test_opening_the_export_page_records_nothing(cast: Cast, full_client: Family) -> None:
    url = reverse("kyc:export", args=[cast.advisor_client.pk])

    page = logged_in(cast.advisor).get(url)

    html = _html(page)
    assert page.status_code == 200
    assert ID_NUMBER not in html
    assert HEALTH not in html
    assert 'name="format" value="json"' in html
    assert not SensitiveAccess.objects.exists()


# Erasure -----------------------------------------------------------------------------

KYC_MODELS = (
    Person, PersonLink, Enterprise, Asset, Liability, IncomeSource, Household, Allocation,
    ExistingPolicy, PolicyBeneficiary, SensitiveConsent, SensitiveAccess,
)  # fmt: skip


def _history_through_the_app(cast: Cast, family: Family) -> None:
    """Some changes made through the endpoints, so that the audit log holds values."""
    client = family.client
    http = logged_in(cast.advisor)
    me = family.people["me"]
    http.post(
        reverse("kyc:item", args=[client.pk, "people", me.pk]),
        kyc_edit_data(key="people", item=me, occupation="软件公司创始人"),
    )
    http.post(
        reverse("kyc:item_new", args=[client.pk, "assets"]),
        kyc_new_data(key="assets", client=client),
    )
    http.post(reverse("kyc:household", args=[client.pk]), {"annual_spending": "80万"})
    http.post(reverse("kyc:export", args=[client.pk]))


def _everything_said_about(names: list[str]) -> list[str]:
    """Audit entries that mention any of the names anywhere."""
    found = []
    for entry in LogEntry.objects.all():
        text = json.dumps(
            [entry.object_repr, entry.changes, entry.changes_text, entry.serialized_data],
            ensure_ascii=False,
            default=str,
        )
        found += [f"{entry.pk}: {name}" for name in names if name in text]
    return found


def test_it_erases_the_client_and_everything_about_them(cast: Cast, full_client: Family) -> None:
    client = cast.advisor_client
    _history_through_the_app(cast, full_client)
    # Another client of the same team, whose data and history must stay.
    other_person = make_person(client=cast.teammate_client, relationship="child", name="孙小雨")
    make_asset(client=cast.teammate_client)
    names = [client.name, client.phone, *(p.name for p in full_client.people.values())]
    assert LogEntry.objects.filter(additional_data__client_id=client.pk).count() > 40
    assert _everything_said_about(names)
    other_history = LogEntry.objects.filter(additional_data__client_id=cast.teammate_client.pk)
    other_history_before = other_history.count()
    url = reverse("kyc:erase", args=[client.pk])

    response = logged_in(cast.advisor).post(url, {"confirm_name": client.name, "reason": "request"})

    assert response.status_code == 200
    assert not Client.objects.filter(pk=client.pk).exists()
    for model in KYC_MODELS:
        assert not model.objects.filter(client_id=client.pk).exists(), model.__name__
    assert not LogEntry.objects.filter(additional_data__client_id=client.pk).exists()
    assert _everything_said_about(names) == []
    # Nothing of the other client went with it.
    assert list(Person.objects.filter(client=cast.teammate_client)) == [other_person]
    assert Asset.objects.filter(client=cast.teammate_client).count() == 1
    assert _everything_said_about(["孙小雨"])
    assert other_history.count() == other_history_before


def test_it_keeps_one_erasure_record_without_personal_data(cast: Cast, full_client: Family) -> None:
    client = cast.advisor_client
    client_pk, name, phone = client.pk, client.name, client.phone
    _history_through_the_app(cast, full_client)
    url = reverse("kyc:erase", args=[client_pk])

    logged_in(cast.advisor).post(url, {"confirm_name": name, "reason": "request"})

    erasure = ClientErasure.objects.get()
    assert erasure.client_pk == client_pk
    assert erasure.owner == cast.advisor
    assert erasure.erased_by == cast.advisor
    assert erasure.reason == "request"
    assert erasure.rows_deleted > 0
    stored = json.dumps(
        ClientErasure.objects.filter(pk=erasure.pk).values().get(), ensure_ascii=False, default=str
    )
    for personal in [
        name,
        phone,
        ID_NUMBER,
        HEALTH,
        ACCOUNT,
        *(p.name for p in full_client.people.values()),
    ]:
        assert personal not in stored


def test_it_counts_what_it_erased(cast: Cast) -> None:
    client = cast.advisor_client
    make_person(client=client, relationship="self")
    make_asset(client=client)
    before = (
        sum(model.objects.filter(client_id=client.pk).count() for model in KYC_MODELS)
        + 1
        + LogEntry.objects.filter(additional_data__client_id=client.pk).count()
    )

    logged_in(cast.advisor).post(
        reverse("kyc:erase", args=[client.pk]), {"confirm_name": client.name, "reason": "request"}
    )

    assert ClientErasure.objects.get().rows_deleted == before


def test_it_erases_nothing_when_the_name_does_not_match(cast: Cast, full_client: Family) -> None:
    client = cast.advisor_client
    counts: dict[str, Any] = {
        m.__name__: m.objects.filter(client_id=client.pk).count() for m in KYC_MODELS
    }
    log_count = LogEntry.objects.count()

    response = logged_in(cast.advisor).post(
        reverse("kyc:erase", args=[client.pk]),
        {"confirm_name": full_client.people["wife"].name, "reason": "request"},
        headers={"Accept-Language": "en"},
    )

    assert "The name does not match this client." in _html(response)
    assert Client.objects.filter(pk=client.pk).exists()
    assert {m.__name__: m.objects.filter(client_id=client.pk).count() for m in KYC_MODELS} == counts
    assert LogEntry.objects.count() == log_count
    assert not ClientErasure.objects.exists()


def test_a_law_typed_without_ticking_keep_deletes_nothing(cast: Cast) -> None:
    # Review of issue 13: the law was silently dropped and the data deleted for good.
    mother = make_person(client=cast.advisor_client, relationship="parent")
    consent = _record_consent(cast, scope="health")
    _edit_person(cast, mother, health_notes=HEALTH)

    response = _withdraw(cast, consent, kept_under=KEPT_UNDER)

    assert response.status_code == 400
    assert "Tick" in _html(response)
    consent.refresh_from_db()
    mother.refresh_from_db()
    assert consent.withdrawn_at is None
    assert mother.health_notes == HEALTH
