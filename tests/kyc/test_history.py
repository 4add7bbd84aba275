"""The History page and the export read like the forms: labels, names, local time."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from clients.audit import SENSITIVE_MASK
from kyc.models import ExistingPolicy, Person
from tests.conftest import Cast, logged_in
from tests.factories import (
    make_beneficiary,
    make_consent,
    make_person,
    make_policy,
)

# 16:30 on 1 March in UTC is half past midnight on 2 March in Beijing.
UTC_TIME = dt.datetime(2026, 3, 1, 16, 30, tzinfo=dt.UTC)
BEIJING_TIME = "2026-03-02 00:30"


def _history(cast: Cast) -> str:
    response = logged_in(cast.advisor).get(reverse("kyc:history", args=[cast.advisor_client.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _change(html: str, label: str) -> tuple[str, str]:
    """The before and after of the first change of the field with this label."""
    match = re.search(
        rf'<td>{re.escape(label)}</td><td class="before">(.*?)</td><td class="after">(.*?)</td>',
        html,
    )
    assert match, f"no change of {label}"
    return match.group(1), match.group(2)


def test_it_names_fields_choices_and_related_rows(cast: Cast) -> None:
    client = cast.advisor_client
    daughter = make_person(client=client, relationship="child", name="赵一诺")
    policy = make_policy(client=client, insurer="泰康人寿", product_name="健康尊享")
    make_beneficiary(policy=policy, person=daughter, share_percent=Decimal(100))

    html = _history(cast)

    assert _change(html, "与客户的关系") == ("—", "子女")
    assert _change(html, "产品类型") == ("—", "重疾险")
    assert _change(html, "保额（元）") == ("—", "50万元")
    assert _change(html, "年缴保费（元）") == ("—", "1.2万元")
    # The beneficiary row names its policy and its person, not their ids.
    assert _change(html, "已有保单") == ("—", "泰康人寿 健康尊享")
    assert _change(html, "受益人") == ("—", "赵一诺")
    assert _change(html, "份额（%）") == ("—", "100%")
    assert "新增 · 受益人 · 赵一诺" in html
    for raw in (".None", "<td>policy</td>", "<td>client</td>", "<td>ID</td>", "critical_illness"):
        assert raw not in html
    assert f"<td>{policy.pk}</td>" not in html


def test_it_shows_yes_and_no_for_ticks(cast: Cast) -> None:
    person = make_person(client=cast.advisor_client, relationship="parent", cares_about=False)
    person.cares_about = True
    person.save(update_fields=["cares_about"])

    assert _change(_history(cast), "关心") == ("否", "是")


def test_it_shows_times_in_local_time(cast: Cast) -> None:
    consent = make_consent(client=cast.advisor_client, recorded_by=cast.advisor)
    consent.withdrawn_at = UTC_TIME
    consent.save(update_fields=["withdrawn_at"])
    LogEntry.objects.filter(object_id=consent.pk).update(timestamp=UTC_TIME)

    html = _history(cast)

    assert _change(html, "已撤回") == ("—", BEIJING_TIME)
    assert f'<time datetime="2026-03-02T00:30:00+08:00">{BEIJING_TIME}</time>' in html
    assert "2026-03-01 16:30" not in html


def test_it_keeps_masked_fields_masked(cast: Cast) -> None:
    make_consent(client=cast.advisor_client, recorded_by=cast.advisor)
    make_person(client=cast.advisor_client, relationship="parent", health_notes="高血压")

    html = _history(cast)

    assert _change(html, "健康备注") == ("—", SENSITIVE_MASK)
    assert "高血压" not in html


def test_it_records_no_reverse_relations(cast: Cast) -> None:
    policy = make_policy(client=cast.advisor_client)
    person = make_person(client=cast.advisor_client)

    policy_entry = LogEntry.objects.get_for_object(policy).get()
    person_entry = LogEntry.objects.get_for_object(person).get()

    assert "beneficiaries" not in policy_entry.changes_dict
    assert "insurer" in policy_entry.changes_dict
    assert not {"benefits", "assets", "links_from"} & set(person_entry.changes_dict)
    assert "name" in person_entry.changes_dict


def test_it_hides_reverse_relations_logged_before(cast: Cast) -> None:
    """Entries written before auditlog was told to skip them stay in the database."""
    client = cast.advisor_client
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(ExistingPolicy),
        object_pk="999",
        object_id=999,
        object_repr="旧保单",
        action=LogEntry.Action.CREATE,
        changes={
            "insurer": ["None", "中国人寿"],
            "beneficiaries": ["None", "kyc.PolicyBeneficiary.None"],
            "removed_field": ["None", "x"],
        },
        additional_data={"client_id": client.pk},
    )

    html = _history(cast)

    assert _change(html, "保险公司") == ("—", "中国人寿")
    assert "PolicyBeneficiary" not in html
    assert "beneficiaries" not in html
    assert "removed_field" not in html


def test_it_exports_labels_names_and_local_times(cast: Cast) -> None:
    client = cast.advisor_client
    person = make_person(client=client, relationship="child", name="赵一诺")
    Person.objects.filter(pk=person.pk).update(created_at=UTC_TIME)
    make_policy(client=client, insurer="泰康人寿", product_name="健康尊享", policyholder=person)
    url = reverse("kyc:export", args=[client.pk])
    http = logged_in(cast.advisor)

    page = http.post(url).content.decode()
    data = json.loads(http.post(url, {"format": "json"}).content)

    [child] = data["人员"]
    assert child["与客户的关系"] == "子女"
    assert child["创建时间"] == BEIJING_TIME
    [policy] = data["已有保单"]
    assert policy["投保人"] == "赵一诺"
    assert policy["保额（元）"] == "50万元（500,000元）"
    assert data["导出时间"].endswith("+08:00")
    assert "<h2>已有保单</h2>" in page
    assert "<dt>投保人</dt><dd>赵一诺</dd>" in page
    assert f"<dt>创建时间</dt><dd>{BEIJING_TIME}</dd>" in page
    for raw in ("existing_policies", "<dt>policyholder</dt>", "<dt>relationship</dt>", "child"):
        assert raw not in page
