"""Read side of the registry: search, list rows for lazy views, household detail.

Search is index-backed at city scale (300,000 households / 700,000 persons):
- Chinese text: prefix range over ``person_search_keys`` (name suffixes; each key carries its
  person's household) plus village names;
- Latin letters: the same range over pinyin and initials keys;
- digits/X: whole ID number (unique index), ID tail of ≥ 4 characters (prefix range over the
  reversed number), and household number prefix.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, bindparam, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from ..rules.idnumber import age_on
from ..models import (Area, AuditEntry, Household, Income, Person, PersonSearchKey,
                     PropertyItem, User)
from ..rules.areas import code_prefix
from ..rules.searchkeys import prefix_upper_bound
from ..sqldialect import IndexedBy
from .registry_writer import id_number_rev
from .sync_state import household_sync_states
from .auth import (full_personal_data, household_area_code, mask_account, mask_id,
                   reader, village_ids_in)

# The household attributes a list sorts by (the last one breaks ties).
SORT_KEYS = {
    "number": ("number",),
    "head": ("head_pinyin", "number"),
    "village": ("village_id", "number"),
    "category": ("category", "number"),
    "members": ("member_count", "number"),
    "status": ("status", "number"),
}

_CJK = re.compile(r"[\u3400-\u9fff]")
_ID_CHARS = re.compile(r"^[0-9Xx]+$")
# A household number is searched by prefix from its village code (12 digits) on; a shorter
# run of digits would match whole counties and is taken as an ID tail instead.
_HOUSEHOLD_NO = re.compile(r"^[0-9]{12}(-[0-9]{0,4})?$")


@dataclass(frozen=True)
class HouseholdFilter:
    text: str = ""
    village_id: int | None = None
    area_id: int | None = None  # any level: the households under it
    category: str | None = None
    status: str | None = "active"


def _key_range(text: str) -> tuple[str, str] | None:
    """The search-key range (from, below) for a name or pinyin query, else None."""
    q = text.strip()
    if q and (_CJK.search(q) or q.isalpha()):
        key = q.lower() if q.isascii() else q
        return key, prefix_upper_bound(key)
    return None


# An ID number's tail → the households: a range of this index (the number reversed, then the
# household) answers alone. SQLite is told to use it (it might take the persons' rowid; each
# page of an encrypted file read is decrypted, issue 19); PostgreSQL chooses by itself.
# Measured on the city with the OS cache dropped (each page a disk read), median of the 20
# tails bench_registry.py searches: the ids in 0.86-0.98 ms against 1.44-1.73 ms when each
# person found was looked up again by id for its household (ix_persons_id_household).
_NUMBER_TAILS = IndexedBy.of(Person.__table__, "ix_persons_id_number_rev_household")
# The same for the households a search finds: their status, number, village and category
# (what the list tests and sorts by) from a small index instead of a page of the table each.
# (The ORM aliases are made per query, some 10 µs: one made on import would configure every
# mapper then.)
_HOUSEHOLD_LIST = IndexedBy.of(Household.__table__, "ix_households_list")


def _area_ids_under(session: Session, area_id: int) -> list[int]:
    area = session.get(Area, area_id)
    if area is None:
        return []
    if area.level == "village":
        return [area.id]
    prefix = code_prefix(area.code, area.level)
    return list(session.scalars(select(Area.id).where(Area.level == "village",
                                                      Area.code.like(prefix + "%"))))


def household_query(session: Session, flt: HouseholdFilter, sort: str = "number",
                    descending: bool = False, *, walk_index: bool = False) -> Select:
    """The SELECT of matching household ids in display order (its values bound: see
    :func:`_ids_statement`).

    ``walk_index``: let SQLite walk the (status, number) index and test each household, the
    fast way to the first page of a text that matches a large part of the city (see
    :func:`first_household_ids`); the default lets the matching ids drive the query."""
    stmt, params = _ids_statement(session, flt, sort, descending, walk_index=walk_index)
    return stmt.params(params)


# The statements of household_query by their shape (what is filtered, which kind of text,
# the sort, the engine, the reader's area): the values are bound at execution. Building one
# and computing its cache key took about 1 ms of a 3 ms search (the ORM aliases, the text's
# alternatives); there are a few dozen shapes in a session.
_SHAPES: dict[tuple, Select] = {}


def _ids_statement(session: Session, flt: HouseholdFilter, sort: str = "number",
                   descending: bool = False, *, walk_index: bool = False,
                   limit: int | None = None) -> tuple[Select, dict]:
    """household_query's SELECT (with ``limit``: its first rows) and the values to run it
    with."""
    text = flt.text.strip()
    sqlite = session.get_bind().dialect.name == "sqlite"
    scope = reader(session)   # a township user's lists and searches see their area only
    keys = _key_range(text) if text else None
    number = _number_query(text) if text and keys is None else None
    household_no = bool(text) and bool(_HOUSEHOLD_NO.match(text))
    cjk = bool(text) and bool(_CJK.search(text))
    params: dict = {"status": flt.status, "category": flt.category, "village": flt.village_id}
    if flt.village_id is None and flt.area_id is not None:
        params["areas"] = _area_ids_under(session, flt.area_id)
    if keys is not None:
        params["key_low"], params["key_below"] = keys
    if number is not None:
        params["number"] = number[1]
        if number[0] == "tail":
            params["number_below"] = prefix_upper_bound(number[1])
    if household_no:
        params["no_low"], params["no_below"] = text, prefix_upper_bound(text)
    if cjk:
        params["village_name"] = "%" + _like_escaped(text) + "%"
    if limit is not None:
        params["limit"] = limit
    shape = (sqlite, walk_index, sort if sort in SORT_KEYS else "number", descending,
             bool(flt.status), bool(flt.category),   # (an empty one filters nothing)
             None if scope.everywhere else tuple(scope.prefixes),
             flt.village_id is not None, "areas" in params, bool(text), keys is not None,
             number and number[0], household_no, cjk, limit is not None)
    stmt = _SHAPES.get(shape)
    if stmt is None:
        stmt = _SHAPES[shape] = _build_ids_statement(session, shape, scope)
    return stmt, params


def _number_query(text: str) -> tuple[str, str] | None:
    """("whole", number) for a whole ID number, ("tail", reversed tail) for its last four
    characters or more, else None."""
    q = text.strip()
    if _ID_CHARS.match(q):
        q = q.upper()
        if len(q) == 18:
            return "whole", q
        if len(q) >= 4:
            return "tail", id_number_rev(q)
    return None


def _like_escaped(text: str) -> str:
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def _build_ids_statement(session: Session, shape: tuple, scope) -> Select:  # noqa: ANN001
    (sqlite, walk_index, sort, descending, status, category, prefixes, village, areas, text,
     keys, number, household_no, cjk, limit) = shape
    conds = []
    # With a search text the matching ids are few and must drive the query: on SQLite they
    # are one list of ids (the alternatives' union) looked up by id, and `x || ''` keeps
    # SQLite from walking the (status, number) index over the whole city instead. PostgreSQL
    # chooses from its statistics, and an expression there is a blind guess (0.5 % of the
    # households): it then drove from the households and tested each one.
    driven = text and not walk_index and sqlite
    # A name or pinyin text's households (hundreds to thousands) are tested and sorted from
    # the small list index; the few of an ID number or a household number from the table,
    # whose pages the list then reads for their rows anyway.
    h = aliased(Household, _HOUSEHOLD_LIST) if driven and keys else Household
    status_col = h.status.concat("") if driven else h.status
    category_col = h.category.concat("") if driven else h.category
    if status:
        conds.append(status_col == bindparam("status"))
    if category:
        conds.append(category_col == bindparam("category"))
    if prefixes is not None:
        # `+ 0`: the search text's ids (or the number index) still drive the query
        village_col = h.village_id + 0 if sqlite and (text or walk_index) else h.village_id
        conds.append(village_col.in_(village_ids_in(session, scope)))
    if village:
        conds.append(h.village_id == bindparam("village"))
    elif areas:
        conds.append(h.village_id.in_(bindparam("areas", expanding=True)))
    if text:
        alternatives = _text_alternatives(h, walk_index, driven, sqlite, keys, number,
                                          household_no, cjk)
        if not alternatives:
            return select(h.id).where(False)
        conds.append(alternatives[0] if len(alternatives) == 1 else or_(*alternatives))
    stmt = select(h.id)
    if conds:
        stmt = stmt.where(*conds)
    cols = [getattr(h, name) for name in SORT_KEYS[sort]]
    stmt = stmt.order_by(*[c.desc() if descending else c for c in cols])
    return stmt.limit(bindparam("limit")) if limit else stmt


def _text_alternatives(h, walk_index: bool, driven: bool, sqlite: bool,  # noqa: ANN001
                       keys: bool, number: str | None, household_no: bool,
                       cjk: bool) -> list:
    """The conditions on the households ``h`` of which one must hold for the text: its
    persons (name, pinyin, ID number), a household-number prefix, a village's name. ``driven``
    (SQLite): one ``h.id IN (…)`` of the alternatives' union, which SQLite answers from the
    ids; an OR of conditions on different columns would make it scan the households."""
    other = aliased(Household, name="found")  # households a number or a village finds
    id_sets: list[Select] = []
    conds = []
    low, below = bindparam("key_low"), bindparam("key_below")
    if keys and walk_index and sqlite:
        # tested per household as SQLite walks them by number: its persons' keys in the
        # range (both lookups by index), until the page is full
        conds.append(
            select(PersonSearchKey.person_id)
            .join(Person, Person.id == PersonSearchKey.person_id)
            .where(Person.household_id == h.id, PersonSearchKey.key >= low,
                   PersonSearchKey.key < below).exists())
    elif keys:
        # the keys carry their person's household: a range of the primary key gives the
        # households (a one-character surname's 55,687 keys in some 15 ms on PostgreSQL, where
        # a probe of each person took a quarter second)
        households = (select(PersonSearchKey.household_id)
                      .where(PersonSearchKey.key >= low, PersonSearchKey.key < below))
        if walk_index:
            # PostgreSQL: `(… IN (…)) IS TRUE` keeps the test a hashed filter on the walk by
            # number, which stops at the page; a plain IN becomes a hash join, whose output
            # PostgreSQL does not take as ordered: it joined and sorted all of 张's 41,325
            # households (270 ms against 42 ms)
            conds.append(h.id.in_(households).is_(True))
        else:
            id_sets.append(households)
    elif number == "whole":
        id_sets.append(select(Person.household_id)
                       .where(Person.id_number == bindparam("number")))
    elif number == "tail":
        # the persons whose ID number ends with the text (four characters or more)
        p = _NUMBER_TAILS
        id_sets.append(select(p.c.household_id).where(p.c.id_number_rev >= bindparam("number"),
                                                      p.c.id_number_rev < bindparam("number_below")))
    if household_no:
        no_low, no_below = bindparam("no_low"), bindparam("no_below")
        if driven:
            id_sets.append(select(other.id).where(other.number >= no_low, other.number < no_below))
        else:
            conds.append(and_(h.number >= no_low, h.number < no_below))
    if cjk:
        villages = select(Area.id).where(Area.level == "village",
                                         Area.name.like(bindparam("village_name"), escape="/"))
        if driven:
            id_sets.append(select(other.id).where(other.village_id.in_(villages)))
        else:
            conds.append(h.village_id.in_(villages))
    if id_sets:
        conds.append(h.id.in_(id_sets[0] if len(id_sets) == 1 else union_all(*id_sets)))
    return conds


def search_household_ids(session: Session, flt: HouseholdFilter, sort: str = "number",
                         descending: bool = False, limit: int | None = None,
                         broad_at: int | None = None) -> list[int]:
    """Ids of matching households, in display order. Ids only: rows are fetched lazily.

    With ``limit``, the first ``limit`` of them (a pick list): a long list's are read by
    walking the number index and stopping there, as :func:`first_household_ids` does."""
    walk = limit is not None and _paged(session, flt, sort, broad_at)
    return _scalar_ints(session, *_ids_statement(session, flt, sort, descending,
                                                 walk_index=walk, limit=limit))


# The first page of a household list: what a view shows before the rest of a long list is read.
PAGE = 200
# The rows of a household list read at once (household_rows): a screenful or two, so a
# search reads about the rows it shows; a page of 200 cost a table page of the households
# per row on first reading (and, before migration 0028, one of their heads; issue 19: on an
# encrypted file each is decrypted), for rows the user may never scroll to.
ROWS_BLOCK = 50
# A name or pinyin text matching at least this many search keys is "broad" (a one-character
# surname: 王 matches 40,000 households of a 300,000-household city).
BROAD_KEYS = 5000


@functools.cache
def _keys_counted() -> Select:
    """The number of search keys in a range, counted up to a limit: built once, run on the
    connection (as the ORM runs it, a quarter of a millisecond more per search)."""
    k = PersonSearchKey.__table__.c
    counted = (select(k.person_id).where(k.key >= bindparam("low"), k.key < bindparam("below"))
               .limit(bindparam("most")).subquery())
    return select(func.count()).select_from(counted)


def _is_broad(session: Session, text: str, broad_at: int) -> bool:
    keys = _key_range(text)
    if keys is None:
        return False
    counted = session.connection().execute(
        _keys_counted(), {"low": keys[0], "below": keys[1], "most": broad_at}).scalar_one()
    return counted >= broad_at


def _paged(session: Session, flt: HouseholdFilter, sort: str, broad_at: int | None) -> bool:
    """Whether the list ``flt`` finds is read from its start by walking the number index: a
    list by number of the whole registry or of a broad text."""
    text = flt.text.strip()
    return (sort == "number" and flt.village_id is None and flt.area_id is None
            and (not text or _is_broad(session, text,
                                       BROAD_KEYS if broad_at is None else broad_at)))


def first_household_ids(session: Session, flt: HouseholdFilter, sort: str = "number",
                        descending: bool = False, limit: int = PAGE,
                        broad_at: int = BROAD_KEYS) -> tuple[list[int], bool]:
    """The start of :func:`search_household_ids`: ``(ids, complete)``.

    A long list sorted by household number (the whole city, a one-character surname) comes
    back as its first ``limit`` ids only, read by walking the number index and stopping there
    (milliseconds instead of sorting 40,000–300,000 ids), with ``complete`` False: the caller
    shows them at once and reads the rest with :func:`search_household_ids`, whose list starts
    with the same ids. Any other query comes back whole, with ``complete`` True."""
    if not _paged(session, flt, sort, broad_at):
        return search_household_ids(session, flt, sort, descending), True
    ids = _scalar_ints(session, *_ids_statement(session, flt, sort, descending,
                                                walk_index=True, limit=limit))
    return ids, len(ids) < limit


def _scalar_ints(session: Session, stmt: Select, params: dict | None = None) -> list[int]:
    """Run a one-integer-column SELECT on the DB-API cursor: for the 300,000 ids of a city
    SQLAlchemy's per-row result processing costs three times the query itself."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return list(session.scalars(stmt, params))
    result = conn.execute(stmt, params)   # compiled once per shape (SQLAlchemy's cache)
    try:
        return [row[0] for row in result.cursor]   # the DB-API rows, unprocessed
    finally:
        result.close()


