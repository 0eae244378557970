"""rosters.purpose: what a one-time subsidy is for, and a one-time subsidy paid once

(DOMAIN §5, §10; issue 11.) A plain ADD COLUMN: the rosters table is never rebuilt, which
would drop its freeze triggers (0005). Existing one-time rosters get a purpose read from
their title ("商丘市2022年一次性生活补贴发放花名册" → "2022年一次性生活补贴"); the freeze
trigger on approved rosters is lifted for that one UPDATE and put back as it was.

Two triggers make the database refuse a one-time roster whose purpose is empty, or that
would pay the same purpose again to persons an existing one-time roster covers: same purpose
(compared without spaces), areas the same or one inside the other (code prefixes of their
levels), categories (dibao / tekun) in common, residence classes in common (NULL = both).
The core refuses first, naming the roster (services/rosters.py); these are the backstop for
any other writer and for two builds racing.

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-29 20:40:00
"""
from alembic import op
import sqlalchemy as sa

from assistcase.sqldialect import drop_trigger, is_pg, pg_raise, pg_trigger


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


FROZEN_TRIGGER = "trg_rosters_frozen_update"


def _norm(col: str) -> str:
    """The purpose without spaces (ASCII, ideographic), tabs or line breaks."""
    out = col
    for ch in ("' '", "'　'", "char(9)", "char(10)", "char(13)"):
        out = f"replace({out}, {ch}, '')"
    return out


def _digits(level: str) -> str:
    return (f"(CASE {level} WHEN 'province' THEN 2 WHEN 'city' THEN 4 WHEN 'county' THEN 6"
            " WHEN 'township' THEN 9 ELSE 12 END)")


_BODY = f"""
    BEGIN
        SELECT RAISE(ABORT, 'a one-time roster needs its purpose')
        WHERE {_norm('NEW.purpose')} = '';
        SELECT RAISE(ABORT, 'a one-time roster for this purpose already covers these persons')
        WHERE EXISTS (
            SELECT 1 FROM rosters AS r
            JOIN areas AS a ON a.id = r.area_id
            JOIN areas AS n ON n.id = NEW.area_id
            WHERE r.kind = 'one_time' AND r.id IS NOT NEW.id
              AND {_norm('r.purpose')} = {_norm('NEW.purpose')}
              AND (r.residence_class IS NULL OR NEW.residence_class IS NULL
                   OR r.residence_class = NEW.residence_class)
              AND ((instr(',' || r.categories || ',', ',dibao,') > 0
                    AND instr(',' || NEW.categories || ',', ',dibao,') > 0)
                OR (instr(',' || r.categories || ',', ',tekun,') > 0
                    AND instr(',' || NEW.categories || ',', ',tekun,') > 0))
              AND substr(a.code, 1, min({_digits('a.level')}, {_digits('n.level')}))
                  = substr(n.code, 1, min({_digits('a.level')}, {_digits('n.level')})));
    END"""

TRIGGERS = {
    "trg_rosters_one_time_once_insert": f"""
        CREATE TRIGGER trg_rosters_one_time_once_insert BEFORE INSERT ON rosters
        WHEN NEW.kind = 'one_time'{_BODY}""",
    "trg_rosters_one_time_once_update": f"""
        CREATE TRIGGER trg_rosters_one_time_once_update
        BEFORE UPDATE OF kind, purpose, area_id, categories, residence_class ON rosters
        WHEN NEW.kind = 'one_time'{_BODY}""",
}


def _pg_norm(col: str) -> str:
    out = col
    for ch in ("' '", "'　'", "chr(9)", "chr(10)", "chr(13)"):
        out = f"replace({out}, {ch}, '')"
    return out


