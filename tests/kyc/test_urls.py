"""The KYC pages kept the addresses users know (bookmarks, links in old plans)."""

from __future__ import annotations

import pytest
from django.urls import resolve, reverse

KNOWN = [
    ("kyc:page", [7], "/clients/7/kyc/"),
    ("kyc:pictures", [7], "/clients/7/kyc/pictures/"),
    ("kyc:completeness", [7], "/clients/7/kyc/completeness/"),
    ("kyc:household", [7], "/clients/7/kyc/household/"),
    ("kyc:consent_record", [7], "/clients/7/kyc/consent/"),
    ("kyc:consent_withdraw", [7, 3], "/clients/7/kyc/consent/3/withdraw/"),
    ("kyc:section", [7, "people"], "/clients/7/kyc/people/"),
    ("kyc:item_new", [7, "policies"], "/clients/7/kyc/policies/new/"),
    ("kyc:item", [7, "assets", 9], "/clients/7/kyc/assets/9/"),
    ("kyc:item_delete", [7, "assets", 9], "/clients/7/kyc/assets/9/delete/"),
    ("kyc:history", [7], "/clients/7/history/"),
    ("kyc:export", [7], "/clients/7/export/"),
    ("kyc:erase", [7], "/clients/7/erase/"),
]


@pytest.mark.parametrize(("name", "args", "path"), KNOWN)
def test_it_serves_the_kyc_pages_at_their_old_addresses(
    name: str, args: list[object], path: str
) -> None:
    assert reverse(name, args=args) == path
    match = resolve(path)
    assert match.view_name == name
    assert match.func.__module__ == "kyc.views"
