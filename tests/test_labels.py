"""Chinese labels that once shared a word with another meaning (issue 12, item 13).

Each test reads a page in the default language (简体中文) and checks that the label
says what it means there, not what the same English word means elsewhere.
"""

from __future__ import annotations

import re

from django.urls import reverse

from kms import plan_services
from kms.models import KmsCase
from tests.conftest import Cast, logged_in


def test_it_names_the_income_type_in_the_kyc_form(cast: Cast) -> None:
    url = reverse("kyc:item_new", args=[cast.advisor_client.pk, "income"])

    html = logged_in(cast.advisor).get(url).content.decode()

    assert "收入类型" in html
    assert "客户来源" not in html


def test_it_names_the_income_type_in_the_plan(cast: Cast, zhao_case: KmsCase) -> None:
    document = plan_services.plan_request(case=zhao_case, user=cast.advisor)

    html = plan_services.plan_html(document)

    assert "<th>收入类型</th>" in html
    assert "客户来源" not in html


def test_it_states_in_the_plan_that_premiums_wait_for_underwriting(
    cast: Cast, zhao_case: KmsCase
) -> None:
    document = plan_services.plan_request(case=zhao_case, user=cast.advisor)

    html = plan_services.plan_html(document)

    assert "本方案所列保费与保额仅供参考，以保险公司核保结果及正式保险合同为准。" in html
    assert "演示数据" not in html


def test_it_names_the_source_of_each_parameter(cast: Cast) -> None:
    html = logged_in(cast.admin).get(reverse("kms:parameters")).content.decode()

    assert "<th>依据</th>" in html
    assert "客户来源" not in html


def test_it_calls_the_wizard_button_next_step(cast: Cast, zhao_case: KmsCase) -> None:
    url = reverse("kms:step", args=[zhao_case.pk, "know"])

    html = logged_in(cast.advisor).get(url).content.decode()

    assert "下一步 →" in html
    assert "下一页" not in html


def test_it_gives_the_review_step_and_the_leads_review_different_words(
    cast: Cast, zhao_case: KmsCase
) -> None:
    wizard = logged_in(cast.advisor).get(reverse("kms:step", args=[zhao_case.pk, "know"]))
    team = logged_in(cast.lead).get(reverse("scoring:p100"))

    steps = re.search(r'<nav class="wizard".*?</nav>', wizard.content.decode(), re.S)
    assert steps is not None and "复核" in steps.group() and "确认" not in steps.group()
    assert ">审阅</a>" in team.content.decode()


def test_it_names_each_language_in_itself(cast: Cast) -> None:
    html = logged_in(cast.advisor).get(reverse("clients:list")).content.decode()

    options = re.findall(r"<option value=\"(?:zh-hans|en)\"[^>]*>([^<]*)</option>", html)
    assert options == ["简体中文", "English"]
