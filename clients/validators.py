"""Validators for Chinese resident ID numbers (GB 11643-1999) and mobile numbers."""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.reference import ID_PROVINCE_CODES

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalize_id_number(value: str) -> str:
    """Strip spaces and use an upper-case X, the forms people actually type."""
    return re.sub(r"\s+", "", value or "").upper()


def id_number_check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def id_number_birth_date(value: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(value[6:14], "%Y%m%d").date()
    except ValueError:
        return None


def id_number_is_male(value: str) -> bool:
    # The 17th character is the sequence code: odd for men, even for women.
    return int(value[16]) % 2 == 1


def validate_id_number(value: str) -> None:
    """Check length, characters, region, birth date and the GB 11643 check digit."""
    number = normalize_id_number(value)
    if len(number) != 18:
        raise ValidationError(
            _("An ID number has 18 characters; this one has %(count)d."),
            code="id_length",
            params={"count": len(number)},
        )
    if not _ID_SHAPE.match(number):
        raise ValidationError(
            _("An ID number is 17 digits followed by a digit or X."), code="id_characters"
        )
    if number[:2] not in ID_PROVINCE_CODES:
        raise ValidationError(
            _("The first two digits %(code)s are not a province code."),
            code="id_region",
            params={"code": number[:2]},
        )
    birth = id_number_birth_date(number)
    if birth is None or birth.year < 1900 or birth > dt.date.today():
        raise ValidationError(
            _("Digits 7 to 14 of the ID number are not a valid birth date."), code="id_birth_date"
        )
    if id_number_check_char(number[:17]) != number[17]:
        raise ValidationError(
            _("The check digit does not match; please check the number for a typo."),
            code="id_check_digit",
        )


def normalize_mobile(value: str) -> str:
    """Drop spaces, dashes and a +86/0086 prefix."""
    digits = re.sub(r"[\s\-()]", "", value or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    return digits


def validate_mobile(value: str) -> None:
    if not _MOBILE.match(normalize_mobile(value)):
        raise ValidationError(
            _("Enter a mainland mobile number: 11 digits starting with 13 to 19."),
            code="mobile",
        )


# The calendar a CRM of living clients needs: fuzzing saved 0001-01-01 and 9999-12-31,
# which then broke every age and every year's arithmetic built on them.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2200


def validate_birth_date(value: dt.date) -> None:
    if value > timezone.localdate():
        raise ValidationError(_("A birth date cannot be in the future."), code="future")
    if value.year < EARLIEST_YEAR:
        raise ValidationError(
            _("Enter a birth date from %(earliest)s on."),
            code="too_early",
            params={"earliest": EARLIEST_YEAR},
        )


def validate_calendar_date(value: dt.date) -> None:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s."),
            code="date_range",
            params={"earliest": EARLIEST_YEAR, "latest": LATEST_YEAR},
        )