@dataclass(frozen=True)
class HouseholdRow:
    id: int
    number: str
    head_name: str
    head_id_number: str
    village: str
    township: str
    residence_class: str
    category: str
    status: str
    member_count: int
    phone: str
    sync: str = ""      # synced / pending / conflict; "" where no exchange is set up


@functools.cache
def _household_rows_statement() -> Select:
    """household_rows' SELECT, built once: building it (two aliases of the areas, their
    columns' proxies) took 0.65 ms of a block's 1.5 ms."""
    township = Area.__table__.alias("township")
    village = Area.__table__.alias("village")
    return (select(Household.id, Household.number, Household.head_name,
                   Household.head_id_number, village.c.name, township.c.name,
                   Household.residence_class, Household.category, Household.status,
                   Household.member_count, Household.phone)
            .join(village, village.c.id == Household.village_id)
            .join(township, township.c.id == village.c.parent_id, isouter=True)
            .where(Household.id.in_(bindparam("ids", expanding=True))))


def household_rows(session: Session, ids: list[int]) -> dict[int, HouseholdRow]:
    """The list columns for a block of household ids (one query; the head's name and ID
    number are the household's own columns: no person's page is read)."""
    if not ids:
        return {}
    full = full_personal_data(session)
    sync = household_sync_states(session, ids)
    return {r[0]: HouseholdRow(r[0], r[1], r[2], (r[3] or "") if full else mask_id(r[3] or ""),
                               r[4], r[5] or "", r[6], r[7], r[8], r[9], r[10],
                               sync.get(r[0], ""))
            for r in session.execute(_household_rows_statement(), {"ids": list(ids)})}


