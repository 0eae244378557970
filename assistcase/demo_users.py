"""The demo database's users: one per role, with passwords the sign-in screen shows (only on
a database that carries them, issue 13). Never used for a real office's database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from .db import Database
from .models import Area
from .services import auth


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    level: str        # the area the role is held for: 'township', 'county', 'city' or '' (all)
    password: str


DEMO_USERS = (
    DemoUser("admin", "管理员", "administrator", "", "admin-demo-1"),
    DemoUser("jingban", "王经办", "caseworker", "township", "jingban-demo-1"),
    DemoUser("shenhe", "李审核", "township_reviewer", "township", "shenhe-demo-1"),
    DemoUser("xianji", "赵县级经办", "county_clerk", "county", "xianji-demo-1"),
    DemoUser("shenpi", "钱县级审批", "county_approver", "county", "shenpi-demo-1"),
    # a second county approver: the one who reviews (审核) a roster may not approve it, so a
    # county needs two (DOMAIN §12, separation of duties)
    DemoUser("fuhe", "吴县级审核", "county_approver", "county", "fuhe-demo-1"),
    DemoUser("biaozhun", "孙标准", "standards_officer", "city", "biaozhun-demo-1"),
    DemoUser("ducha", "周督查", "supervisor", "city", "ducha-demo-1"),
)


def demo_areas(db: Database) -> dict[str, int | None]:
    """The areas the demo roles are held for: the city, the first township that has
    households (else the first by code) and its county."""
    from .models import Household

    with db.read() as s:
        city = s.scalar(select(Area.id).where(Area.level == "city").order_by(Area.code))
        village = s.scalar(select(Household.village_id).order_by(Household.id).limit(1))
        if village is not None:
            township = s.scalar(select(Area.parent_id).where(Area.id == village))
        else:
            township = s.scalar(select(Area.id).where(Area.level == "township")
                                .order_by(Area.code))
        county = s.scalar(select(Area.parent_id).where(Area.id == township)) if township else None
    return {"": None, "city": city, "county": county, "township": township}


def create_demo_admin(db: Database) -> auth.Identity:
    """The demo's administrator, the first user of the new database."""
    admin = DEMO_USERS[0]
    ident = auth.create_first_administrator(db, admin.username, admin.password,
                                            admin.display_name)
    from sqlalchemy import update

    from .models import User

    with db.begin() as s:
        s.execute(update(User).where(User.id == ident.user_id).values(demo=True))
    return ident


def create_demo_role_users(db: Database, admin: auth.Identity) -> None:
    """The demo users of the other roles, for the demo city's areas (after it is generated,
    so the township is one with households)."""
    areas = demo_areas(db)
    for u in DEMO_USERS[1:]:
        auth.create_user(db, admin, u.username, u.display_name, u.password,
                         [(u.role, areas[u.level])], demo=True)


ALL_ROLES = ("caseworker", "township_reviewer", "county_clerk", "county_approver",
             "standards_officer", "supervisor", "administrator")
GENERATOR = "demo-generator"


def create_demo_users(db: Database) -> auth.Identity:
    """The administrator, the areas, and the user the demo city is generated as (every role
    over the whole database, signed under 演示数据生成 in the audit log, with a random password
    nobody knows: nobody signs in as it). Returns that generator; the other demo users follow
    once the city exists (:func:`create_demo_role_users`)."""
    import secrets

    admin = create_demo_admin(db)
    with db.read() as s:
        has_areas = s.scalar(select(Area.id).limit(1)) is not None
    if not has_areas:
        from .services.areas import load_areas_csv

        load_areas_csv(db, admin)
    uid = auth.create_user(db, admin, GENERATOR, "演示数据生成", secrets.token_urlsafe(24),
                           [(r, None) for r in ALL_ROLES])
    with db.read() as s:
        return auth.identity(s, uid)
