"""Migration 0011 on a database with data (issue 21): Henan's province-administered counties
flagged, a version per rule seeded, duplicate visits merged (texts appended, rectifications
moved) before the index becomes unique; and down again."""

from __future__ import annotations

from sqlalchemy import text

from assistcase.db import Database


def test_0011_fills_flags_and_versions_and_merges_duplicate_visits(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    db.upgrade("0006")
    with db.engine.begin() as c:
        c.execute(text("INSERT INTO areas (id, code, name, level, parent_id) VALUES "
                       "(1, '410000000000', '河南省', 'province', NULL), "
                       "(2, '411400000000', '商丘市', 'city', 1), "
                       "(3, '411402000000', '梁园区', 'county', 2), "
                       "(4, '411481000000', '永城市', 'county', 2)"))
        c.execute(text("INSERT INTO liaison_institutions (id, name, kind, level, area_id, active, "
                       "created_at) VALUES (1, '永城市救助管理站', 'station', 'county', 4, 1, "
                       "'2025-01-01')"))
        c.execute(text("INSERT INTO liaison_leaders (id, name, title, org_level, area_id, "
                       "rule_code, active) VALUES (1, '王', '', 'county', 4, "
                       "'county_principal', 1)"))
        c.execute(text("UPDATE liaison_rules SET period = 'month' WHERE code = 'city_principal'"))
        for vid, day, findings, problems in ((1, '2025-02-03', '正常', ''),
                                             (2, '2025-02-03', '复查', '消防通道堵塞'),
                                             (3, '2025-02-03', '', ''),
                                             (4, '2025-03-03', '正常', '')):
            c.execute(text("INSERT INTO liaison_visits (id, leader_id, institution_id, "
                           "visited_on, mode, topics, findings, problems, created_at) VALUES "
                           "(:i, 1, 1, :d, 'on_site', '', :f, :p, '2025-01-01')"),
                      {"i": vid, "d": day, "f": findings, "p": problems})
        c.execute(text("INSERT INTO liaison_rectifications (id, visit_id, action, due_on, "
                       "status) VALUES (1, 2, '清理通道', '2025-03-01', 'open')"))
    db.upgrade()
    with db.engine.connect() as c:
        flags = dict(c.execute(text("SELECT name, province_administered FROM areas")).all())
        versions = c.execute(text("SELECT rule_code, effective_from, period, min_contacts "
                                  "FROM liaison_rule_versions ORDER BY rule_code")).all()
        visits = c.execute(text("SELECT id, findings, problems FROM liaison_visits "
                                "ORDER BY id")).all()
        moved = c.execute(text("SELECT visit_id FROM liaison_rectifications")).scalar()
    assert flags == {"河南省": 0, "商丘市": 0, "梁园区": 0, "永城市": 1}
    assert len(versions) == 8
    assert ("city_principal", "2000-01-01", "month", 1) in [tuple(v) for v in versions]
    assert [tuple(v) for v in visits] == [(1, "正常；复查", "消防通道堵塞"), (4, "正常", "")]
    assert moved == 1
    db.downgrade("0006")
    with db.engine.connect() as c:
        cols = [r[1] for r in c.execute(text("PRAGMA table_info(areas)"))]
    assert "province_administered" not in cols
    db.engine.dispose()
