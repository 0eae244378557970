"""Shared fixtures: a real database per test, upgraded through Alembic, with the demo areas:
a SQLite file, and for the core tests also a database on a throwaway PostgreSQL cluster (the
``db`` fixture is parametrized over both engines; see pytest_generate_tests)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

# Qt must find no display here; set before any Qt import (pytest-qt imports Qt lazily).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from assistcase.db import Database, open_database
from assistcase.idnumber import check_digit
from assistcase.services.areas import load_areas_csv

ACTOR = "tester"


def make_id(area: str = "411402", birth: dt.date = dt.date(1980, 1, 1), seq: int = 1) -> str:
    """A valid resident ID number; ``seq`` odd → male, even → female."""
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


ENGINES = ("sqlite", "postgresql")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "sqlite_only: the test reads the SQLite file itself (sqlite3, its path); "
        "it runs on SQLite only")


def pytest_generate_tests(metafunc):
    """Every test using the ``db`` fixture (or ``db_path``) runs on both engines, its id
    naming the engine (``test_x[sqlite]``, ``test_x[postgresql]``); the UI tests and tests
    marked ``sqlite_only`` run on SQLite only."""
    if "db_engine" not in metafunc.fixturenames:
        return
    sqlite_only = (metafunc.module.__name__.rsplit(".", 1)[-1].startswith("test_ui")
                   or metafunc.definition.get_closest_marker("sqlite_only") is not None)
    metafunc.parametrize("db_engine", ENGINES[:1] if sqlite_only else ENGINES, indirect=True)


@pytest.fixture
def db_engine(request) -> str:
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def pg_cluster():
    """This session's (this xdist worker's) PostgreSQL cluster; a failure to start it fails
    every PostgreSQL test with the server's output (never a skip)."""
    from tests.pg_cluster import Cluster

    cluster = Cluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


_PG_SEQ = [0]


@pytest.fixture
def db_path(db_engine, tmp_path, request):
    """Where the test's database is: a SQLite file, or on PostgreSQL the URL of the test's own
    database (``str(db_path)`` works as ``--db`` on both)."""
    if db_engine == "sqlite":
        yield tmp_path / "assistcase.sqlite3"
        return
    cluster = request.getfixturevalue("pg_cluster")
    template = request.getfixturevalue("_pg_areas_template")
    _PG_SEQ[0] += 1
    name = f"t{_PG_SEQ[0]}"
    url = cluster.create(name, template)
    _PG_DATABASES[url] = (cluster, name)
    yield url
    cluster.drop(name)
    _PG_DATABASES.pop(url, None)


_PG_DATABASES: dict[str, tuple] = {}


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


@pytest.fixture(scope="session")
def _pg_areas_template(pg_cluster) -> str:
    """The PostgreSQL counterpart: a template database (CREATE DATABASE … TEMPLATE copies
    it for each test)."""
    database = open_database(pg_cluster.create("tpl_areas"))
    load_areas_csv(database, ACTOR)
    database.dispose()
    return "tpl_areas"


_DEMO_TEMPLATES: dict[tuple, Path | str] = {}


def demo_city(db: Database, households: int, seed: int, today: dt.date) -> Database:
    """Fill the test's empty ``db`` with the demo city ``generate_demo_city`` makes for these
    arguments. The city is generated once per session and copied for every test that asks for
    the same one (the generator is deterministic for a seed and a date)."""
    from assistcase.demo import generate_demo_city

    if db.is_postgresql:
        cluster, name = _PG_DATABASES[db.url]
        key = ("postgresql", households, seed, today)
        template = _DEMO_TEMPLATES.get(key)
        if template is None:
            template = f"tpl_demo_{households}_{seed}_{today:%Y%m%d}"
            made = open_database(cluster.create(template, "tpl_areas"))
            try:
                generate_demo_city(made, ACTOR, households=households, seed=seed, today=today)
            except BaseException:
                made.dispose()
                cluster.drop(template)
                raise
            made.dispose()
            _DEMO_TEMPLATES[key] = template
        db.dispose()
        cluster.drop(name)
        cluster.create(name, template)
        return db
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
def db(db_engine, db_path, _areas_template) -> Database:
    _DEMO_TEMPLATES["areas"] = _areas_template
    if db_engine == "sqlite":
        shutil.copyfile(_areas_template, db_path)
    database = open_database(db_path)
    yield database
    database.dispose()


@pytest.fixture
def village_ids(db) -> list[int]:
    from assistcase.queries import villages

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
