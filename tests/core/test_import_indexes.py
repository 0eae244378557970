"""An import that brings at least as many persons as are registered drops the registry's
secondary indexes on SQLite and builds them once its rows are in (issue 20): the indexes come
back as they were, a cancel while they are being built rolls everything back, and the audit
rows' JSON is the text json.dumps gives."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import inspect

from assistcase.errors import Cancelled
from assistcase.io import import_registry
from assistcase.progress import CancelToken
from assistcase.security.auditchain import json_encoder

from assistcase.services import registry as reg

from ..conftest import ACTOR, make_id
from .test_import import dump, good_rows, write_xlsx

TABLES = ("households", "persons", "person_search_keys", "household_memberships", "incomes",
          "property_items", "audit_log")


@pytest.fixture
def registered(db, village_ids):
    """One person registered: the file's three new persons are more."""
    reg.create_household(db, ACTOR, reg.HouseholdData(village_ids[0], "urban", "dibao"),
                         [reg.PersonData("张三", make_id(seq=1))])


def _indexes(db) -> dict[str, list]:
    with db.read() as s:
        insp = inspect(s.connection())
        return {t: sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                          for i in insp.get_indexes(t)) for t in TABLES}


def test_indexes_are_back_after_an_import_larger_than_the_registry(db, registered, tmp_path):
    before = _indexes(db)
    assert before["persons"] and before["person_search_keys"]
    messages = []
    report = import_registry(db, ACTOR, write_xlsx(tmp_path / "good.xlsx", good_rows()),
                             progress=lambda _f, m: messages.append(m))
    assert report.written and report.persons_created == 3  # one person registered before
    assert _indexes(db) == before
    # SQLite took the drop-and-build path; PostgreSQL keeps its indexes throughout
    assert any(m.startswith("indexes") for m in messages) == (not db.is_postgresql)


@pytest.mark.sqlite_only   # PostgreSQL keeps its indexes during an import: no build to cancel
def test_cancel_while_the_indexes_are_built_rolls_everything_back(db, registered, tmp_path):
    token = CancelToken()

    def progress(_fraction, message):
        if message.startswith("indexes"):
            token.cancel()

    before = dump(db)  # iterdump: every row and every CREATE INDEX
    with pytest.raises(Cancelled):
        import_registry(db, ACTOR, write_xlsx(tmp_path / "good.xlsx", good_rows()),
                        progress=progress, cancel=token)
    assert dump(db) == before


@pytest.mark.parametrize("value", [
    [1, "2026-11-30 12:00:00.000001", 7, "create", "person", 3, None, None, None,
     '{"name": "张三", "note": "a \\"quoted\\" \\\\ word\\n"}', "import: 花名册.xlsx"],
    {"name": "王\u2028五·买买提", "tab": "\t", "ctrl": "\x01", "n": 3, "f": 1.5, "b": True,
     "none": None, "nested": [1, {"k": "v"}]},
    ("tuple", 0, -1, 10 ** 20),
])
def test_the_audit_json_encoder_writes_what_json_dumps_writes(value):
    assert json_encoder((",", ":"))(value) == json.dumps(value, ensure_ascii=False,
                                                         separators=(",", ":"))
    assert json_encoder((", ", ": "))(value) == json.dumps(value, ensure_ascii=False)
    with pytest.raises(TypeError):
        json_encoder((",", ":"))([object()])
