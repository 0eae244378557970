"""Typed errors raised by the core.

Every user-facing error carries an English message (CLI, logs) and a Chinese one (UI), and
names where the problem is (the field, and for imports the file/row/column).
"""

from __future__ import annotations

from dataclasses import dataclass, field


class AssistCaseError(Exception):
    """Base of all errors the core raises on purpose."""

    def __init__(self, message_en: str, message_zh: str | None = None):
        super().__init__(message_en)
        self.message_en = message_en
        self.message_zh = message_zh or message_en

    def message(self, lang: str = "en") -> str:
        return self.message_zh if lang.startswith("zh") else self.message_en


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field. ``field`` is a path such as ``members[1].id_number``."""

    field: str
    message_en: str
    message_zh: str

    def message(self, lang: str = "en") -> str:
        return self.message_zh if lang.startswith("zh") else self.message_en


class ValidationError(AssistCaseError):
    """Input was refused; nothing was written. ``errors`` lists every problem found."""

    def __init__(self, errors: list[FieldError]):
        self.errors = list(errors)
        en = "; ".join(f"{e.field}: {e.message_en}" for e in self.errors)
        zh = "；".join(e.message_zh for e in self.errors)
        super().__init__(en, zh)

    @classmethod
    def single(cls, field: str, en: str, zh: str) -> "ValidationError":
        return cls([FieldError(field, en, zh)])

    def for_field(self, prefix: str) -> list[FieldError]:
        return [e for e in self.errors if e.field == prefix or e.field.startswith(prefix + ".")]


class DuplicatePersonError(ValidationError):
    """The person is already a member of another active household (DOMAIN §3)."""

    def __init__(self, field: str, id_number: str, household_id: int, household_number: str,
                 head_name: str | None):
        self.id_number = id_number
        self.household_id = household_id
        self.household_number = household_number
        head_en = f", head {head_name}" if head_name else ""
        head_zh = f"（户主：{head_name}）" if head_name else ""
        super().__init__([FieldError(
            field,
            f"person {id_number} is already a member of active household {household_number}{head_en}",
            f"身份证号 {id_number} 已在户 {household_number}{head_zh} 中登记，不能重复登记",
        )])


class ConcurrentEditError(AssistCaseError):
    """Someone else saved the household after this editor read it (optimistic versioning):
    nothing of this save was written; reload to see their change. Names who and when."""

    def __init__(self, household_number: str, by: str, at: object, version: int,
                 expected: int):
        self.household_number = household_number
        self.by = by
        self.at = at
        self.version = version
        self.expected = expected
        when = f"{at:%Y-%m-%d %H:%M:%S}" if at is not None else "?"
        super().__init__(
            f"household {household_number} was changed by {by} at {when} (UTC) after you "
            f"opened it (version {version}, yours {expected}); nothing was saved: reload it "
            "and make your changes again",
            f"户 {household_number} 在您打开后已由 {by} 于 {when}（UTC）修改"
            f"（版本 {version}，您打开的是 {expected}），本次未保存。请重新载入后再修改。")


class DuplicateRosterError(ValidationError):
    """A one-time roster already pays this purpose to some of the same persons (DOMAIN §10:
    a one-time subsidy is paid once). Names the existing roster."""

    def __init__(self, field: str, purpose: str, roster_id: int, title: str, status: str,
                 status_zh: str):
        self.roster_id = roster_id
        self.title = title
        self.status = status
        super().__init__([FieldError(
            field,
            f"a one-time roster for {purpose!r} already covers these persons: roster "
            f"{roster_id} ({title}, {status}); rebuild or discard it, or give another purpose",
            f"用途“{purpose}”已有覆盖这些对象的一次性补贴花名册：{roster_id}（{title}，"
            f"{status_zh}），不能重复发放；请重新生成或作废该花名册，或填写其他用途",
        )])


class NotFoundError(AssistCaseError):
    def __init__(self, what: str, key: object, what_zh: str | None = None):
        super().__init__(f"{what} {key} not found", f"未找到{what_zh or what}：{key}")


class PermissionDenied(AssistCaseError):
    """The signed-in user may not do this, or not in this area (issue 13). Names the
    permission or the area, and for a separation-of-duties refusal the rule and the person."""


class SignInError(AssistCaseError):
    """A sign-in was refused: unknown user or wrong password (one message for both), locked
    account, expired token."""


class StateError(AssistCaseError):
    """The action is not allowed in the record's current state."""


class DatabaseTooNewError(AssistCaseError):
    """The database was written by a newer AssistCase than this one."""


class DatabaseError(AssistCaseError):
    """The database cannot be opened or upgraded."""


class ReadOnlyError(AssistCaseError):
    """A write was attempted on a database opened read-only (查看模式): refused before any
    change, by the core façade and by the database itself."""

    def __init__(self) -> None:
        super().__init__("the database is open read-only: nothing can be changed",
                         "数据库以只读方式打开，不能修改任何数据")
class DatabaseLockedError(DatabaseError):
    """The database is encrypted and no key (password or recovery key) was given."""


class WrongPasswordError(DatabaseError):
    """A password or recovery key does not open the database's key slot."""


class Cancelled(AssistCaseError):
    """The user cancelled a long operation; its transaction was rolled back."""

    def __init__(self) -> None:
        super().__init__("cancelled by the user", "已取消")


@dataclass
class Warning_:
    """A non-blocking finding the user should see (e.g. a passbook account failing Luhn)."""

    field: str
    message_en: str
    message_zh: str


@dataclass
class ServiceResult:
    """What a write service changed, so views can refresh only that (cf. Anki's OpChanges)."""

    household_ids: set[int] = field(default_factory=set)
    person_ids: set[int] = field(default_factory=set)
    created_id: int | None = None
    warnings: list[Warning_] = field(default_factory=list)
