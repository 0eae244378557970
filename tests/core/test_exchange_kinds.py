"""Cases with their steps and covered members, temporary-aid cases and liaison visits travel
between a township and its bureau (issue 15, items 1–2; docs/exchange.md): the bureau on
both engines, the township a SQLite laptop. The bureau does not know the township's clerk:
the clerk's steps are recorded there as the importing user, noted, and still name the clerk
when they travel back."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select, text

from assistcase.models import (AidCase, AssistanceCase, AuditEntry, CaseEvent, CaseMember,
                               Household, Person, Rectification, Visit)
from assistcase.security.package import PackageError
from assistcase.services import aid as A
from assistcase.services import cases as C
from assistcase.services import exchange as X
from assistcase.services import liaison as L
from assistcase.services import registry as R
from assistcase.services.registry import HouseholdData, PersonData

from ..conftest import ACTOR, make_id
from .test_exchange import BUREAU, _copy, _townships

D = dt.date
CLERK = "t1-worker"      # the township's clerk: registered at the township only
CITY = "411400000000"


@pytest.fixture
def pair(db, tmp_path, _areas_template):
    """The bureau (``db``: SQLite or PostgreSQL) and one township laptop registered there."""
    (code, village), _ = _townships(db)
    X.setup_site(db, ACTOR, BUREAU, "商丘市民政局", "bureau", CITY)
    key = X.register_township(db, ACTOR, code, "t1", code)
    town = _copy(_areas_template, tmp_path / "t1.sqlite3")
    X.setup_site(town, CLERK, code, "t1", "township", code)
    X.join_bureau(town, CLERK, BUREAU, "商丘市民政局", key)
    yield {"bureau": db, "town": town, "village": village, "code": code}
    town.dispose()


def _send(src, actor, to, folder, dst, dst_actor):
    exported = X.export_package(src, actor, to, folder)
    return exported, X.import_package(dst, dst_actor, exported.path)


def _household(db, actor, village, seq=1):
    return R.create_household(db, actor, HouseholdData(
        village_id=village, residence_class="rural", address="村东头", phone="13800000000",
        account_type="none"), [
        PersonData(name="李强", id_number=make_id(seq=2 * seq), relation="head"),
        PersonData(name="李娜", id_number=make_id(seq=2 * seq + 1), relation="spouse")]
    ).created_id


def _gid(db, model, rid):
    with db.read() as s:
        return s.scalar(select(model.gid).where(model.id == rid))


def _case_state(db, gid):
    """A case as the other site sees it: its columns, covered members and steps, ids
    replaced by global ids and users by name."""
    with db.read() as s:
        case = s.scalar(select(AssistanceCase).where(AssistanceCase.gid == gid))
        cols = {c: getattr(case, c) for c in X.KINDS["case"].fields}
        members = sorted(s.execute(
            select(Person.gid, CaseMember.covered_from, CaseMember.covered_until)
            .join(Person, Person.id == CaseMember.person_id)
            .where(CaseMember.case_id == case.id)).all())
        steps = [(e.gid, e.step, e.happened_on, e.reason, e.details, e.at)
                 for e in s.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                    .order_by(CaseEvent.at, CaseEvent.id))]
        hh = s.scalar(select(Household.gid).where(Household.id == case.household_id))
        return cols, members, steps, hh


def _step_users(db, case_gid):
    with db.read() as s:
        return {step: user for step, user in s.execute(text(
            "SELECT e.step, u.username FROM case_events e JOIN users u ON u.id = e.user_id "
            "JOIN assistance_cases c ON c.id = e.case_id WHERE c.gid = :g"), {"g": case_gid})}


def _opened_case(pair):
    town = pair["town"]
    hid = _household(town, CLERK, pair["village"])
    case_id = C.open_case(town, CLERK, C.CaseInput(program="dibao", household_id=hid,
                                                  applied_on=D(2025, 3, 3),
                                                  reason="因病致贫")).created_id
    C.record_economic_check(town, CLERK, case_id, D(2025, 3, 5), "收入低于标准")
    return hid, case_id


def test_a_case_with_its_steps_and_members_reaches_the_bureau_with_the_same_fields(
        pair, tmp_path):
    town, bureau = pair["town"], pair["bureau"]
    _, case_id = _opened_case(pair)
    exported, result = _send(town, CLERK, BUREAU, tmp_path / "usb", bureau, ACTOR)
    gid = _gid(town, AssistanceCase, case_id)     # given when first exported
    assert exported.counts["case"] == 1 and exported.counts["case_event"] == 2
    assert result.created["case"] == 1 and result.created["case_event"] == 2
    here, there = _case_state(town, gid), _case_state(bureau, gid)
    assert here == there
    cols, members, steps, _ = there
    assert cols["status"] == "checked" and cols["check_findings"] == "收入低于标准"
    assert len(members) == 2 and [s[1] for s in steps] == ["apply", "economic_check"]
    # the clerk is not registered at the bureau: recorded as the importing user, and noted
    assert set(_step_users(bureau, gid).values()) == {ACTOR}
    with bureau.read() as s:
        notes = list(s.scalars(select(AuditEntry.new_value).where(
            AuditEntry.action == "map_user")))
    # (a first package: one note per user and field; record by record: one per record)
    assert len(notes) == 1 and CLERK in notes[0] and ACTOR in notes[0]
    assert "2 record(s)" in notes[0]
    with bureau.read() as s:
        bid = s.scalar(select(AssistanceCase.id).where(AssistanceCase.gid == gid))
    assert X.sync_state(bureau, "case", [bid]) == {bid: "synced"}
    assert X.sync_state(town, "case", [case_id]) == {case_id: "pending"}
    # a later step, merged record by record: noted for that record
    C.record_investigation(town, CLERK, case_id, D(2025, 3, 8), "张、刘", "属实")
    _, later = _send(town, CLERK, BUREAU, tmp_path / "usb2", bureau, ACTOR)
    assert later.created == {"case_event": 1} and later.updated == {"case": 1}
    assert _case_state(town, gid) == _case_state(bureau, gid)
    with bureau.read() as s:
        note = s.scalars(select(AuditEntry).where(AuditEntry.action == "map_user")
                         .order_by(AuditEntry.id.desc())).first()
        step = s.scalar(select(CaseEvent.id).where(CaseEvent.step == "investigation"))
    assert (note.entity, note.entity_id) == ("case_event", step) and CLERK in note.new_value


def test_a_step_added_at_the_bureau_travels_back(pair, tmp_path):
    town, bureau = pair["town"], pair["bureau"]
    _, case_id = _opened_case(pair)
    _send(town, CLERK, BUREAU, tmp_path / "up", bureau, ACTOR)
    gid = _gid(town, AssistanceCase, case_id)
    with bureau.read() as s:
        bid = s.scalar(select(AssistanceCase.id).where(AssistanceCase.gid == gid))
    C.record_investigation(bureau, ACTOR, bid, D(2025, 3, 10), "王、赵", "属实")
    back, got = _send(bureau, ACTOR, pair["code"], tmp_path / "down", town, CLERK)
    assert back.counts["case"] == 1 and back.counts["case_event"] == 3
    assert got.created == {"case_event": 1} and got.updated == {"case": 1}
    assert got.conflicts == 0
    assert _case_state(town, gid) == _case_state(bureau, gid)
    cols = _case_state(town, gid)[0]
    assert cols["status"] == "investigated" and cols["investigation_findings"] == "属实"
    # the investigation names the bureau's user; the clerk's own steps still name the clerk
    assert _step_users(town, gid) == {"apply": CLERK, "economic_check": CLERK,
                                      "investigation": ACTOR}


def _aid(pair):
    town = pair["town"]
    hid = _household(town, CLERK, pair["village"], seq=3)
    data = A.AidInput("urgent", "fire", D(2025, 4, 2), 1500_00, household_id=hid,
                      payment_method="cash", description="房屋失火")
    return data, A.record_aid(town, CLERK, data).created_id


def test_the_same_field_of_an_aid_case_edited_on_both_sides_is_a_conflict(pair, tmp_path):
    town, bureau = pair["town"], pair["bureau"]
    data, aid_id = _aid(pair)
    _, first = _send(town, CLERK, BUREAU, tmp_path / "1", bureau, ACTOR)
    gid = _gid(town, AidCase, aid_id)
    assert first.created["aid_case"] == 1
    back, _ = _send(bureau, ACTOR, pair["code"], tmp_path / "2", town, CLERK)  # confirms
    with bureau.read() as s:
        bid = s.scalar(select(AidCase.id).where(AidCase.gid == gid))
    data.description = "房屋失火，财物全毁"
    A.update_aid(town, CLERK, aid_id, data)
    data.description = "房屋失火（局核实）"
    A.update_aid(bureau, ACTOR, bid, data)
    _, result = _send(town, CLERK, BUREAU, tmp_path / "3", bureau, ACTOR)
    assert result.conflicts == 1
    [c] = X.conflicts(bureau)
    assert (c.entity, c.field) == ("aid_case", "description")
    assert (c.base_value, c.local_value, c.remote_value) == (
        "房屋失火", "房屋失火（局核实）", "房屋失火，财物全毁")
    assert (c.local_by, c.remote_by) == (ACTOR, CLERK) and c.local_at and c.remote_at
    assert X.sync_state(bureau, "aid_case", [bid]) == {bid: "conflict"}
    with bureau.read() as s:    # and so the lists of aid cases show it
        assert {r.id: r.sync for r in A.list_aid(s, A.AidFilter(limit=None))} == {
            bid: "conflict"}
    with bureau.read() as s:    # the receiving side's value is kept until a person decides
        assert s.get(AidCase, bid).description == "房屋失火（局核实）"
    # the decision travels back and the township takes it as it is
    X.resolve_conflict(bureau, ACTOR, c.id, "remote")
    _, got = _send(bureau, ACTOR, pair["code"], tmp_path / "4", town, CLERK)
    assert got.conflicts == 0
    with town.read() as s:
        assert s.get(AidCase, aid_id).description == "房屋失火，财物全毁"
    with bureau.read() as s:
        assert s.get(AidCase, bid).description == "房屋失火，财物全毁"


def _liaison(db, actor, with_institution=True):
    """The city station and the city's principal leader assigned to it (at each site that
    holds them: institutions and leaders do not travel, they are matched by name)."""
    with db.read() as s:
        city = s.scalar(text("SELECT id FROM areas WHERE code = :c"), {"c": CITY})
    inst = L.create_institution(db, actor, "商丘市救助管理站", "station", "city",
                                city).created_id if with_institution else None
    leader = L.create_leader(db, actor, "周局长", "city_principal", city).created_id
    if inst is not None:
        L.assign(db, actor, leader, inst, D(2025, 1, 1))
    return leader, inst


def test_a_visit_recorded_at_the_township_travels_to_the_bureau(pair, tmp_path):
    town, bureau = pair["town"], pair["bureau"]
    leader, inst = _liaison(town, ACTOR)
    b_leader, b_inst = _liaison(bureau, ACTOR)
    vid = L.log_visit(town, ACTOR, L.VisitData(leader, inst, D(2025, 5, 6), "video",
                                               ["safety"], "消防通道畅通", "档案不全"),
                      today=D(2025, 6, 1)).created_id
    exported, result = _send(town, CLERK, BUREAU, tmp_path / "usb", bureau, ACTOR)
    gid = _gid(town, Visit, vid)
    assert exported.counts["liaison_visit"] == 1 and result.created["liaison_visit"] == 1
    with bureau.read() as s:
        v = s.scalar(select(Visit).where(Visit.gid == gid))
        assert (v.leader_id, v.institution_id, v.visited_on, v.mode, v.topics, v.findings,
                v.problems) == (b_leader, b_inst, D(2025, 5, 6), "video", "safety",
                                "消防通道畅通", "档案不全")
        assert v.origin_site == pair["code"]
        mine = s.scalar(select(Visit.id).where(Visit.gid == gid))
    # the bureau's own visits stay there
    own = L.log_visit(bureau, ACTOR, L.VisitData(b_leader, b_inst, D(2025, 5, 20)),
                      today=D(2025, 6, 1)).created_id
    assert X.sync_state(bureau, "liaison_visit", [mine, own]) == {mine: "synced",
                                                                  own: "local"}
    with bureau.read() as s:   # the visit log: the bureau's own visit has no state
        assert {v.id: v.sync for v in L.visit_views(s)} == {mine: "synced", own: ""}
    with town.read() as s:
        assert {v.id: v.sync for v in L.visit_views(s)} == {vid: "pending"}
    # a correction at the bureau travels back to the township that recorded it
    with bureau.begin() as s:     # no service edits a visit yet: audited as a service would
        from assistcase.services.audit import Auditor, resolve_user
        v = s.scalar(select(Visit).where(Visit.gid == gid))
        Auditor(s, resolve_user(s, ACTOR)).apply(v, "liaison_visit", {"problems": "档案已补"})
    back, got = _send(bureau, ACTOR, pair["code"], tmp_path / "back", town, CLERK)
    assert back.counts["liaison_visit"] == 1 and got.updated == {"liaison_visit": 1}
    with town.read() as s:
        assert s.get(Visit, vid).problems == "档案已补"
        assert s.scalar(select(Visit.id).where(Visit.visited_on == D(2025, 5, 20))) is None


def test_a_visits_rectifications_travel_inside_it_both_ways(pair, tmp_path):
    town, bureau = pair["town"], pair["bureau"]
    leader, inst = _liaison(town, ACTOR)
    _liaison(bureau, ACTOR)
    vid = L.log_visit(town, ACTOR, L.VisitData(
        leader, inst, D(2025, 5, 6), problems="档案不全；消防通道堵塞",
        rectifications=[L.RectificationData("补齐档案", D(2025, 6, 30)),
                        L.RectificationData("清理消防通道", D(2025, 5, 31))]),
        today=D(2025, 6, 1)).created_id
    exported, result = _send(town, CLERK, BUREAU, tmp_path / "1", bureau, ACTOR)
    gid = _gid(town, Visit, vid)
    if not result.set_based:     # the first package's path; the later ones: record by record
        raise AssertionError("the township's first package was not written set-based")

    def rects(db):
        with db.read() as s:
            v = s.scalar(select(Visit).where(Visit.gid == gid))
            return sorted((r.action, r.due_on, r.status, r.done_on) for r in v.rectifications)

    assert result.created["liaison_visit"] == 1
    assert rects(bureau) == rects(town) == [("清理消防通道", D(2025, 5, 31), "open", None),
                                            ("补齐档案", D(2025, 6, 30), "open", None)]
    _send(bureau, ACTOR, pair["code"], tmp_path / "2", town, CLERK)    # confirms
    with town.read() as s:
        assert {v.id: v.sync for v in L.visit_views(s)} == {vid: "synced"}
        rid = s.scalar(select(Rectification.id).where(Rectification.visit_id == vid,
                                                      Rectification.action == "补齐档案"))
    # one is done at the township: its visit is to be sent again, and the bureau takes it
    L.set_rectification_status(town, ACTOR, rid, "done", D(2025, 6, 20))
    with town.read() as s:
        assert {v.id: v.sync for v in L.visit_views(s)} == {vid: "pending"}
    sent, got = _send(town, CLERK, BUREAU, tmp_path / "3", bureau, ACTOR)
    assert sent.counts["liaison_visit"] == 1 and got.updated == {"liaison_visit": 1}
    assert rects(bureau) == rects(town)
    assert ("补齐档案", D(2025, 6, 30), "done", D(2025, 6, 20)) in rects(bureau)
    # and the other, done at the bureau, travels back
    with bureau.read() as s:
        other = s.scalar(select(Rectification.id).join(Visit).where(
            Visit.gid == gid, Rectification.action == "清理消防通道"))
    L.set_rectification_status(bureau, ACTOR, other, "done", D(2025, 5, 30))
    back, got = _send(bureau, ACTOR, pair["code"], tmp_path / "4", town, CLERK)
    assert back.counts["liaison_visit"] == 1 and got.updated == {"liaison_visit": 1}
    assert rects(town) == rects(bureau) and all(r[2] == "done" for r in rects(town))
    # a later visit is created record by record at the bureau, its rectification with it
    later = L.log_visit(town, ACTOR, L.VisitData(
        leader, inst, D(2025, 6, 10), problems="台账未更新",
        rectifications=[L.RectificationData("更新台账", D(2025, 6, 30))]),
        today=D(2025, 6, 12)).created_id
    sent, got = _send(town, CLERK, BUREAU, tmp_path / "5", bureau, ACTOR)
    assert not got.set_based and got.created == {"liaison_visit": 1}
    gid = _gid(town, Visit, later)
    assert rects(bureau) == rects(town) == [("更新台账", D(2025, 6, 30), "open", None)]


TABLES = ("households", "persons", "assistance_cases", "case_members", "case_events",
          "aid_cases", "liaison_visits", "liaison_rectifications", "sync_base", "sync_conflicts", "exchange_packages",
          "exchange_sites", "audit_log")


def _fingerprint(db) -> str:
    h = hashlib.sha256()
    with db.read() as s:
        for table in TABLES:
            for row in s.execute(text(f"SELECT * FROM {table} ORDER BY 1")):
                h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def test_the_same_package_of_cases_aid_and_visits_twice_changes_nothing(pair, tmp_path):
    town, bureau = pair["town"], pair["bureau"]
    _opened_case(pair)
    _aid(pair)
    leader, inst = _liaison(town, ACTOR)
    _liaison(bureau, ACTOR)
    L.log_visit(town, ACTOR, L.VisitData(leader, inst, D(2025, 5, 6), problems="档案不全",
                                         rectifications=[L.RectificationData(
                                             "补齐档案", D(2025, 6, 30))]),
                today=D(2025, 6, 1))
    exported, first = _send(town, CLERK, BUREAU, tmp_path, bureau, ACTOR)
    assert {k: first.created[k] for k in X.CASE_KINDS} == {
        "case": 1, "case_event": 2, "aid_case": 1, "liaison_visit": 1}
    before = _fingerprint(bureau)
    again = X.import_package(bureau, ACTOR, exported.path)
    assert again.already_imported and _fingerprint(bureau) == before


def test_a_package_naming_an_institution_missing_here_is_refused_whole(pair, tmp_path):
    town, bureau = pair["town"], pair["bureau"]
    _opened_case(pair)
    leader, inst = _liaison(town, ACTOR)
    _liaison(bureau, ACTOR, with_institution=False)     # the leader only
    L.log_visit(town, ACTOR, L.VisitData(leader, inst, D(2025, 5, 6)), today=D(2025, 6, 1))
    exported = X.export_package(town, CLERK, BUREAU, tmp_path)
    before = _fingerprint(bureau)
    with pytest.raises(PackageError) as e:
        X.import_package(bureau, ACTOR, exported.path)
    assert e.value.reason == "unknown_reference"
    assert "商丘市救助管理站" in str(e.value) and "institution" in str(e.value)
    assert _fingerprint(bureau) == before      # not even the package's households
    with bureau.read() as s:
        assert s.scalar(select(Household.id)) is None


def test_cases_and_aid_in_a_first_package_set_based_equal_record_by_record(
        db, tmp_path, _areas_template):
    """A first package is written set-based for the registry; its cases, steps and aid are
    merged record by record there too, without an audit row of their own: the same records
    as the record-by-record path."""
    from .test_exchange_first import _bureau, _indexes, _township

    (code, _), (_, other_village) = _townships(db)
    town, shared = _township(_areas_template, tmp_path / "t.sqlite3", code, households=12)
    with town.read() as s:
        hids = list(s.scalars(select(Household.id).where(Household.status == "active")
                              .order_by(Household.id).limit(2)))
        township_id = s.scalar(text("SELECT id FROM areas WHERE code = :c"), {"c": code})
    case_id = C.open_case(town, "worker", C.CaseInput("dibao", hids[0], D(2025, 3, 3),
                                                     "因病")).created_id
    C.record_economic_check(town, "worker", case_id, D(2025, 3, 5), "低于标准")
    A.record_aid(town, "worker", A.AidInput("urgent", "fire", D(2025, 4, 2), 900_00,
                                            household_id=hids[1], payment_method="cash"))
    A.record_aid(town, "worker", A.AidInput(       # a person outside the registry
        "urgent", "fire", D(2025, 4, 3), 500_00, name="无名氏", found_at="火车站",
        township_id=township_id, residence_class="urban", payment_method="cash"))
    slow = _copy(_areas_template, tmp_path / "slow.sqlite3")
    keys = [_bureau(b, code, other_village, shared) for b in (db, slow)]
    X.join_bureau(town, "worker", BUREAU, "局", keys[0])
    package = X.export_package(town, "worker", BUREAU, tmp_path / "usb")
    assert (package.counts["case"], package.counts["case_event"],
            package.counts["aid_case"]) == (1, 2, 2)
    with slow.begin() as s:
        s.execute(text("UPDATE exchange_sites SET key_b64 = :k WHERE code = :c"),
                  {"k": keys[0], "c": code})
    with db.read() as s:
        audit_before = s.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    indexes = _indexes(db)
    fast = X.import_package(db, ACTOR, package.path)
    by_record = X.import_package(slow, ACTOR, package.path, set_based=False)
    assert fast.set_based and fast.created == by_record.created
    # the case tables' indexes dropped for the write (SQLite) are all back, as they were
    assert _indexes(db) == indexes and any("case_members" in n for n, _ in indexes)

    def rows(d):
        """The case kinds' common bases, and the covered members with every column (ids
        as global ids, dates as text: the two bureaus may be of different engines),
        written set-based as record by record."""
        with d.read() as s:
            return (sorted(tuple(r) for r in s.execute(text(
                "SELECT entity, gid, rev, fields FROM sync_base WHERE entity IN "
                "('case', 'case_event', 'aid_case', 'liaison_visit')"))),
                    sorted(tuple(v.isoformat() if hasattr(v, "isoformat") else v for v in r)
                           for r in s.execute(text(
                               "SELECT c.gid, p.gid, m.program, m.covered_from, "
                               "m.covered_until, m.end_reason FROM case_members AS m "
                               "JOIN assistance_cases AS c ON c.id = m.case_id "
                               "JOIN persons AS p ON p.id = m.person_id"))))
    bases, members = rows(db)
    assert (bases, members) == rows(slow)
    assert len(bases) == 5 and members

    def state(d):
        with d.read() as s:
            return {name: sorted((r[2], X._fields_json(r[4])) for r in
                                 X._case_rows(s, name, text("1 = 1")))
                    for name in X.CASE_KINDS}
    got, want = state(db), state(slow)
    assert got == want and len(got["aid_case"]) == 2 and len(got["case_event"]) == 2
    assert got["case"] == [(g, f) for g, f in state(town)["case"]]
    with db.read() as s:
        rows = list(s.scalars(select(AuditEntry).where(AuditEntry.id > audit_before)))
        ids = list(s.scalars(select(AssistanceCase.id)))
    # one import event; "worker" is not registered at this bureau: the aid cases and steps
    # it recorded are recorded as the importing user, noted once per field
    assert [(r.action, r.entity) for r in rows] == [
        ("map_user", "aid_case"), ("map_user", "case_event"), ("import", "exchange_package")]
    assert "2 record(s)" in rows[0].new_value and "worker" in rows[0].new_value
    assert X.sync_state(db, "case", ids) == {ids[0]: "synced"}
    slow.dispose()