def found_households(session: Session, flt: HouseholdFilter,
                     limit: int | None = None) -> list[HouseholdRow]:
    """The rows of the households a search finds, in display order (a pick list)."""
    ids = search_household_ids(session, flt, limit=limit)
    rows = household_rows(session, ids)
    return [rows[i] for i in ids if i in rows]


@dataclass
class MemberView:
    id: int
    name: str
    id_number: str
    birth_date: dt.date
    sex: str
    age: int
    relation: str
    disability_grade: int | None
    disability_category: str
    serious_illness: bool
    self_care: str
    in_school: bool
    able_to_work: bool
    phone: str

    @property
    def elderly(self) -> bool:
        return self.age >= 60

    @property
    def minor(self) -> bool:
        """Under 16, or under 18 while in school (DOMAIN §3)."""
        return self.age < 16 or (self.in_school and self.age < 18)


@dataclass
class HouseholdDetail:
    id: int
    number: str
    village_id: int
    village_path: str
    residence_class: str
    category: str
    status: str
    address: str
    phone: str
    account_type: str
    account_number: str
    bank_name: str
    head_person_id: int | None
    closed_on: dt.date | None
    closed_reason: str | None
    members: list[MemberView] = field(default_factory=list)
    # (id, source, fen, earner id, note, valid from, valid until): every row, ended ones too
    incomes: list[tuple[int, str, int, int | None, str, dt.date, dt.date | None]] = \
        field(default_factory=list)
    # (id, kind, fen, description, valid from, valid until)
    properties: list[tuple[int, str, int, str, dt.date, dt.date | None]] = \
        field(default_factory=list)
    as_of: dt.date = field(default_factory=dt.date.today)
    # the household's version when read: a save naming it is refused if someone saved since
    version: int = 1

    def in_force(self, valid_from: dt.date, valid_until: dt.date | None) -> bool:
        """Whether a dated income or property row holds on ``as_of``."""
        return valid_from <= self.as_of and (valid_until is None or self.as_of < valid_until)

    @property
    def monthly_income_fen(self) -> int:
        """The incomes in force on ``as_of``."""
        return sum(i[2] for i in self.incomes if self.in_force(i[5], i[6]))

    @property
    def per_capita_income_fen(self) -> int:
        """Household monthly income / members, rounded down to the fen (DOMAIN §3)."""
        return self.monthly_income_fen // len(self.members) if self.members else 0


