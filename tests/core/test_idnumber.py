import datetime as dt

import pytest

from assistcase.errors import ValidationError
from assistcase.rules.idnumber import (check_account, mask_account, mask_id, parse_resident_id)

from ..conftest import make_id


def test_valid_number_derives_birth_date_and_sex():
    rid = parse_resident_id("11010519491231002X")  # GB 11643 example, check character X
    assert rid.number == "11010519491231002X"
    assert rid.birth_date == dt.date(1949, 12, 31)
    assert rid.sex == "F"  # 17th digit 2 is even
    male = parse_resident_id(make_id(seq=7))
    assert male.sex == "M"
    assert male.age_on(dt.date(2026, 1, 1)) == 46
    assert male.age_on(dt.date(2025, 12, 31)) == 45


def test_lower_case_x_and_spaces_are_normalised():
    assert parse_resident_id(" 11010519491231002x ").number == "11010519491231002X"


def test_wrong_check_character_is_refused():
    good = make_id()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ValidationError) as e:
        parse_resident_id(bad, field="members[0].id_number")
    err = e.value.errors[0]
    assert err.field == "members[0].id_number"
    assert "check character" in err.message_en
    assert "校验位" in err.message_zh


def test_impossible_birth_date_is_refused():
    first17 = "41140219800230001"  # 30 February
    from assistcase.rules.idnumber import check_digit

    with pytest.raises(ValidationError) as e:
        parse_resident_id(first17 + check_digit(first17))
    assert "birth date" in e.value.message_en
    assert "出生日期" in e.value.message_zh


def test_future_birth_date_is_refused():
    with pytest.raises(ValidationError) as e:
        parse_resident_id(make_id(birth=dt.date(2030, 1, 1)), today=dt.date(2026, 11, 22))
    assert "birth date" in e.value.message_en


@pytest.mark.parametrize("text", ["4114021980010100", "41140219800101001X7", ""])
def test_wrong_length_is_refused(text):
    with pytest.raises(ValidationError) as e:
        parse_resident_id(text)
    assert ("18 characters" in e.value.message_en) or ("required" in e.value.message_en)


def test_letters_inside_and_unknown_province_are_refused():
    with pytest.raises(ValidationError, match="17 digits"):
        parse_resident_id("4114021980A101001X")
    with pytest.raises(ValidationError, match="province"):
        parse_resident_id(make_id(area="991402"))


def test_masks_for_public_notice():
    assert mask_id("411402198001010015") == "411***********0015"
    assert mask_account("6222021234567890128") == "***************0128"


def test_card_account_must_pass_luhn_but_passbook_only_warns():
    assert check_account("card", "6222021234567890128") == []
    with pytest.raises(ValidationError, match="Luhn"):
        check_account("card", "6222021234567890129")
    with pytest.raises(ValidationError, match="16–19 digits"):
        check_account("card", "62220212345")
    warnings = check_account("passbook", "6222021234567890129")
    assert len(warnings) == 1 and "存折" in warnings[0].message_zh
    assert check_account("none", "") == []


def test_luhn_ok_answers_as_python_stdnum():
    """luhn_ok computes ASCII digit strings itself: the same answer as stdnum.luhn for every
    length an account number has, and anything else is stdnum's own."""
    import random

    from stdnum import luhn

    from assistcase.rules.idnumber import luhn_ok

    rng = random.Random(20)
    numbers = ["", "0", "00", "18", "79927398713", "6228480402564890018", "6228480402564890017",
               "١٢٣", "12a4", "１２３４", "²3", " 1234"]
    numbers += ["".join(rng.choice("0123456789") for _ in range(rng.randint(1, 25)))
                for _ in range(5000)]
    numbers += [body + luhn.calc_check_digit(body) for body in numbers[12:1012]]
    assert sum(luhn_ok(n) for n in numbers) > 1000  # valid ones are among them
    for n in numbers:
        assert luhn_ok(n) == luhn.is_valid(n), n
