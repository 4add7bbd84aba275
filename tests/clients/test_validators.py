import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from clients.validators import (
    id_number_birth_date,
    id_number_check_char,
    id_number_is_male,
    normalize_id_number,
    normalize_mobile,
    validate_id_number,
    validate_mobile,
)
from tests.factories import valid_id_number

# The example number of GB 11643-1999 itself; its check character is X.
STANDARD_EXAMPLE_WITH_X = "11010519491231002X"


def _error_code(value: str, validator=validate_id_number) -> str | None:
    try:
        validator(value)
    except ValidationError as error:
        return error.code
    return None


def test_it_computes_the_check_character_of_the_standard_example() -> None:
    assert id_number_check_char("11010519491231002") == "X"
    assert id_number_check_char("33010619840315123") == valid_id_number()[-1]


def test_it_accepts_a_valid_id_number() -> None:
    number = valid_id_number(region="330106", birth="19840315", sequence="123")

    validate_id_number(number)

    assert id_number_birth_date(number) == dt.date(1984, 3, 15)
    assert id_number_is_male(number)  # sequence 123 ends odd


def test_it_accepts_a_valid_id_number_ending_in_x() -> None:
    validate_id_number(STANDARD_EXAMPLE_WITH_X)
    validate_id_number("33010619840315006X")


def test_it_accepts_lowercase_x_and_normalises_it_to_uppercase() -> None:
    typed = " 110105 19491231 002x "

    validate_id_number(typed)

    assert normalize_id_number(typed) == STANDARD_EXAMPLE_WITH_X


def test_it_rejects_a_bad_check_digit() -> None:
    number = valid_id_number()
    wrong = number[:17] + ("0" if number[17] != "0" else "1")

    assert _error_code(wrong) == "id_check_digit"
    assert _error_code(STANDARD_EXAMPLE_WITH_X[:17] + "3") == "id_check_digit"


@pytest.mark.parametrize(
    "birth",
    [
        "19840231",  # 31 February
        "19841301",  # month 13
        "18991231",  # before 1900
        "29990101",  # in the future
    ],
)
def test_it_rejects_a_bad_birth_date(birth: str) -> None:
    # The check character is right for the digits, so only the date is wrong.
    number = valid_id_number(birth=birth)

    assert _error_code(number) == "id_birth_date"


@pytest.mark.parametrize(
    "number",
    [
        valid_id_number()[:17],
        valid_id_number() + "1",
        "3301061984031512",
        "",
    ],
)
def test_it_rejects_the_wrong_length(number: str) -> None:
    assert _error_code(number) == "id_length"


def test_it_names_the_length_it_found() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_id_number(valid_id_number()[:17])

    assert caught.value.params == {"count": 17}


def test_it_rejects_letters_other_than_a_final_x() -> None:
    assert _error_code("33010619840315A23X") == "id_characters"
    assert _error_code("33010619840315123Y") == "id_characters"


@pytest.mark.parametrize("region", ["000000", "991234", "200101", "100101"])
def test_it_rejects_a_province_code_that_does_not_exist(region: str) -> None:
    assert _error_code(valid_id_number(region=region)) == "id_region"


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("13912345678", "13912345678"),
        ("+8613912345678", "13912345678"),
        ("+86 139 1234 5678", "13912345678"),
        ("0086-139-1234-5678", "13912345678"),
        ("199 0000 1111", "19900001111"),
    ],
)
def test_it_accepts_a_mainland_mobile_number(typed: str, normalised: str) -> None:
    validate_mobile(typed)

    assert normalize_mobile(typed) == normalised


@pytest.mark.parametrize("typed", ["1391234567", "139123456789", "+86139123456", "139"])
def test_it_rejects_a_mobile_number_of_the_wrong_length(typed: str) -> None:
    assert _error_code(typed, validate_mobile) == "mobile"


@pytest.mark.parametrize("typed", ["12912345678", "10012345678", "23912345678", "02161234567"])
def test_it_rejects_a_mobile_number_with_a_bad_prefix(typed: str) -> None:
    assert _error_code(typed, validate_mobile) == "mobile"


def test_it_rejects_letters_in_a_mobile_number() -> None:
    assert _error_code("139I2345678", validate_mobile) == "mobile"
