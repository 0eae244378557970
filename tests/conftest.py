"""Shared fixtures: a real SQLite file per test, upgraded through Alembic, with the demo areas."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

# Qt must find no display here; set before any Qt import (pytest-qt imports Qt lazily).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from assistcase.db import Database, open_database
from assistcase.rules.idnumber import check_digit
from assistcase.services.areas import load_areas_csv

ACTOR = "tester"


def make_id(area: str = "411402", birth: dt.date = dt.date(1980, 1, 1), seq: int = 1) -> str:
    """A valid resident ID number; ``seq`` odd → male, even → female."""
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "assistcase.sqlite3"


@pytest.fixture(scope="session")
def _areas_template(tmp_path_factory) -> Path:
    """One database upgraded through every migration with the demo areas loaded, made once per
    test session; each test's ``db`` starts from a copy of it (upgrading and loading the areas
    for every test cost more than most tests themselves)."""
    path = tmp_path_factory.mktemp("template") / "areas.sqlite3"
    database = open_database(path)
    load_areas_csv(database, ACTOR)
    database.dispose()  # checkpoints the WAL: the file alone is the whole database
    return path


_DEMO_TEMPLATES: dict[tuple, Path] = {}


def demo_city(db: Database, households: int, seed: int, today: dt.date) -> Database:
    """Fill the test's empty ``db`` with the demo city ``generate_demo_city`` makes for these
    arguments. The city is generated once per session and copied for every test that asks for
    the same one (the generator is deterministic for a seed and a date)."""
    from assistcase.demo import generate_demo_city

    key = (households, seed, today)
    template = _DEMO_TEMPLATES.get(key)
    if template is None:
        template = _DEMO_TEMPLATES["areas"].with_name(f"demo-{households}-{seed}-{today}.sqlite3")
        shutil.copyfile(_DEMO_TEMPLATES["areas"], template)
        made = open_database(template)
        generate_demo_city(made, ACTOR, households=households, seed=seed, today=today)
        made.dispose()
        _DEMO_TEMPLATES[key] = template
    db.dispose()
    for suffix in ("-wal", "-shm"):
        db.path.with_name(db.path.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(template, db.path)
    return db


@pytest.fixture
def db(db_path, _areas_template) -> Database:
    _DEMO_TEMPLATES["areas"] = _areas_template
    shutil.copyfile(_areas_template, db_path)
    database = open_database(db_path)
    yield database
    database.dispose()


@pytest.fixture
def village_ids(db) -> list[int]:
    from assistcase.services.queries import villages

    with db.read() as s:
        return [v[0] for v in villages(s)]


@pytest.fixture
def zh(qapp):
    """The app's Chinese translation installed; afterwards the translators are removed and
    the default locale restored (install_translations makes zh_CN the default locale, which
    would otherwise leak into later tests)."""
    from PySide6.QtCore import QLocale

    from ui import app as app_module

    before = QLocale()
    app_module.install_translations(qapp, "zh_CN")
    yield
    QLocale.setDefault(before)
    for tr in list(app_module._keep):
        qapp.removeTranslator(tr)
    app_module._keep.clear()