# PostgreSQL: the same two refusals in PL/pgSQL.
_PG_BODY = f"""
        IF {_pg_norm('NEW.purpose')} = '' THEN
            {pg_raise('a one-time roster needs its purpose')}
        END IF;
        IF EXISTS (
            SELECT 1 FROM rosters AS r
            JOIN areas AS a ON a.id = r.area_id
            JOIN areas AS n ON n.id = NEW.area_id
            WHERE r.kind = 'one_time' AND r.id IS DISTINCT FROM NEW.id
              AND {_pg_norm('r.purpose')} = {_pg_norm('NEW.purpose')}
              AND (r.residence_class IS NULL OR NEW.residence_class IS NULL
                   OR r.residence_class = NEW.residence_class)
              AND ((strpos(',' || r.categories || ',', ',dibao,') > 0
                    AND strpos(',' || NEW.categories || ',', ',dibao,') > 0)
                OR (strpos(',' || r.categories || ',', ',tekun,') > 0
                    AND strpos(',' || NEW.categories || ',', ',tekun,') > 0))
              AND substr(a.code, 1, least({_digits('a.level')}, {_digits('n.level')}))
                  = substr(n.code, 1, least({_digits('a.level')}, {_digits('n.level')})))
        THEN
            {pg_raise('a one-time roster for this purpose already covers these persons')}
        END IF;"""

PG_TRIGGERS = {
    "trg_rosters_one_time_once_insert": pg_trigger(
        "trg_rosters_one_time_once_insert", "rosters", "BEFORE INSERT", _PG_BODY,
        condition="NEW.kind = 'one_time'"),
    "trg_rosters_one_time_once_update": pg_trigger(
        "trg_rosters_one_time_once_update", "rosters",
        "BEFORE UPDATE OF kind, purpose, area_id, categories, residence_class", _PG_BODY,
        condition="NEW.kind = 'one_time'"),
}


def purpose_from_title(title: str, area_name: str) -> str:
    """The purpose an existing one-time roster's title names: the title without the area's
    name in front and 发放花名册 / 花名册 behind."""
    text = title.strip()
    if area_name and text.startswith(area_name):
        text = text[len(area_name):]
    for tail in ("发放花名册", "花名册"):
        if text.endswith(tail):
            text = text[:-len(tail)]
            break
    return text.strip()[:100] or "一次性生活补贴"


def upgrade() -> None:
    op.execute("ALTER TABLE rosters ADD COLUMN purpose VARCHAR(100) DEFAULT '' NOT NULL")
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT r.id, r.title, a.name FROM rosters AS r JOIN areas AS a ON a.id = r.area_id"
        " WHERE r.kind = 'one_time'")).all()
    pg = is_pg(conn)
    if rows and pg:  # the freeze trigger is lifted for this one UPDATE
        op.execute(f"ALTER TABLE rosters DISABLE TRIGGER {FROZEN_TRIGGER}")
        conn.execute(sa.text("UPDATE rosters SET purpose = :p WHERE id = :id"),
                     [{"p": purpose_from_title(title, name), "id": rid}
                      for rid, title, name in rows])
        op.execute(f"ALTER TABLE rosters ENABLE TRIGGER {FROZEN_TRIGGER}")
    elif rows:
        frozen = conn.execute(sa.text(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"),
            {"n": FROZEN_TRIGGER}).scalar()
        if frozen:
            op.execute(f"DROP TRIGGER {FROZEN_TRIGGER}")
        conn.execute(sa.text("UPDATE rosters SET purpose = :p WHERE id = :id"),
                     [{"p": purpose_from_title(title, name), "id": rid}
                      for rid, title, name in rows])
        if frozen:
            op.execute(frozen)
    for sql in TRIGGERS.values() if not pg else [s for v in PG_TRIGGERS.values() for s in v]:
        op.execute(sql)


def downgrade() -> None:
    for name in TRIGGERS:
        for sql in drop_trigger(op.get_bind(), name, "rosters"):
            op.execute(sql)
    # A plain DROP COLUMN (SQLite ≥ 3.35): batch mode would rebuild the table and lose the
    # freeze triggers.
    op.execute("ALTER TABLE rosters DROP COLUMN purpose")
