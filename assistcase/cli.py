"""Command line (English): ``assistcase --help``."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from .config import current_username, resolve_db_url
from .errors import AssistCaseError, ValidationError

log = logging.getLogger("assistcase")


def _open(args: argparse.Namespace, upgrade: bool = True):
    from .db import open_database

    return open_database(args.db, upgrade=upgrade)


def _progress_printer(quiet: bool):
    last = [-1]

    def progress(fraction: float, message: str) -> None:
        pct = int(fraction * 100)
        if not quiet and pct != last[0] and pct % 5 == 0:
            last[0] = pct
            print(f"  {pct:3d}%  {message}", file=sys.stderr, flush=True)

    return progress


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import generate_demo, generate_demo_city

    db = _open(args)
    t0 = time.perf_counter()
    generate = generate_demo if args.registry_only else generate_demo_city
    summary = generate(db, args.user, households=args.households, seed=args.seed,
                       progress=_progress_printer(args.quiet))
    print(f"generated {summary.households} households and {summary.persons} persons "
          f"in {time.perf_counter() - t0:.1f} s into {db.url}")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from .queries import HouseholdFilter, household_rows, search_household_ids

    db = _open(args)
    with db.read() as s:
        flt = HouseholdFilter(text=args.text, status=None if args.all else "active")
        ids = search_household_ids(s, flt)
        rows = household_rows(s, ids[: args.limit])
        for hid in ids[: args.limit]:
            r = rows[hid]
            print(f"{r.number}\t{r.head_name}\t{r.head_id_number}\t{r.township}/{r.village}\t"
                  f"{r.category}\t{r.member_count}\t{r.status}")
    print(f"{len(ids)} household(s) found" + (f", first {args.limit} shown"
                                               if len(ids) > args.limit else ""),
          file=sys.stderr)
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from .db import Database, explained_open_errors

    db = Database(resolve_db_url(args.db))
    with explained_open_errors(db.path or db.url):
        return _db_action(db, args)


def _db_action(db, args: argparse.Namespace) -> int:
    from .db import head_revision

    if args.action == "upgrade":
        before = db.revision()
        backup = db.upgrade()
        print(f"database {db.url}: {before or 'empty'} -> {db.revision()}")
        if backup:
            print(f"backup of the previous version: {backup}")
    elif args.action == "backup":
        dest = db.backup(Path(args.to) if args.to else None)
        print(f"backup written to {dest}")
    elif args.action == "check":
        state = db.check_version()
        print(f"database {db.url}: schema {db.revision() or 'none'}, this AssistCase: "
              f"{head_revision()} ({state})")
        if db.path is not None and state != "empty":
            with db.engine.connect() as conn:
                integrity = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
                fk = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            print(f"integrity: {integrity}; foreign key violations: {len(fk)}")
            if integrity != "ok" or fk:
                return 1
        return 0 if state == "current" else 1
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from .io import import_registry, load_mapping, write_report_xlsx

    mapping = load_mapping(args.mapping) if args.mapping else None
    db = _open(args)
    report = import_registry(db, args.user, args.file, sheet=args.sheet, mapping=mapping,
                             dry_run=args.dry_run, progress=_progress_printer(args.quiet))
    for issue in report.issues[: args.limit]:
        print(issue.line("en"), file=sys.stderr)
    if len(report.issues) > args.limit:
        print(f"... and {len(report.issues) - args.limit} more (use --report OUT.xlsx for all)",
              file=sys.stderr)
    if args.dry_run:
        for change in report.changes[: args.limit]:
            detail = "; ".join(f"{f}: {old!r} -> {new!r}" for f, old, new in change.fields)
            print(f"would {change.action} {change.entity} {change.key} (row {change.row})"
                  + (f": {detail}" if detail else ""))
        if len(report.changes) > args.limit:
            print(f"... and {len(report.changes) - args.limit} more changes")
    if args.report:
        write_report_xlsx(report, args.report)
        print(f"report written to {args.report}", file=sys.stderr)
    print(report.summary() + f" in {report.seconds:.1f} s")
    return 0 if report.ok else 1


def cmd_export(args: argparse.Namespace) -> int:
    from sqlalchemy import or_, select

    from .io import export_registry
    from .models import Area
    from .queries import HouseholdFilter

    db = _open(args)
    area_id = None
    if args.village:
        with db.read() as s:
            found = s.execute(select(Area.id, Area.code, Area.name, Area.level)
                              .where(or_(Area.code == args.village, Area.name == args.village))
                              ).all()
        if len(found) != 1:
            which = ", ".join(f"{r.code} {r.name}" for r in found) or "none"
            print(f"error: --village {args.village!r} must name exactly one area "
                  f"(code or name); found: {which}", file=sys.stderr)
            return 2
        area_id = found[0].id
    flt = HouseholdFilter(text=args.text or "", area_id=area_id, category=args.category,
                          status=None if args.status == "all" else args.status)
    t0 = time.perf_counter()
    n = export_registry(db, args.out, flt, progress=_progress_printer(args.quiet))
    print(f"exported {n} household(s) to {args.out} in {time.perf_counter() - t0:.1f} s")
    return 0


def build_parser() -> argparse.ArgumentParser:
    # The common options work before or after the sub-command (``assistcase demo --db x``).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS,
                        help="database file or SQLAlchemy URL "
                             "(default: $ASSISTCASE_DB or the user data directory)")
    common.add_argument("--user", default=argparse.SUPPRESS,
                        help="acting user recorded in the audit log (default: "
                             "$ASSISTCASE_USER or the login name)")
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS)
    p = argparse.ArgumentParser(
        prog="assistcase", parents=[common],
        description="AssistCase: social assistance case management (command line).")
    sub = p.add_subparsers(dest="command", required=True)

    def add(name: str, **kw):
        return sub.add_parser(name, parents=[common], **kw)

    d = add("demo", help="generate a demo city into an empty database")
    d.add_argument("--households", type=int, default=2000)
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("--quiet", action="store_true", help="no progress output")
    d.add_argument("--registry-only", action="store_true",
                   help="households and persons only (no standards, no liaison records)")
    d.set_defaults(func=cmd_demo)

    s = add("search", help="search households by name, pinyin, ID number or "
                                      "household number")
    s.add_argument("text")
    s.add_argument("--limit", type=int, default=50)
    s.add_argument("--all", action="store_true", help="include closed households")
    s.set_defaults(func=cmd_search)

    im = add("import", help="import households and members from .xlsx or .csv (all or "
                            "nothing; exit code 1 when the file has errors)")
    im.add_argument("file")
    im.add_argument("--dry-run", action="store_true",
                    help="check and show what would be created and updated; write nothing")
    im.add_argument("--mapping", help="column mapping JSON (header -> field) to use")
    im.add_argument("--sheet", help="sheet to read (default: the first)")
    im.add_argument("--report", help="write the validation report to this .xlsx")
    im.add_argument("--limit", type=int, default=50, help="issues/changes printed (default 50)")
    im.add_argument("--quiet", action="store_true", help="no progress output")
    im.set_defaults(func=cmd_import)

    ex = add("export", help="export households and members to .xlsx in the import layout")
    ex.add_argument("out")
    ex.add_argument("--village", help="area code or name (village, township, county …)")
    ex.add_argument("--category", choices=["dibao", "tekun", "marginal", "monitored", "none"])
    ex.add_argument("--status", choices=["active", "closed", "all"], default="all")
    ex.add_argument("--text", help="search text (name, pinyin, ID number, household number)")
    ex.add_argument("--quiet", action="store_true", help="no progress output")
    ex.set_defaults(func=cmd_export)

    dbp = add("db", help="database maintenance")
    dbp.add_argument("action", choices=["upgrade", "backup", "check"])
    dbp.add_argument("--to", help="backup destination file")
    dbp.set_defaults(func=cmd_db)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Defaults are applied here: parsers share the common actions, so set_defaults on one
    # would override a value given to the other.
    args.db = getattr(args, "db", None)
    args.user = getattr(args, "user", None) or current_username()
    args.verbose = getattr(args, "verbose", False)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except ValidationError as e:
        for err in e.errors:
            print(f"error: {err.field}: {err.message_en}", file=sys.stderr)
        return 2
    except AssistCaseError as e:
        print(f"error: {e.message_en}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
