"""A household's papers (issue 18): stored by content hash beside the database, listed with
who and when, checked for size and type, never deleted; demo databases marked and printed so."""

from __future__ import annotations

import hashlib

import pytest

from assistcase.errors import ValidationError
from assistcase.services import papers as P
from assistcase.services import registry as reg
from assistcase.services.history import household_history

from ..conftest import ACTOR, make_id


@pytest.fixture
def hid(db, village_ids):
    return reg.create_household(db, ACTOR, reg.HouseholdData(village_ids[0], "rural"),
                                [reg.PersonData("张三", make_id(seq=1))]).created_id


def test_paper_is_stored_once_by_hash_listed_and_removed_only_with_an_audit(db, hid, tmp_path):
    scan = tmp_path / "申请书.pdf"
    scan.write_bytes(b"%PDF-1.4 application form")
    copy = tmp_path / "again.pdf"
    copy.write_bytes(scan.read_bytes())
    first = P.attach_paper(db, ACTOR, scan, kind="低保（特困）申请书", household_id=hid).created_id
    P.attach_paper(db, "李四", copy, household_id=hid)
    papers = P.list_papers(db, household_id=hid)
    digest = hashlib.sha256(scan.read_bytes()).hexdigest()
    assert [(p.file_name, p.sha256, p.added_by) for p in papers] == [
        ("申请书.pdf", digest, ACTOR), ("again.pdf", digest, "李四")]
    stored = list(P.papers_dir(db).rglob(digest))
    assert len(stored) == 1 and P.paper_file(db, first) == stored[0]
    with pytest.raises(ValidationError, match="reason"):
        P.remove_paper(db, ACTOR, first, " ")
    P.remove_paper(db, ACTOR, first, "重复")
    assert [p.file_name for p in P.list_papers(db, household_id=hid)] == ["again.pdf"]
    assert stored[0].exists()  # never deleted
    notes = [e.note for e in household_history(db, hid) if e.action == "detach"]
    assert notes == ["申请书.pdf: 重复"]


def test_size_and_type_are_refused_naming_the_limit(db, hid, tmp_path):
    big = tmp_path / "big.pdf"
    with big.open("wb") as f:
        f.write(b"%PDF")
        f.truncate(200 * 1024 * 1024)
    with pytest.raises(ValidationError) as e:
        P.attach_paper(db, ACTOR, big, household_id=hid)
    assert "20 MB" in e.value.message_zh and "200.0 MB" in e.value.message_en
    exe = tmp_path / "setup.exe"
    exe.write_bytes(b"MZ")
    with pytest.raises(ValidationError, match="not kept"):
        P.attach_paper(db, ACTOR, exe, household_id=hid)
    fake = tmp_path / "photo.jpg"
    fake.write_bytes(b"not a jpeg")
    with pytest.raises(ValidationError) as e:
        P.attach_paper(db, ACTOR, fake, household_id=hid)
    assert "JPG" in e.value.message_zh
    assert P.list_papers(db, household_id=hid) == []


def test_demo_database_is_marked_and_its_roster_prints_say_demo(db):
    from assistcase.demo import generate_demo
    from assistcase.services.meta import is_demo

    assert not is_demo(db)
    generate_demo(db, ACTOR, households=20, seed=3)
    assert is_demo(db)
