"""Command line (English): ``assistcase --help``."""

from __future__ import annotations

import argparse
import datetime as dt
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
    from .services.queries import HouseholdFilter, household_rows, search_household_ids

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
    from .services.queries import HouseholdFilter

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


# --- rosters (发放花名册) --------------------------------------------------------------------


def _month_arg(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month in the form YYYY-MM") from None


def _date_arg(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in the form YYYY-MM-DD") from None


def _yuan_arg(text: str) -> int:
    """An amount in yuan (at most two decimals) as fen."""
    from .rules.money import parse_yuan

    fen = parse_yuan(text, allow_zero=False)
    if fen is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount in yuan (e.g. 210 or 210.50)")
    return fen


def _categories_arg(text: str) -> tuple[str, ...]:
    cats = tuple(c.strip() for c in text.split(",") if c.strip())
    bad = [c for c in cats if c not in ("dibao", "tekun")]
    if not cats or bad:
        raise argparse.ArgumentTypeError("categories are dibao and/or tekun, comma-separated")
    return cats


def _area_id(db, text: str, option: str = "--area") -> int:
    """The area named by its 12-digit code, or by its name when only one area has it."""
    from sqlalchemy import or_, select

    from .models import Area

    with db.read() as s:
        found = s.execute(select(Area.id, Area.code, Area.name, Area.level)
                          .where(or_(Area.code == text, Area.name == text))
                          .order_by(Area.code)).all()
    if len(found) != 1:
        which = "; ".join(f"{r.code} {r.name} ({r.level})" for r in found) or "none"
        raise ValidationError.single(
            option, f"{text!r} must name exactly one area (12-digit code or name); found: {which}",
            f"“{text}”应唯一确定一个区划（12位代码或名称）")
    return found[0].id


def _yuan(fen: int) -> str:
    from .rules.money import yuan

    return f"{yuan(fen)} yuan"


def _print_built(result) -> None:
    extra = [f"{n} {what}" for n, what in ((result.reissues, "reissue(s)"),
                                            (result.adjustments, "adjustment(s)"),
                                            (result.deferred_deductions, "deduction(s) deferred"),
                                            (result.skipped_no_standard,
                                             "case(s) skipped for want of a standard")) if n]
    print(f"built roster {result.roster_id}: {result.lines} line(s), {_yuan(result.total_fen)}"
          + (f" ({', '.join(extra)})" if extra else "") + "; status draft")


def cmd_roster_build(args: argparse.Namespace) -> int:
    from .services import rosters as R

    db = _open(args)
    data = R.MonthlyRosterInput(_area_id(db, args.area), args.month, args.program,
                                args.residence_class)
    _print_built(R.build_monthly_roster(db, args.user, data,
                                        progress=_progress_printer(args.quiet)))
    return 0


def cmd_roster_one_time(args: argparse.Namespace) -> int:
    from .services import rosters as R

    db = _open(args)
    data = R.OneTimeInput(_area_id(db, args.area), args.date, args.amount, args.categories,
                          args.residence_class, purpose=args.purpose)
    _print_built(R.build_one_time_roster(db, args.user, data,
                                         progress=_progress_printer(args.quiet)))
    return 0


def cmd_roster_list(args: argparse.Namespace) -> int:
    from .services import rosters as R

    db = _open(args)
    with db.read() as s:
        views = R.list_rosters(s, month=args.month, status=args.status, limit=args.limit)
    for v in views:
        print(f"{v.id}\t{v.month:%Y-%m}\t{v.program}\t{v.residence_class or 'all'}\t"
              f"{v.area_code} {v.area_name}\t{v.status}\t{v.line_count}\t"
              f"{_yuan(v.total_fen)}\t{v.title}")
    print(f"{len(views)} roster(s)", file=sys.stderr)
    return 0


def cmd_roster_review(args: argparse.Namespace) -> int:
    from .services import rosters as R

    view = R.review_roster(_open(args), args.user, args.roster_id)
    print(f"roster {view.id} reviewed by {view.reviewed_by}: {view.line_count} line(s), "
          f"{_yuan(view.total_fen)}")
    return 0


def cmd_roster_approve(args: argparse.Namespace) -> int:
    from .services import rosters as R

    view = R.approve_roster(_open(args), args.user, args.roster_id)
    print(f"roster {view.id} approved by {view.approved_by} and frozen: {view.line_count} "
          f"line(s), {_yuan(view.total_fen)}")
    return 0


def cmd_roster_pdf(args: argparse.Namespace) -> int:
    from .reports.roster_pdf import write_notice_pdf, write_roster_pdf

    writer = write_notice_pdf if args.roster_action == "notice" else write_roster_pdf
    t0 = time.perf_counter()
    out = writer(_open(args), args.roster_id, args.out, progress=_progress_printer(args.quiet))
    what = "public notice" if args.roster_action == "notice" else "roster"
    print(f"{what} of roster {args.roster_id} written to {out} in "
          f"{time.perf_counter() - t0:.1f} s")
    return 0


def cmd_roster_xlsx(args: argparse.Namespace) -> int:
    from .io.bank import write_bank_xlsx

    t0 = time.perf_counter()
    summary = write_bank_xlsx(_open(args), args.roster_id, args.out,
                              progress=_progress_printer(args.quiet))
    print(f"bank file of roster {args.roster_id} written to {summary.path} in "
          f"{time.perf_counter() - t0:.1f} s: {summary.bank_rows} payment(s) by bank, "
          f"{_yuan(summary.bank_fen)}; {summary.cash_rows} without an account (cash), "
          f"{_yuan(summary.cash_fen)}; total {summary.rows} row(s), {_yuan(summary.total_fen)}")
    return 0


def cmd_roster_bank_returns(args: argparse.Namespace) -> int:
    from .io.bank import import_bank_returns

    r = import_bank_returns(_open(args), args.user, args.roster_id, args.file,
                            progress=_progress_printer(args.quiet))
    print(f"bank returns recorded for roster {args.roster_id}: {r.paid} paid "
          f"({_yuan(r.paid_fen)}), {r.failed} failed ({_yuan(r.failed_fen)}), "
          f"{r.unchanged} unchanged")
    if r.failed:
        print("failed payments are reissued by the next roster of the program")
    return 0


def cmd_roster_funds(args: argparse.Namespace) -> int:
    from .reports.funds import write_funds_pdf, write_funds_xlsx
    from .services.funds import PROGRAM_SHORT_ZH, funds_report

    if not (args.pdf or args.xlsx):
        raise ValidationError.single("--pdf/--xlsx", "give --pdf OUT and/or --xlsx OUT",
                                     "请指定 --pdf 或 --xlsx 输出文件")
    db = _open(args)
    area_id = _area_id(db, args.area)
    with db.read() as s:
        rep = funds_report(s, area_id, args.year, args.month)
    for out, writer in ((args.pdf, write_funds_pdf), (args.xlsx, write_funds_xlsx)):
        if out:
            writer(rep, out)
            print(f"funds report written to {out}", file=sys.stderr)
    print(f"{rep.area_name} {rep.period_en()}: {len(rep.roster_ids)} approved roster(s)")
    for p in rep.programs:
        t = rep.program_total(p)
        print(f"  {p} ({PROGRAM_SHORT_ZH[p]}): {t.households} household(s), {t.persons} "
              f"{'person(s)' if rep.month else 'person-month(s)'}, paid {_yuan(t.paid_fen)}")
    print(f"  total paid {_yuan(rep.total.paid_fen)}"
          + (f" (bank failures not counted: {_yuan(rep.total.failed_fen)})"
             if rep.total.failed_fen else ""))
    for lv in rep.levels:
        if lv.required_fen is None:
            verdict = "no required level set"
        else:
            verdict = f"required {_yuan(lv.required_fen)}: {'BELOW' if lv.below else 'met'}"
        print(f"  dibao {lv.residence_class}: average {_yuan(lv.average_fen)} per person per "
              f"month, {verdict}")
    return 0


def _area_code_or_id(db, text: str) -> int:
    """An area by its database id (a short number), else by code or unique name."""
    from .models import Area

    if text.isdigit() and len(text) < 12:
        with db.read() as s:
            if s.get(Area, int(text)) is not None:
                return int(text)
    return _area_id(db, text)


def _per_capita(value) -> str:
    from .rules.money import yuan

    return yuan(round(value))


def cmd_cases_exit_review(args: argparse.Namespace) -> int:
    from .services.recalc import recalculate_area
    from .services import case_review as X

    db = _open(args)
    area = _area_code_or_id(db, args.area)
    if args.recalculate:
        r = recalculate_area(db, args.user, area, args.month)
        print(f"recalculated {args.month:%Y-%m}: {r.cases} case(s), {r.exit_review} flagged for "
              f"exit review", file=sys.stderr)
    with db.read() as s:
        computed = X.month_computed(s, area, args.month)
        rows = X.exit_reviews_due(s, area, args.month, limit=args.limit)
    if not computed:
        print(f"{args.month:%Y-%m} is not computed for this area: run with --recalculate "
              "(or build the month's roster) first", file=sys.stderr)
    print("case\thousehold\thead\tvillage\tstandard\thousehold income\tsize\t"
          "per-capita income\tamount")
    for r in rows:
        print(f"{r.case_id}\t{r.household_number}\t{r.head_name}\t{r.village}\t"
              f"{_yuan(r.standard_fen)}\t{_yuan(r.household_income_fen)}\t{r.household_size}\t"
              f"{_per_capita(r.per_capita_income)} yuan\t{_yuan(r.amount_fen)}")
    print(f"{len(rows)} case(s) due for exit review in {args.month:%Y-%m}", file=sys.stderr)
    return 0


def cmd_cases_record_review(args: argparse.Namespace) -> int:
    from .services import case_review as X

    db = _open(args)
    X.record_exit_review(db, args.user, args.case_id, args.date, args.outcome, args.findings,
                         args.keep)
    en, _zh = X.OUTCOMES[args.outcome]
    print(f"case {args.case_id}: exit review recorded ({en}), effective from the month after "
          f"{args.date}")
    return 0


def cmd_cases_marginal(args: argparse.Namespace) -> int:
    from .services import case_review as X

    db = _open(args)
    with db.read() as s:
        rows = X.marginal_households(s, _area_code_or_id(db, args.area), args.month,
                                     limit=args.limit)
    print("household\thead\tvillage\tclass\tcategory\thousehold income\tsize\t"
          "per-capita income\tstandard\t% of standard")
    for r in rows:
        print(f"{r.household_number}\t{r.head_name}\t{r.village}\t{r.residence_class}\t"
              f"{r.category}\t{_yuan(r.household_income_fen)}\t{r.household_size}\t"
              f"{_per_capita(r.per_capita_income)} yuan\t{_yuan(r.standard_fen)}\t"
              f"{float(r.percent_of_standard):.1f}% (threshold {r.threshold_pct}%)")
    print(f"{len(rows)} marginal household(s) in {args.month:%Y-%m}", file=sys.stderr)
    return 0


def _keep_arg(text: str) -> list[int]:
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("person ids, comma-separated") from None


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
        parser = sub.add_parser(name, parents=[common], **kw)
        parser._assistcase_parents = [common]  # for sub-commands defined in other modules
        return parser

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

    ca = add("cases", help="assistance cases: exit review (退出核查), marginal households")
    csub = ca.add_subparsers(dest="cases_action", required=True)

    def cadd(name: str, func, **kw):
        sp = csub.add_parser(name, parents=[common], **kw)
        sp.set_defaults(func=func)
        return sp

    er = cadd("exit-review", cmd_cases_exit_review,
              help="dibao cases whose per-capita income reaches the standard in a computed "
                   "month, with the figures")
    er.add_argument("--area", required=True, help="area id, 12-digit code or unique name")
    er.add_argument("--month", required=True, type=_month_arg, help="YYYY-MM")
    er.add_argument("--recalculate", action="store_true",
                    help="recompute the month's entitlements of the area first")
    er.add_argument("--limit", type=int, default=1000)
    rr = cadd("review", cmd_cases_record_review,
              help="record an exit review and its outcome, effective from the next month")
    rr.add_argument("case_id", type=int, metavar="CASE")
    rr.add_argument("--outcome", required=True,
                    choices=["continue", "reduce", "suspend", "terminate"])
    rr.add_argument("--date", required=True, type=_date_arg, help="review date YYYY-MM-DD")
    rr.add_argument("--findings", required=True)
    rr.add_argument("--keep", type=_keep_arg,
                    help="reduce: ids of the persons who stay covered, comma-separated")
    mg = cadd("marginal", cmd_cases_marginal,
              help="marginal households (低保边缘): per-capita income above the dibao standard, "
                   "at most the policy threshold (default 150%%)")
    mg.add_argument("--area", required=True, help="area id, 12-digit code or unique name")
    mg.add_argument("--month", required=True, type=_month_arg, help="YYYY-MM")
    mg.add_argument("--limit", type=int, default=1000)

    ro = add("roster", help="payment rosters: build, review, approve, print, bank file and "
                            "returns, funds report")
    rsub = ro.add_subparsers(dest="roster_action", required=True)

    def radd(name: str, func, **kw):
        sp = rsub.add_parser(name, parents=[common], **kw)
        sp.set_defaults(func=func)
        return sp

    def quiet(sp):
        sp.add_argument("--quiet", action="store_true", help="no progress output")

    b = radd("build", cmd_roster_build, help="build a month's draft roster of a program")
    b.add_argument("--area", required=True, help="12-digit area code (or a unique name) of the "
                                                 "township, county or city")
    b.add_argument("--month", required=True, type=_month_arg, help="YYYY-MM")
    b.add_argument("--program", required=True, choices=["dibao", "tekun"])
    b.add_argument("--class", dest="residence_class", choices=["urban", "rural"],
                   help="one class only (default: urban and rural together)")
    quiet(b)
    o = radd("one-time", cmd_roster_one_time,
             help="build a one-time subsidy roster: an amount per person covered")
    o.add_argument("--area", required=True, help="12-digit area code (or a unique name)")
    o.add_argument("--date", required=True, type=_date_arg, help="payment date YYYY-MM-DD")
    o.add_argument("--amount", required=True, type=_yuan_arg, help="yuan per person, e.g. 210")
    o.add_argument("--purpose", required=True,
                   help="what the subsidy is for (用途), e.g. 2022年一次性生活补贴; a purpose is "
                        "paid to a person once: a second roster over the same persons is refused")
    o.add_argument("--categories", type=_categories_arg, default=("dibao", "tekun"),
                   help="dibao,tekun (default both)")
    o.add_argument("--class", dest="residence_class", choices=["urban", "rural"])
    quiet(o)
    li = radd("list", cmd_roster_list, help="list rosters, newest month first")
    li.add_argument("--month", type=_month_arg, help="YYYY-MM")
    li.add_argument("--status", choices=["draft", "reviewed", "approved"])
    li.add_argument("--limit", type=int, default=500)
    for name, func, text in (("review", cmd_roster_review, "review a draft roster (审核)"),
                             ("approve", cmd_roster_approve,
                              "approve a reviewed roster (审批); it is frozen from then on")):
        sp = radd(name, func, help=text)
        sp.add_argument("roster_id", type=int, metavar="ID")
    for name, func, text in (("pdf", cmd_roster_pdf, "print the roster to a PDF"),
                             ("notice", cmd_roster_pdf,
                              "print the public notice (masked IDs) to a PDF"),
                             ("xlsx", cmd_roster_xlsx,
                              "write the bank file (.xlsx) of an approved roster")):
        sp = radd(name, func, help=text)
        sp.add_argument("roster_id", type=int, metavar="ID")
        sp.add_argument("out", metavar="OUT")
        quiet(sp)
    br = radd("bank-returns", cmd_roster_bank_returns,
              help="import the bank's result file (.xlsx or .csv) of an approved roster "
                   "(all or nothing)")
    br.add_argument("roster_id", type=int, metavar="ID")
    br.add_argument("file", metavar="FILE")
    quiet(br)
    f = radd("funds", cmd_roster_funds,
             help="funds report of an area for a year or a month (approved rosters)")
    f.add_argument("--area", required=True, help="12-digit area code (or a unique name)")
    f.add_argument("--year", required=True, type=int)
    f.add_argument("--month", type=int, choices=range(1, 13), metavar="MM")
    f.add_argument("--pdf", metavar="OUT", help="write the report as PDF")
    f.add_argument("--xlsx", metavar="OUT", help="write the report as Excel")

    from .cli_exchange import add_parser as add_exchange
    add_exchange(add)
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
            # Messages that name their place themselves (file and row) are not prefixed twice.
            where = "" if err.message_en.startswith(err.field) else f"{err.field}: "
            print(f"error: {where}{err.message_en}", file=sys.stderr)
        return 2
    except AssistCaseError as e:
        print(f"error: {e.message_en}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