def area_path(session: Session, area_id: int) -> str:
    """"city / county / township / village" of an area, read in one statement (a bureau
    server's round trip per level was four more per household opened)."""
    up = (select(Area.id, Area.parent_id, Area.name, Area.level, literal(0).label("depth"))
          .where(Area.id == area_id).cte("up", recursive=True))
    parent = aliased(Area)
    up = up.union_all(select(parent.id, parent.parent_id, parent.name, parent.level,
                             up.c.depth + 1).where(parent.id == up.c.parent_id))
    rows = session.execute(select(up.c.name, up.c.level).order_by(up.c.depth.desc()))
    return " / ".join(name for name, level in rows if level != "province")


def household_detail(session: Session, household_id: int,
                     today: dt.date | None = None, reveal: bool = False) -> HouseholdDetail | None:
    """A household with its members, incomes and property. Refused (naming the area) outside
    the signed-in user's area. ID numbers and the account are masked for a role that does not
    need them (the supervisor) unless ``reveal`` (see :func:`reveal_household`, audited)."""
    hh = session.get(Household, household_id)
    if hh is None:
        return None
    reader(session, area_id=hh.village_id)
    masked = not reveal and not full_personal_data(session)
    today = today or dt.date.today()
    detail = HouseholdDetail(
        hh.id, hh.number, hh.village_id, area_path(session, hh.village_id), hh.residence_class,
        hh.category, hh.status, hh.address, hh.phone, hh.account_type,
        mask_account(hh.account_number) if masked else hh.account_number,
        hh.bank_name, hh.head_person_id, hh.closed_on, hh.closed_reason,
        version=hh.version)
    persons = session.scalars(select(Person).where(Person.household_id == hh.id)
                              .order_by(Person.relation != "head", Person.id))
    for p in persons:
        detail.members.append(MemberView(
            p.id, p.name, mask_id(p.id_number) if masked else p.id_number, p.birth_date, p.sex, age_on(p.birth_date, today),
            p.relation, p.disability_grade, p.disability_category, p.serious_illness,
            p.self_care, p.in_school, p.able_to_work, p.phone))
    detail.as_of = today
    detail.incomes = [(i.id, i.source, i.monthly_fen, i.person_id, i.note, i.valid_from,
                       i.valid_until) for i in
                      session.scalars(select(Income).where(Income.household_id == hh.id)
                                      .order_by(Income.id))]
    detail.properties = [(p.id, p.kind, p.value_fen, p.description, p.valid_from,
                          p.valid_until) for p in
                         session.scalars(select(PropertyItem)
                                         .where(PropertyItem.household_id == hh.id)
                                         .order_by(PropertyItem.id))]
    return detail


