"""Sign-in, roles, area scope and separation of duties, through the core (issue 13)."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
import sqlite3

import pytest
from sqlalchemy import select

import assistcase
from assistcase.errors import PermissionDenied, SignInError, ValidationError
from assistcase.models import Area, AuditEntry, User
from assistcase.services.queries import HouseholdFilter, household_detail, search_household_ids
from assistcase.services import aid as A
from assistcase.services import auth
from assistcase.services import cases as C
from assistcase.services import registry as reg
from assistcase.services import rosters as R
from assistcase.services import standards as S
from assistcase.services.areas import start_area
from assistcase.services.todo import load_todo, todo_areas

from ..conftest import ACTOR, PASSWORD, demo_city, make_id

FRI = dt.date(2026, 11, 20)


def townships(db) -> list[Area]:
    """Two townships of different counties, each with a village."""
    with db.read() as s:
        out, counties = [], set()
        for t in s.scalars(select(Area).where(Area.level == "township").order_by(Area.code)):
            has_village = s.scalar(select(Area.id).where(Area.parent_id == t.id).limit(1))
            if has_village and t.parent_id not in counties:
                out.append(t)
                counties.add(t.parent_id)
            if len(out) == 2:
                return out
    raise AssertionError("the demo areas have two counties with villages")


def village_of(db, township: Area) -> int:
    with db.read() as s:
        return s.scalar(select(Area.id).where(Area.parent_id == township.id).order_by(Area.code))


def user(db, name: str, role: str, area_id: int | None) -> str:
    auth.create_user(db, ACTOR, name, f"{name}-名", PASSWORD, [(role, area_id)])
    return name


def signed_in_as(db, name):
    db.signed_in = name
    for_scope = getattr(db, "_scopes", None)
    assert for_scope is None
    return db


# --- area scope -----------------------------------------------------------------------------


def test_township_caseworker_sees_only_their_township_and_is_refused_another_by_id(db):
    a, b = townships(db)
    mine = reg.create_household(db, ACTOR, reg.HouseholdData(village_of(db, a), "rural"),
                                [reg.PersonData("欧阳测甲", make_id(seq=1))]).created_id
    theirs = reg.create_household(db, ACTOR, reg.HouseholdData(village_of(db, b), "rural"),
                                  [reg.PersonData("欧阳测乙", make_id(seq=3))]).created_id
    user(db, "cw_a", "caseworker", a.id)
    # city-wide, both are found
    with db.read() as s:
        assert search_household_ids(s, HouseholdFilter(text="欧阳测")) == sorted(
            [mine, theirs], key=lambda h: reg_number(db, h))
    db.signed_in = "cw_a"
    with db.read() as s:
        assert search_household_ids(s, HouseholdFilter(text="欧阳测乙")) == []
        assert search_household_ids(s, HouseholdFilter(text="oycj")) == [mine]
        assert search_household_ids(s, HouseholdFilter(text=make_id(seq=3)[-6:])) == []
        assert household_detail(s, mine).members[0].name == "欧阳测甲"
        with pytest.raises(PermissionDenied) as e:
            household_detail(s, theirs)
    with db.read() as s:
        village_b = s.get(Area, village_of(db, b))
    assert village_b.name in e.value.message_zh and village_b.code in e.value.message_en
    # writing there is refused too, naming the area; in their own township it goes through
    with pytest.raises(PermissionDenied) as e:
        reg.update_household(db, "cw_a", theirs, {"address": "x"})
    assert village_b.code in e.value.message_en
    reg.update_household(db, "cw_a", mine, {"address": "一组"})
    # their to-do list: their township is the only area offered and the one opened first;
    # another township's list is refused, naming it
    db.signed_in = "cw_a"
    areas = todo_areas(db)
    assert [x.id for x in areas] == [a.id] and start_area(areas).id == a.id
    with pytest.raises(PermissionDenied) as e:
        load_todo(db, b.id)
    assert b.code in e.value.message_en


def test_a_session_that_changes_a_users_grants_checks_the_new_ones(db):
    """Rights read once per session are forgotten when the session writes grants: a role
    taken away inside a transaction no longer authorises the rest of it."""
    from assistcase.models import UserRole

    town = townships(db)[0]
    name = user(db, "kw", "caseworker", town.id)
    with db.begin() as s:
        assert not auth.scope_of(s, name).everywhere        # read and kept for the session
        auth.authorize(s, name, "registry.write", area_id=village_of(db, town))
        for row in s.scalars(select(UserRole).where(UserRole.user_id == user_id(db, name))):
            s.delete(row)
        s.flush()
        with pytest.raises(PermissionDenied):
            auth.authorize(s, name, "registry.write", area_id=village_of(db, town))
        with pytest.raises(PermissionDenied):
            auth.scope_of(s, name)


def test_a_write_service_reads_its_users_rights_once_and_the_next_call_afresh(db):
    """The rights its permission check read are carried into the service's own transaction
    (one read of the user's rights a call, not one per session: on a bureau server that read
    sat inside the write lock); a grant taken away between two calls refuses the second."""
    from sqlalchemy import event

    town = townships(db)[0]
    name = user(db, "kw2", "caseworker", town.id)
    hid = reg.create_household(db, name, reg.HouseholdData(village_of(db, town), "rural"),
                               [reg.PersonData("欧阳测丙", make_id(seq=7))]).created_id
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if "FROM users" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        reg.save_household(db, name, hid, {"phone": "13900000001"}, [])
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(seen) == 1, seen
    db.signed_in = ACTOR
    with db.read() as s:
        assert household_detail(s, hid).phone == "13900000001"
    auth.set_user_roles(db, ACTOR, user_id(db, name), [])
    with pytest.raises(PermissionDenied):
        reg.save_household(db, name, hid, {"phone": "13900000002"}, [])


def reg_number(db, hid):
    from assistcase.models import Household

    with db.read() as s:
        return s.get(Household, hid).number


# --- temporary aid: the level comes from the role -----------------------------------------------


@pytest.fixture
def standards(db):
    with db.read() as s:
        city_id = s.scalars(select(Area.id).where(Area.level == "city")).first()
    for cls, fen in (("urban", 630_00), ("rural", 420_00)):
        S.save_standard(db, ACTOR, S.StandardInput(city_id, cls, "dibao", dt.date(2022, 1, 1), fen))
    return city_id


def test_township_reviewer_is_refused_above_the_township_limit_and_the_county_approves(
        db, standards):
    a, _ = townships(db)
    hid = reg.create_household(db, ACTOR, reg.HouseholdData(village_of(db, a), "urban"),
                               [reg.PersonData("张临", make_id(seq=5))]).created_id
    aid = A.record_aid(db, ACTOR, A.AidInput("urgent", "fire", FRI, 2000_00, household_id=hid,
                                             payment_method="cash")).created_id
    user(db, "tr_a", "township_reviewer", a.id)
    user(db, "county_b", "county_approver", a.parent_id)
    # the level is the role's: none is chosen
    with pytest.raises(A.AboveApprovalLimit) as e:
        A.approve_aid(db, "tr_a", aid, A.ApprovalInput(None, "李审核", FRI, 2000_00))
    assert "乡镇审批限额为 1,890.00 元" in e.value.message_zh and e.value.limit_fen == 1890_00
    # a township reviewer cannot pick the county level
    with pytest.raises(PermissionDenied) as e:
        A.approve_aid(db, "tr_a", aid, A.ApprovalInput("county", "李审核", FRI, 2000_00))
    assert "县级" in e.value.message_zh
    A.approve_aid(db, "county_b", aid, A.ApprovalInput(None, "钱县级审批", FRI, 2000_00))
    with db.read() as s:
        v = A.aid_view(s, aid)
    assert (v.status, v.approval_level, v.limit_fen) == ("approved", "county", 3780_00)


# --- rosters: separation of duties and the names signed -------------------------------------


@pytest.fixture
def county_roster(db):
    demo_city(db, households=60, seed=4, today=dt.date(2026, 11, 22))
    with db.read() as s:
        county = s.scalars(select(Area).where(Area.level == "county").order_by(Area.code)).first()
    # one person who both builds and reviews (a clerk with the approver's role too)
    auth.create_user(db, ACTOR, "both", "甲制表", PASSWORD,
                     [("county_clerk", county.id), ("county_approver", county.id)])
    user(db, "rev", "county_approver", county.id)
    built = R.build_monthly_roster(db, "both", R.MonthlyRosterInput(county.id, dt.date(2026, 11, 1)))
    return county, built.roster_id


def test_builder_reviewing_and_reviewer_approving_are_refused_naming_rule_and_person(
        db, county_roster):
    county, rid = county_roster
    with pytest.raises(PermissionDenied) as e:
        R.review_roster(db, "both", rid)
    assert "reviewer differs from its builder" in e.value.message_en
    assert "甲制表" in e.value.message_zh and "制表人" in e.value.message_zh
    R.review_roster(db, "rev", rid)
    with pytest.raises(PermissionDenied) as e:
        R.approve_roster(db, "rev", rid)
    assert "approver differs from its builder and its reviewer" in e.value.message_en
    assert "rev-名" in e.value.message_zh and "审核人" in e.value.message_zh
    with pytest.raises(PermissionDenied) as e:
        R.approve_roster(db, "both", rid)
    assert "甲制表" in e.value.message_zh
    R.approve_roster(db, "approver", rid)
    # names signed when each step happened stay with the roster
    auth.update_user(db, ACTOR, user_id(db, "rev"), display_name="改名后")
    with db.read() as s:
        v = R.roster_view(s, rid)
    assert (v.built_by, v.reviewed_by, v.approved_by) == ("甲制表", "rev-名", "approver")


def user_id(db, name):
    with db.read() as s:
        return s.scalar(select(User.id).where(User.username == name))


def test_a_one_person_office_records_its_exception_with_the_reason(db, county_roster):
    county, rid = county_roster
    with db.read() as s:
        city = s.get(Area, county.parent_id)
    S.set_policy(db, ACTOR, city.id, {"sod_roster_review": 0}, dt.date(2026, 1, 1),
                 S.Notice("一人所例外审批", "商民〔2026〕1号", dt.date(2026, 1, 1)))
    R.review_roster(db, "both", rid)
    with db.read() as s:
        note = s.scalars(select(AuditEntry).where(AuditEntry.action == "sod_exception")).one()
    assert note.entity == "roster" and note.entity_id == rid
    assert "一人所例外审批" in note.new_value and "sod_roster_review" in note.new_value
    # the other rule still holds
    with pytest.raises(PermissionDenied):
        R.approve_roster(db, "both", rid)


def test_case_confirmer_differs_from_the_investigating_caseworker(db):
    a, _ = townships(db)
    hid = reg.create_household(db, ACTOR, reg.HouseholdData(village_of(db, a), "rural"),
                               [reg.PersonData("王调查", make_id(seq=7))]).created_id
    auth.create_user(db, ACTOR, "cw_both", "赵经办", PASSWORD,
                     [("caseworker", a.id), ("township_reviewer", a.id)])
    user(db, "tr", "township_reviewer", a.id)
    cid = C.open_case(db, "cw_both", C.CaseInput("dibao", hid, dt.date(2026, 10, 1))).created_id
    C.record_economic_check(db, "cw_both", cid, dt.date(2026, 10, 5), "核对通过")
    C.record_investigation(db, "cw_both", cid, dt.date(2026, 10, 8), "赵、钱", "属实")
    C.record_publicity(db, "cw_both", cid, dt.date(2026, 10, 10), dt.date(2026, 10, 16))
    with pytest.raises(PermissionDenied) as e:
        C.confirm_case(db, "cw_both", cid, dt.date(2026, 10, 20))
    assert "investigated" in e.value.message_en and "赵经办" in e.value.message_zh
    C.confirm_case(db, "tr", cid, dt.date(2026, 10, 20))


# --- the supervisor writes nothing ------------------------------------------------------------


def public_write_services():
    """Every public function of the core taking (db, actor, …)."""
    found = []
    names = [m.name for m in pkgutil.walk_packages(assistcase.__path__, "assistcase.")
             if not m.name.endswith("__main__")]
    for name in names:
        module = importlib.import_module(name)
        for fname, fn in vars(module).items():
            if fname.startswith("_") or not inspect.isfunction(fn) \
                    or getattr(fn, "__module__", None) != module.__name__ \
                    and not hasattr(fn, "__requires__"):
                continue
            params = list(inspect.signature(fn).parameters)
            if params[:2] == ["db", "actor"]:
                found.append((f"{fn.__module__}.{fname}", fn))
    return sorted(set(found), key=lambda x: x[0])


def test_every_public_write_service_checks_permission_and_refuses_a_supervisor(db):
    user(db, "sup", "supervisor", None)
    services = public_write_services()
    assert len(services) >= 80
    # one's own password and one's own sign-out are the only writes every signed-in user
    # may make
    services = [(n, f) for n, f in services
                if not n.endswith((".change_own_password", ".sign_out"))]
    unchecked = [name for name, fn in services if not hasattr(fn, "__requires__")]
    assert unchecked == []
    for name, fn in services:
        sig = inspect.signature(fn)
        args = {p.name: None for p in list(sig.parameters.values())[2:]
                if p.default is inspect.Parameter.empty
                and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        with pytest.raises(PermissionDenied, match="may not"):
            fn(db, "sup", **args)
    # and nothing was written by any of them
    with db.read() as s:
        assert s.scalar(select(AuditEntry.id).where(
            AuditEntry.user_id == user_id(db, "sup"))) is None


def test_nobody_is_registered_by_acting(db, village_ids):
    with pytest.raises(PermissionDenied, match="unknown user"):
        reg.create_household(db, "stranger", reg.HouseholdData(village_ids[0], "rural"),
                             [reg.PersonData("张三", make_id(seq=1))])
    with db.read() as s:
        assert s.scalar(select(User.id).where(User.username == "stranger")) is None


# --- passwords, lockout, tokens ---------------------------------------------------------------


def test_dump_holds_no_password_and_the_sixth_attempt_is_refused_even_when_right(db, db_path):
    secret = "Geheim-Pass-4711"
    user(db, "clerk2", "caseworker", None)
    auth.reset_password(db, ACTOR, user_id(db, "clerk2"), secret)
    t0 = dt.datetime(2026, 11, 29, 9, 0)
    assert auth.sign_in(db, "clerk2", secret, now=t0).username == "clerk2"
    db.dispose()
    dump = "\n".join(sqlite3.connect(db_path).iterdump())
    assert secret not in dump and "$argon2id$" in dump
    assert secret.encode().hex() not in dump.lower()
    for i in range(5):
        with pytest.raises(SignInError, match="wrong user name or password"):
            auth.sign_in(db, "clerk2", f"wrong-{i}", now=t0)
    with pytest.raises(SignInError, match="locked") as e:
        auth.sign_in(db, "clerk2", secret, now=t0 + dt.timedelta(minutes=1))
    assert "连续5次登录失败已锁定" in e.value.message_zh
    # after the lock time (15 minutes by default) the right password works again
    assert auth.sign_in(db, "clerk2", secret, now=t0 + dt.timedelta(minutes=16))
    with db.read() as s:
        actions = [a for (a,) in s.execute(select(AuditEntry.action).where(
            AuditEntry.entity == "user", AuditEntry.entity_id == user_id(db, "clerk2"))
            .order_by(AuditEntry.id))]
    assert actions.count("signin_failed") == 5 and "lockout" in actions
    assert actions.count("signin") == 2 and "signin_refused" in actions


def test_unknown_user_and_wrong_password_get_one_message(db):
    with pytest.raises(SignInError) as unknown:
        auth.sign_in(db, "nobody", "whatever1")
    with pytest.raises(SignInError) as wrong:
        auth.sign_in(db, ACTOR, "whatever1")
    assert unknown.value.message_en == wrong.value.message_en


def test_password_change_and_reset(db):
    user(db, "pw", "caseworker", None)
    with pytest.raises(ValidationError, match="current password is wrong"):
        auth.change_own_password(db, "pw", "nope-nope", "new-password-1")
    with pytest.raises(ValidationError, match="at least 8"):
        auth.change_own_password(db, "pw", PASSWORD, "short")
    auth.change_own_password(db, "pw", PASSWORD, "new-password-1")
    assert auth.sign_in(db, "pw", "new-password-1")
    with pytest.raises(PermissionDenied):
        auth.reset_password(db, "pw", user_id(db, ACTOR), "taken-over-1")


def test_token_expires(db):
    ident = auth.sign_in(db, ACTOR, PASSWORD)
    t0 = dt.datetime(2026, 11, 29, 9, 0)
    token, expires = auth.issue_token(db, ident, hours=2, now=t0)
    assert expires == t0 + dt.timedelta(hours=2)
    assert auth.sign_in_with_token(db, token, now=t0 + dt.timedelta(hours=1)).username == ACTOR
    with pytest.raises(SignInError, match="expired"):
        auth.sign_in_with_token(db, token, now=t0 + dt.timedelta(hours=2, minutes=1))
    with pytest.raises(SignInError, match="not known"):
        auth.sign_in_with_token(db, token + "x")
    with db.read() as s:
        assert token not in "\n".join(str(v) for v in s.execute(
            select(auth.SignInToken.digest)).scalars())


def test_role_changes_are_audited_and_the_table_is_readable(db):
    uid = auth.create_user(db, ACTOR, "rc", "rc", PASSWORD, [("caseworker", None)])
    auth.set_user_roles(db, ACTOR, uid, [("supervisor", None)])
    with db.read() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == "role_change",
                                                  AuditEntry.entity_id == uid)).all()
        table = auth.permission_table(s)
    assert rows[-1].old_value == "caseworker@*" and rows[-1].new_value == "supervisor@*"
    assert "roster.approve" in table["county_approver"]
    assert table["supervisor"] == ["audit.read", "read", "supervise"]


def test_supervisor_sees_ids_masked_and_a_shown_record_is_audited(db, village_ids):
    from assistcase.services.queries import reveal_household

    hid = reg.create_household(db, ACTOR, reg.HouseholdData(village_ids[0], "rural"),
                               [reg.PersonData("钱看", make_id(seq=9))]).created_id
    user(db, "sup2", "supervisor", None)
    db.signed_in = "sup2"
    with db.read() as s:
        shown = household_detail(s, hid).members[0].id_number
    assert shown != make_id(seq=9) and shown.endswith(make_id(seq=9)[-4:]) and "*" in shown
    assert reveal_household(db, hid).members[0].id_number == make_id(seq=9)
    with db.read() as s:
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "reveal",
                                                  AuditEntry.household_id == hid)).one()


def test_exports_of_personal_data_are_audited_and_refused_to_the_supervisor(db, county_roster,
                                                                             tmp_path):
    from assistcase.reports.roster_pdf import write_notice_pdf

    _, rid = county_roster
    write_notice_pdf(db, rid, tmp_path / "n.pdf")
    with db.read() as s:
        row = s.scalars(select(AuditEntry).where(AuditEntry.action == "export")).one()
    assert (row.entity, row.entity_id, row.field) == ("roster", rid, "notice_pdf")
    user(db, "sup3", "supervisor", None)
    db.signed_in = "sup3"
    with pytest.raises(PermissionDenied, match="export"):
        write_notice_pdf(db, rid, tmp_path / "m.pdf")
    assert not (tmp_path / "m.pdf").exists()


def test_the_first_administrator_only_on_a_new_database(db):
    assert not auth.needs_first_administrator(db)
    with pytest.raises(PermissionDenied):
        auth.create_first_administrator(db, "second", "another-admin-1")


# --- the command line signs in -----------------------------------------------------------------


def test_cli_refuses_roster_approve_without_sign_in_and_with_a_token_lacking_the_role(
        db, db_path, tmp_path, capsys, monkeypatch):
    import io
    import json

    from assistcase.cli import main

    from ..conftest import token_file

    monkeypatch.delenv("ASSISTCASE_TOKEN", raising=False)
    assert main(["--db", str(db_path), "roster", "approve", "1"]) == 2
    assert "sign in first" in capsys.readouterr().err
    user(db, "cw_cli", "caseworker", None)
    token = token_file(db, "cw_cli", tmp_path)
    assert main(["--db", str(db_path), "--token", str(token), "roster", "approve", "1"]) == 2
    err = capsys.readouterr().err
    assert "may not approve rosters" in err and "cw_cli" in err
    # `assistcase login`: the password on standard input, a token file with its expiry
    out = tmp_path / "login.json"
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["--db", str(db_path), "--user", ACTOR, "login", "--hours", "2",
                 "--out", str(out)]) == 0
    saved = json.loads(out.read_text(encoding="utf-8"))
    expires = dt.datetime.fromisoformat(saved["expires"])
    assert dt.timedelta(hours=1, minutes=58) < expires - dt.datetime.now() <= dt.timedelta(hours=2)
    assert saved["user"] == ACTOR and PASSWORD not in out.read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["--db", str(db_path), "--token", str(out), "roster", "list"]) == 0
    # a wrong password signs nobody in
    monkeypatch.setattr("sys.stdin", io.StringIO("wrong-password\n"))
    assert main(["--db", str(db_path), "--user", ACTOR, "roster", "list"]) == 2
    assert "wrong user name or password" in capsys.readouterr().err


def test_the_demo_users_take_a_county_roster_from_build_to_approval(db):
    """The demo's own users can do a county's month without the one-person-office exception:
    the county clerk builds, one county approver reviews and the other approves."""
    from assistcase.demo_users import DEMO_USERS, demo_areas

    demo_city(db, households=40, seed=5, today=dt.date(2026, 11, 22))
    areas = demo_areas(db)
    for u in DEMO_USERS:
        auth.create_user(db, ACTOR, u.username, u.display_name, u.password,
                         [(u.role, areas[u.level])], demo=True)
    approvers = [u.username for u in DEMO_USERS if u.role == "county_approver"]
    builder = next(u.username for u in DEMO_USERS if u.role == "county_clerk")
    assert len(approvers) >= 2
    rid = R.build_monthly_roster(db, builder, R.MonthlyRosterInput(
        areas["county"], dt.date(2026, 11, 1))).roster_id
    R.review_roster(db, approvers[1], rid)
    R.approve_roster(db, approvers[0], rid)
    with db.read() as s:
        from assistcase.models import Roster

        assert s.get(Roster, rid).status == "approved"
