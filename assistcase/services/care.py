"""Care institutions' accounts (供养机构账户): where institutional-care payments go."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import Database
from ..errors import FieldError, ValidationError
from ..models import CareInstitution
from .audit import Auditor, resolve_user
from .auth import requires


@dataclass(frozen=True)
class CareInstitutionInput:
    name: str
    bank_name: str = ""
    account_number: str = ""
    account_name: str = ""


@requires("care.write")
def save_care_institution(db: Database, actor: str | int, data: CareInstitutionInput) -> int:
    """Create or update (by name) an institution's account; returns its id."""
    name = data.name.strip()
    number = "".join(data.account_number.split())
    errors = []
    if not name:
        errors.append(FieldError("name", "name the institution", "请填写供养机构名称"))
    if number and not number.isalnum():
        errors.append(FieldError("account_number", "the account number has letters and digits "
                                 "only", "账号只能包含字母和数字"))
    if errors:
        raise ValidationError(errors)
    values = {"bank_name": data.bank_name.strip(), "account_number": number,
              "account_name": data.account_name.strip() or name}
    with db.begin() as s:
        audit = Auditor(s, resolve_user(s, actor))
        inst = s.scalar(select(CareInstitution).where(CareInstitution.name == name))
        if inst is None:
            inst = CareInstitution(name=name, **values)
            s.add(inst)
            s.flush()
            audit.created("care_institution", inst.id, {"name": name, **values})
        else:
            audit.apply(inst, "care_institution", values)
        return inst.id


def care_accounts(s: Session) -> dict[str, CareInstitution]:
    """The institutions by name."""
    return {i.name: i for i in s.scalars(select(CareInstitution))}
