"""What the benchmark scripts share: the machine they ran on and their section of
``benchmarks/RESULTS.md`` (each script owns the part between its two markers)."""

from __future__ import annotations

import os
import platform
import sqlite3
from pathlib import Path

RESULTS_MD = Path(__file__).resolve().parent / "RESULTS.md"
# Where the databases and files of a run live; ASSISTCASE_BENCH_WORK moves them (e.g. to a copy
# in /tmp, so a run never writes into a shared benchmarks/work).
WORK = Path(os.environ.get("ASSISTCASE_BENCH_WORK")
            or Path(__file__).resolve().parent / "work")


def peak_rss_mb() -> float:
    """This process's own peak resident set (VmHWM), in MB.

    Read in the measured child at its end. Not ``ru_maxrss``: on Linux a child started by
    fork/vfork + exec keeps the parent's high-water mark from before the exec (so every step
    of a run once reported the demo generator's 333.6 MB), and ``RUSAGE_CHILDREN`` is the
    maximum over all children so far."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource  # not Linux: the best there is

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> dict:
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    cpu = ""
    try:
        cpu = next((l.split(":", 1)[1].strip() for l in
                    Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name")), "")
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory_gb": round(mem_kb / 1024 / 1024, 1),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform()}


def replace_section(start: str, end: str, section: str, md: Path = RESULTS_MD) -> None:
    """Put ``section`` (which begins with ``start`` and ends with ``end``) in place of the
    file's part between those markers, or at its end the first time."""
    old = md.read_text(encoding="utf-8") if md.exists() else "# Benchmark results\n"
    if start in old and end in old:
        new = old[:old.index(start)] + section + old[old.index(end) + len(end):]
    else:
        new = old.rstrip("\n") + "\n\n" + section + "\n"
    md.write_text(new, encoding="utf-8")


BENCH_PASSWORD = "bench-password"
BENCH_ROLES = ("caseworker", "township_reviewer", "county_clerk", "county_approver",
               "standards_officer", "administrator")


def bench_user(db, username: str = "bench") -> None:
    """The benchmark's user, registered with every role over the whole database, through the
    services (issue 13: nobody is registered by acting). A new database gets it as its first
    administrator; a demo city generated before users had roles holds ``bench`` without a
    role or a password (nobody can sign in), so a first administrator ``bench-admin`` is
    created there and grants them and a password (``BENCH_PASSWORD``)."""
    from sqlalchemy import select

    from assistcase.models import User, UserRole
    from assistcase.services import auth

    with db.read() as s:
        user = s.scalar(select(User).where(User.username == username))
        roles = set(s.scalars(select(UserRole.role_code).where(UserRole.user_id == user.id))) \
            if user is not None else set()
    if user is None:
        first = auth.create_first_administrator(db, username, BENCH_PASSWORD)
        auth.set_user_roles(db, username, first.user_id, [(r, None) for r in BENCH_ROLES])
    elif not set(BENCH_ROLES) <= roles or not user.password_hash:
        with db.read() as s:
            admin = s.scalar(select(User).where(User.username == "bench-admin"))
        if admin is None:
            auth.create_first_administrator(db, "bench-admin", BENCH_PASSWORD)
        auth.set_user_roles(db, "bench-admin", user.id, [(r, None) for r in BENCH_ROLES])
        if not user.password_hash:  # so it can sign in (the first-window benchmark does)
            auth.reset_password(db, "bench-admin", user.id, BENCH_PASSWORD)


def bench_users(db, *names: str) -> None:
    """``bench`` (:func:`bench_user`) and the users ``names``, each with every role over the
    whole database (those already there are kept); the process signed in as ``bench``."""
    from sqlalchemy import text

    from assistcase.services import auth

    bench_user(db)
    with db.read() as s:
        have = {r[0] for r in s.execute(text("SELECT username FROM users"))}
    for name in names:
        if name not in have:
            auth.create_user(db, "bench", name, name, BENCH_PASSWORD,
                             [(r, None) for r in BENCH_ROLES])
    db.signed_in = "bench"
