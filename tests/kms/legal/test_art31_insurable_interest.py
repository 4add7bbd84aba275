"""insurable_interest (Insurance Law art. 31): each policyholder has an insurable interest
in the insured, or the insured's written consent is recorded."""

from __future__ import annotations

import pytest
from django.utils import translation

from kms.legal import BLOCK, RULES
from tests.kms.legal import Household, check, item, texts


def test_it_cites_article_31() -> None:
    with translation.override("en"):
        assert str(RULES["insurable_interest"].reference) == "Insurance Law art. 31"


@pytest.mark.parametrize(
    ("holder", "insured"),
    [
        ("me", "me"),
        ("wife", "me"),
        ("me", "first_son"),  # his son of the first marriage
        ("ex_wife", "first_son"),  # and hers: the divorce did not end her motherhood
        ("wife", "daughter"),
        ("wife", "wifes_father"),  # her own father, though the client's father-in-law
        ("me", "mother"),
        ("me", "wife"),  # a spouse he also provides for
        ("me", "employee"),
        ("employee", "employees_son"),
    ],
)
def test_it_lets_a_relative_or_employer_take_out_the_policy(
    home: Household, holder: str, insured: str
) -> None:
    proposal = item(getattr(home, holder), getattr(home, insured))

    assert check("insurable_interest", proposal) == []


@pytest.mark.parametrize(
    ("holder", "insured"),
    [
        ("me", "ex_wife"),
        ("wife", "first_son"),  # a stepmother: no parent, and no support recorded
        ("me", "wifes_father"),  # an in-law the client does not provide for
        ("wife", "employee"),  # the client employs him, not his wife
        ("friend", "me"),
    ],
)
def test_it_blocks_a_policyholder_without_an_insurable_interest(
    home: Household, holder: str, insured: str
) -> None:
    proposal = item(getattr(home, holder), getattr(home, insured))

    assert [m.level for m in check("insurable_interest", proposal)] == [BLOCK]


def test_it_explains_what_is_missing(home: Household) -> None:
    messages = check("insurable_interest", item(home.wife, home.first_son))

    assert texts(messages) == [
        (
            BLOCK,
            "陈静 has no insurable interest in 周子豪: record the insured's written consent, "
            "or choose a policyholder who is the insured, their spouse, parent or child.",
        )
    ]


def test_it_accepts_the_insureds_consent_instead(home: Household) -> None:
    proposal = item(
        home.wife, home.first_son, insured_consent=True, second_policyholder=home.friend
    )

    assert check("insurable_interest", proposal) == []


def test_it_checks_the_second_policyholder_too(home: Household) -> None:
    # The son's mother may insure him; her friend may not.
    with_friend = item(home.ex_wife, home.first_son, second_policyholder=home.friend)
    with_father = item(home.ex_wife, home.first_son, second_policyholder=home.me)

    assert texts(check("insurable_interest", with_friend)) == [
        (
            BLOCK,
            "The second policyholder 孙朋友 has no insurable interest in 周子豪 and the insured's consent is not recorded.",
        )
    ]
    assert check("insurable_interest", with_father) == []


def test_it_blocks_each_policyholder_without_an_interest(home: Household) -> None:
    # Neither a friend nor a former husband has an interest in her.
    proposal = item(home.friend, home.ex_wife, second_policyholder=home.me)

    messages = check("insurable_interest", proposal)

    assert [m.level for m in messages] == [BLOCK, BLOCK]
    assert messages[0].text.startswith("孙朋友 has no insurable interest in 吴丽")
    assert messages[1].text.startswith("The second policyholder 周建华 has no insurable interest")