def villages(session: Session) -> list[tuple[int, str, str]]:
    """(id, code, "township / village") for every village, in code order."""
    township = Area.__table__.alias("township")
    stmt = (select(Area.id, Area.code, township.c.name, Area.name)
            .join(township, township.c.id == Area.parent_id)
            .where(Area.level == "village").order_by(Area.code))
    return [(r[0], r[1], f"{r[2]} / {r[3]}") for r in session.execute(stmt)]


def count_households(session: Session) -> int:
    """Households in the signed-in user's area."""
    scope = reader(session)
    stmt = select(func.count()).select_from(Household)
    if not scope.everywhere:
        stmt = stmt.where(Household.village_id.in_(village_ids_in(session, scope)))
    return session.scalar(stmt) or 0


def registry_is_empty(session: Session) -> bool:
    """True when no household is registered (an EXISTS probe, not a count)."""
    return session.scalar(select(Household.id).limit(1)) is None


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: dt.datetime
    username: str
    action: str
    entity: str
    entity_id: int | None
    field: str | None
    old_value: str | None
    new_value: str | None
    source: str | None


def audit_trail(session: Session, household_id: int, limit: int = 500) -> list[AuditRow]:
    """The household's audit rows, newest first, with the acting user's name."""
    reader(session, area_code=household_area_code(session, household_id))
    stmt = (select(AuditEntry, User.username).join(User, User.id == AuditEntry.user_id)
            .where(AuditEntry.household_id == household_id)
            .order_by(AuditEntry.id.desc()).limit(limit))
    return [AuditRow(a.id, a.at, name, a.action, a.entity, a.entity_id, a.field, a.old_value,
                     a.new_value, a.source) for a, name in session.execute(stmt)]


def reveal_household(db, household_id: int) -> HouseholdDetail | None:
    """The household with full ID numbers and account for a role that sees them masked (the
    supervisor's "show"): the showing is audited."""
    from ..models import AuditEntry as _Audit
    from .auth import authorize, signed_in

    with db.begin() as s:
        detail = household_detail(s, household_id, reveal=True)
        if detail is not None:
            user = authorize(s, signed_in(s), "read",
                             area_code=household_area_code(s, household_id))
            s.add(_Audit(user_id=user.id, action="reveal", entity="household",
                         entity_id=household_id, household_id=household_id,
                         field="personal_data", new_value="full ID numbers and account shown"))
        return detail
