"""Resident ID numbers (公民身份号码, GB 11643-1999) and payment account numbers.

The check character (ISO 7064 MOD 11-2) comes from python-stdnum. We deliberately do not use
stdnum's place-of-birth check: it compares the area code's validity years with the *birth*
year, but numbers are issued at registration, so a person born in 1960 who registered in a
county created in 1997 holds a perfectly valid number that stdnum would refuse.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from stdnum import luhn
from stdnum.cn import ric

from ..errors import FieldError, ValidationError

# Province-level codes (GB/T 2260 first two digits).
PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83",
})


@dataclass(frozen=True, slots=True)
class ResidentId:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F"

    def age_on(self, day: dt.date) -> int:
        return age_on(self.birth_date, day)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


_COMPACT = re.compile(r"[0-9]{17}[0-9X]\Z")


def normalize_id(text: str) -> str:
    # An ID already in its compact form (17 digits and a digit or X: nearly every cell of a
    # register) is returned as it is; python-stdnum's cleaning costs ~0.1 ms a number.
    if isinstance(text, str) and len(text) == 18 and _COMPACT.match(text):
        return text
    return ric.compact(text or "")


def check_digit(first17: str) -> str:
    """The check character for the first 17 digits of a resident ID number."""
    return ric.calc_check_digit(first17 + "0")


def parse_resident_id(text: str, field: str = "id_number",
                      today: dt.date | None = None) -> ResidentId:
    """Validate a resident ID number and derive birth date and sex from it.

    Raises :class:`ValidationError` naming ``field`` and the exact problem.
    """
    number = normalize_id(text)
    today = today or dt.date.today()
    if not number:
        raise ValidationError.single(field, "resident ID number is required", "请填写身份证号")
    if len(number) != 18:
        raise ValidationError.single(
            field,
            f"resident ID number must have 18 characters, got {len(number)}",
            f"身份证号应为18位，现为{len(number)}位",
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError.single(
            field,
            "resident ID number must be 17 digits followed by a digit or X",
            "身份证号应为17位数字加1位数字或X",
        )
    if number[:2] not in PROVINCE_CODES:
        raise ValidationError.single(
            field,
            f"resident ID number starts with unknown province code {number[:2]}",
            f"身份证号的省级代码 {number[:2]} 不存在",
        )
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError.single(
            field,
            f"resident ID number holds an impossible birth date {number[6:14]}",
            f"身份证号中的出生日期 {number[6:14]} 不存在",
        ) from None
    if birth > today or birth.year < 1890:
        raise ValidationError.single(
            field,
            f"resident ID number holds an impossible birth date {birth.isoformat()}",
            f"身份证号中的出生日期 {birth.isoformat()} 不合理",
        )
    if number[17] != ric.calc_check_digit(number):
        raise ValidationError.single(
            field,
            "resident ID number check character is wrong (a digit was probably mistyped)",
            "身份证号校验位错误，请核对是否录入有误",
        )
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return ResidentId(number, birth, sex)


def mask_id(number: str) -> str:
    """Mask for public notices: ``410***********1234`` (DOMAIN §10)."""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


ACCOUNT_CARD = "card"
ACCOUNT_PASSBOOK = "passbook"
ACCOUNT_NONE = "none"
ACCOUNT_TYPES = (ACCOUNT_CARD, ACCOUNT_PASSBOOK, ACCOUNT_NONE)


_LUHN_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # the digit sum of twice each digit


def luhn_ok(number: str) -> bool:
    """``stdnum.luhn.is_valid(number)``: the same answer, computed directly for a number of
    ASCII digits (python-stdnum looks every character up in its alphabet: an import checks
    an account number per household, 43,000 in a city's register); anything else is given to
    python-stdnum."""
    if not (number.isascii() and number.isdigit()):
        return luhn.is_valid(number)
    # from the last digit leftwards: every other one as it is, the ones between doubled
    return (sum(map(int, number[-1::-2]))
            + sum(map(_LUHN_DOUBLED.__getitem__, map(int, number[-2::-2])))) % 10 == 0


def check_account(account_type: str, number: str | None,
                  field: str = "account_number") -> list[FieldError]:
    """Check a payment account. Returns warnings; raises ValidationError for refusals.

    A bank card (一卡通) must be 16–19 digits and pass Luhn; a passbook account that fails Luhn
    is only a warning (DOMAIN §3).
    """
    number = (number or "").replace(" ", "")
    if account_type not in ACCOUNT_TYPES:
        raise ValidationError.single("account_type", f"unknown account type {account_type!r}",
                                     f"账户类型 {account_type} 无效")
    if account_type == ACCOUNT_NONE:
        if number:
            raise ValidationError.single(field, "account number given but account type is none",
                                         "未选择账户类型却填写了账号")
        return []
    if not number:
        raise ValidationError.single(field, "account number is required", "请填写银行账号")
    if not number.isdigit():
        raise ValidationError.single(field, "account number must contain digits only",
                                     "银行账号只能包含数字")
    if account_type == ACCOUNT_CARD:
        if not 16 <= len(number) <= 19:
            raise ValidationError.single(
                field, f"bank card number must have 16–19 digits, got {len(number)}",
                f"银行卡号应为16至19位，现为{len(number)}位")
        if not luhn_ok(number):
            raise ValidationError.single(
                field, "bank card number fails the Luhn check (a digit was probably mistyped)",
                "银行卡号校验失败，请核对是否录入有误")
        return []
    if not luhn_ok(number):
        return [FieldError(field, "passbook account fails the Luhn check; please double-check it",
                           "存折账号未通过校验，请再核对一次（不影响保存）")]
    return []


def mask_account(number: str) -> str:
    if len(number) <= 4:
        return "*" * len(number)
    return "*" * (len(number) - 4) + number[-4:]
