"""Encryption at rest at city scale (issue 19): the same work on the plain city database and on
its SQLCipher copy, side by side in one run, and the daily backup of each.

    .venv/bin/python benchmarks/bench_encryption.py [--source PATH] [--rounds 2]

Copies the 300,000-household demo city (default: the main checkout's
``benchmarks/work/city.sqlite3``, never modified) to ``benchmarks/work/enc-plain.sqlite3``,
upgrades it, converts a second copy with ``encrypt_database`` (timed), then runs each step in
a child process of its own, alternating plain and encrypted so that a busy neighbour on the
machine weighs on both: search (median of 20 per kind), opening a household in the editor
(median of 20), the month's recalculation for the whole city, the city's dibao roster
build (on a fresh copy each time) and the day's automatic backup (``make_backup`` "daily"),
the last three in wall and CPU seconds (``time.process_time`` in the child: a busy neighbour
stretches the wall time, not the CPU time). Every child signs in as ``bench``, registered
during the preparation as the first administrator with every role. Writes ``benchmarks/results-encryption.json`` and the
encryption section of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from common import machine, peak_rss_mb, replace_section  # noqa: E402 (benchmarks/ on sys.path)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = ROOT / "benchmarks" / "work"
DEFAULT_SOURCE = Path("/work/main/benchmarks/work/city.sqlite3")
PLAIN = WORK / "enc-plain.sqlite3"
ENCRYPTED = WORK / "enc-encrypted.sqlite3"
PREPARED = WORK / "enc-prepared.json"
RESULTS_JSON = ROOT / "benchmarks" / "results-encryption.json"
MD_START, MD_END = "<!-- encryption:start -->", "<!-- encryption:end -->"
ACTOR = "bench"
MONTH = dt.date(2026, 11, 1)
PASSWORD = "bench-password"
TARGET_RATIO = 1.3
BACKUP_TARGET_S = 30.0


def _remove(path: Path) -> None:
    for p in (path, Path(str(path) + "-wal"), Path(str(path) + "-shm"),
              path.with_name(path.name + ".keys")):
        p.unlink(missing_ok=True)


ROLES = ("caseworker", "township_reviewer", "county_clerk", "county_approver",
         "standards_officer", "administrator")


def _open(path: Path):
    """The database opened and signed in as the benchmark's registered user (issue 13:
    nobody acts without an account and a role)."""
    from assistcase.db import open_database
    from assistcase.security.cipher import is_encrypted
    from assistcase.security.keyslots import unlock
    from assistcase.services import auth

    key = unlock(path, ACTOR, PASSWORD) if is_encrypted(path) else None
    db = open_database(path, key=key)
    db.signed_in = auth.sign_in(db, ACTOR, PASSWORD)
    return db


def _register(path: Path) -> None:
    """The benchmark's user: the demo city's ``bench`` account (kept without a password or a
    role by the 0014 upgrade) becomes the first administrator and gets every role over the
    whole city."""
    from assistcase.db import open_database
    from assistcase.services import auth

    db = open_database(path)  # upgrades to this branch's schema
    try:
        if auth.needs_first_administrator(db):
            first = auth.create_first_administrator(db, ACTOR, PASSWORD)
            auth.set_user_roles(db, ACTOR, first.user_id, [(r, None) for r in ROLES])
    finally:
        db.dispose()


def _work_copy(path: Path, name: str) -> Path:
    """A throw-away copy for a step that writes (recalculation, roster build)."""
    dest = WORK / name
    _remove(dest)
    shutil.copyfile(path, dest)
    keys = path.with_name(path.name + ".keys")
    if keys.exists():
        shutil.copyfile(keys, dest.with_name(dest.name + ".keys"))
    return dest


# --- child steps ---------------------------------------------------------------------------


def step_search(path: Path) -> dict:
    from bench_registry import bench_search, pick_queries

    db = _open(path)
    out = bench_search(db, pick_queries(db, 1))
    result = {k: round(v["median_ms"], 2) for k, v in out.items()}
    # CPU ms per query (the 20 of a kind): a busy neighbour stretches the wall medians of a
    # few milliseconds far more than the work
    result.update({f"{k}_cpu": round(v["cpu_ms_per_query"], 2) for k, v in out.items()})
    return result


def step_paired(_path: Path) -> dict:
    """The searches and the editor on both files in one process, query by query in turn
    (plain then encrypted, then the other way round). Separate processes' medians of the same
    queries on the same file vary by half (4.98 to 9.11 ms for the plain file's initials in
    one run) as this shared machine's speed drifts, more than the cipher's cost; paired, both
    files see the same moment. Returns each file's median per kind and the median of the
    per-query ratios."""
    import contextlib
    import gc
    import statistics

    from bench_registry import pick_queries

    from assistcase.services.queries import (ROWS_BLOCK, HouseholdFilter, first_household_ids,
                                             household_rows)

    dbs = {"plain": _open(PLAIN), "encrypted": _open(ENCRYPTED)}
    queries = pick_queries(dbs["plain"], 1)
    out: dict = {}
    with contextlib.ExitStack() as stack:
        sessions = {v: stack.enter_context(db.read()) for v, db in dbs.items()}

        def run(variant: str, text: str) -> float:
            t0 = time.perf_counter()
            ids, _complete = first_household_ids(sessions[variant], HouseholdFilter(text=text))
            household_rows(sessions[variant], ids[:ROWS_BLOCK])  # the rows the list reads first
            return (time.perf_counter() - t0) * 1000

        for variant in dbs:
            run(variant, "王")   # warm each connection as the app's first view does
        for kind, items in queries.items():
            gc.collect()
            times: dict[str, list[float]] = {"plain": [], "encrypted": []}
            for i, text in enumerate(items):
                for variant in (("plain", "encrypted") if i % 2 == 0 else ("encrypted", "plain")):
                    times[variant].append(run(variant, text))
            out[kind] = times
    out["editor"] = _paired_editor(dbs)
    result = {}
    for kind, times in out.items():
        result[f"{kind}_plain"] = round(statistics.median(times["plain"]), 2)
        result[f"{kind}_encrypted"] = round(statistics.median(times["encrypted"]), 2)
        result[f"{kind}_ratio"] = round(statistics.median(
            e / p for p, e in zip(times["plain"], times["encrypted"])), 3)
    return result


def _paired_editor(dbs: dict) -> dict[str, list[float]]:
    """The editor opened on the same households of both files in turn (bench_registry's
    editor step, one window per file)."""
    import random

    from PySide6.QtWidgets import QApplication
    from sqlalchemy import func, select

    from assistcase.models import Household
    from ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    windows = {v: MainWindow(db, ACTOR) for v, db in dbs.items()}
    for w in windows.values():
        w.show()
    app.processEvents()
    with dbs["plain"].read() as s:
        top = s.scalar(select(func.max(Household.id)))
    rng = random.Random(2)
    ids = [rng.randint(1, top) for _ in range(21)]
    times: dict[str, list[float]] = {"plain": [], "encrypted": []}
    for i, hid in enumerate(ids):
        for variant in (("plain", "encrypted") if i % 2 == 0 else ("encrypted", "plain")):
            t0 = time.perf_counter()
            windows[variant].open_household(hid)
            app.processEvents()
            if i:   # the first opening builds the editor's widgets once
                times[variant].append((time.perf_counter() - t0) * 1000)
    for w in windows.values():   # torn down now: at interpreter exit PySide's finalisation crashes
        w.close()
        w.deleteLater()
    app.processEvents()
    return times


def step_editor(path: Path) -> dict:
    from bench_registry import bench_editor

    db = _open(path)
    out = bench_editor(db, 1)
    return {"median_ms": round(out["median_ms"], 1), "max_ms": round(out["max_ms"], 1)}


def step_recalc(path: Path) -> dict:
    from sqlalchemy import select

    from assistcase.models import Area
    from assistcase.services.recalc import recalculate_area

    db = _open(path)
    with db.read() as s:
        city = s.scalar(select(Area.id).where(Area.level == "city").order_by(Area.code))
    c0, t0 = time.process_time(), time.perf_counter()
    recalculate_area(db, ACTOR, city, MONTH)
    return {"seconds": round(time.perf_counter() - t0, 2),
            "cpu_s": round(time.process_time() - c0, 2)}


def step_build(path: Path) -> dict:
    from sqlalchemy import select

    from assistcase.models import Area
    from assistcase.services import rosters as R

    db = _open(path)
    with db.read() as s:
        city = s.scalar(select(Area.id).where(Area.level == "city").order_by(Area.code))
    c0, t0 = time.process_time(), time.perf_counter()
    built = R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(city, MONTH, "dibao"))
    return {"seconds": round(time.perf_counter() - t0, 2),
            "cpu_s": round(time.process_time() - c0, 2), "lines": built.lines}


def step_backup(path: Path) -> dict:
    """The day's automatic backup as the app makes it (make_backup "daily": the byte copy
    hashed on the way, quick_check, counts, audit head, manifest, rotation). CPU seconds are
    this process's own (process_time: SQLite runs in it), so a busy neighbour does not count."""
    from assistcase.services.backups import BackupSettings, make_backup

    db = _open(path)
    folder = WORK / f"enc-backups-{path.stem}"
    shutil.rmtree(folder, ignore_errors=True)
    c0, t0 = time.process_time(), time.perf_counter()
    info = make_backup(db, "daily", BackupSettings(folder=folder))
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    shutil.rmtree(folder, ignore_errors=True)
    assert info.integrity == "ok" and info.counts["households"] >= 300_000, info.summary()
    return {"seconds": round(seconds, 2), "cpu_s": round(cpu, 2), "mb": round(info.size / 1e6, 1),
            "check": info.check}


def step_verify(path: Path) -> dict:
    from assistcase.services.audit import verify_audit_log

    db = _open(path)
    t0 = time.perf_counter()
    result = verify_audit_log(db)
    return {"seconds": round(time.perf_counter() - t0, 3), "rows": result.rows, "ok": result.ok}


STEPS = {"paired": step_paired, "search": step_search, "editor": step_editor, "recalc": step_recalc,
         "build": step_build, "backup": step_backup, "verify": step_verify}


def run_child(step: str, path: Path) -> dict:
    cmd = [sys.executable, __file__, "--step", step, "--path", str(path)]
    env = dict(os.environ, PYTHONPATH=f"{ROOT}:{ROOT / 'benchmarks'}", QT_QPA_PLATFORM="offscreen",
               ASSISTCASE_BACKUP="off")
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"step {step} on {path.name} failed:\n{proc.stderr}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()
    except OSError:
        return "?"


# --- parent ------------------------------------------------------------------------------


def prepare(source: Path) -> dict:
    from assistcase.security.cipher import encrypt_database

    WORK.mkdir(parents=True, exist_ok=True)
    for p in (PLAIN, ENCRYPTED):
        _remove(p)
    shutil.copyfile(source, PLAIN)
    t0 = time.perf_counter()
    _register(PLAIN)  # upgrades to this branch's schema first (0015 links the audit rows)
    upgrade_s = time.perf_counter() - t0
    shutil.copyfile(PLAIN, ENCRYPTED)
    t0 = time.perf_counter()
    encrypt_database(ENCRYPTED, {ACTOR: PASSWORD}, keep_plain_backup=False)
    prep = {"upgrade_s": round(upgrade_s, 1), "encrypt_s": round(time.perf_counter() - t0, 1),
            "mb": round(PLAIN.stat().st_size / 1e6, 1)}
    PREPARED.write_text(json.dumps(prep), encoding="utf-8")  # for a later --reuse
    return prep


def reformat(path: Path) -> dict:
    """A copy encrypted in an older page format (HMAC-SHA512, or 4096-byte pages) is rewritten in
    the format of new files, as ``reencrypt_database`` does for a township's file (timed)."""
    from assistcase.security.cipher import NEW_FORMAT, file_format, reencrypt_database
    from assistcase.security.keyslots import unlock

    if file_format(path) == NEW_FORMAT:
        return {}
    t0, c0 = time.perf_counter(), time.process_time()
    reencrypt_database(path, unlock(path, ACTOR, PASSWORD))
    prep = {"reencrypt_s": round(time.perf_counter() - t0, 1),
            "reencrypt_cpu_s": round(time.process_time() - c0, 1)}
    data = json.loads(PREPARED.read_text()) if PREPARED.exists() else {}
    PREPARED.write_text(json.dumps({**data, **prep}), encoding="utf-8")
    return prep


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--step")
    ap.add_argument("--path")
    ap.add_argument("--source", default=str(DEFAULT_SOURCE))
    ap.add_argument("--rounds", type=int, default=2)
    # A process's search medians (a few milliseconds) vary by a third from one process to
    # the next, plain or encrypted alike (its hash seed, its memory's layout): more than the
    # cipher's cost. The cheap search step runs this many times a round, each variant in
    # turn, and the best of all is kept, as for every step.
    ap.add_argument("--search-repeats", type=int, default=3)
    ap.add_argument("--reuse", action="store_true", help="keep the prepared copies")
    ap.add_argument("--from-log", help="rebuild the results from a run's printed lines")
    ap.add_argument("--note", help="a sentence on the machine's load for RESULTS.md")
    args = ap.parse_args()
    if args.step:
        result = STEPS[args.step](Path(args.path))
        result["_peak_rss_mb"] = round(peak_rss_mb(), 1)
        print(json.dumps(result))
        return 0

    runs: dict[str, dict[str, list[dict]]] = {"plain": {}, "encrypted": {}, "paired": {}}
    loads: list[str] = []
    if args.from_log:
        # The figures a run printed before it was stopped (a shared machine can make a whole
        # run outlast the time there is): the same aggregation over the steps it finished.
        import ast

        prep = {}
        for line in Path(args.from_log).read_text(encoding="utf-8").splitlines():
            if line.startswith("prepared "):
                prep = ast.literal_eval(line[len("prepared "):])
            parts = line.split(" ", 3)
            if len(parts) == 4 and parts[0].isdigit() and parts[2] in runs:
                runs[parts[2]].setdefault(parts[1], []).append(ast.literal_eval(parts[3]))
            elif len(parts) == 4 and parts[0].isdigit() and parts[1:3] == ["paired", "both"]:
                runs["paired"].setdefault("paired", []).append(ast.literal_eval(parts[3]))
        loads = []
        args.rounds = 0
    else:
        if args.reuse and ENCRYPTED.exists():
            prep = json.loads(PREPARED.read_text()) if PREPARED.exists() else {}
            prep.update(reformat(ENCRYPTED))
        else:
            prep = prepare(Path(args.source))
        print("prepared", prep, flush=True)
    for rnd in range(args.rounds):
        for _ in range(args.search_repeats):   # both files in one process (step_paired)
            loads.append(loadavg())
            r = run_child("paired", ENCRYPTED)
            runs["paired"].setdefault("paired", []).append(r)
            print(rnd, "paired", "both", r, flush=True)
        for step in ("search", "editor", "recalc", "build", "backup", "verify"):
            order = (("plain", PLAIN), ("encrypted", ENCRYPTED))
            if rnd % 2:
                order = order[::-1]
            if step == "search":
                order = order * args.search_repeats
            for variant, path in order:
                target = path
                if step in ("recalc", "build"):
                    target = _work_copy(path, f"enc-work-{variant}.sqlite3")
                loads.append(loadavg())
                r = run_child(step, target)
                runs[variant].setdefault(step, []).append(r)
                print(rnd, step, variant, r, flush=True)
                if target != path:
                    _remove(target)

    def best(variant: str, step: str, key: str) -> float:
        return min(r[key] for r in runs[variant][step])

    figures = {}
    paired = runs.get("paired", {}).get("paired", [])
    if paired:
        import statistics

        # the median over the paired processes of each one's medians and per-query ratio
        for kind in ("name", "initials", "id_tail", "broad_surname", "editor"):
            if f"{kind}_ratio" not in paired[0]:
                continue
            figures[f"paired.{kind}"] = {
                "plain": round(statistics.median(r[f"{kind}_plain"] for r in paired), 2),
                "encrypted": round(statistics.median(r[f"{kind}_encrypted"] for r in paired), 2),
                "ratio": round(statistics.median(r[f"{kind}_ratio"] for r in paired), 2)}
    done = {step for step in runs["plain"] if step in runs["encrypted"]}
    for step, keys in (("search", ("name", "initials", "id_tail", "broad_surname",
                                   "name_cpu", "initials_cpu", "id_tail_cpu",
                                   "broad_surname_cpu")),
                       ("editor", ("median_ms",)), ("recalc", ("seconds", "cpu_s")),
                       ("build", ("seconds", "cpu_s")), ("backup", ("seconds", "cpu_s")),
                       ("verify", ("seconds",))):
        if step not in done:
            continue
        for key in keys:
            if any(key not in r for v in (runs["plain"], runs["encrypted"]) for r in v[step]):
                continue  # a log of a run before the figure was measured
            p, e = best("plain", step, key), best("encrypted", step, key)
            figures[f"{step}.{key}"] = {"plain": p, "encrypted": e,
                                        "ratio": round(e / p, 2) if p else None}
    results = {"date": dt.datetime.now().isoformat(timespec="seconds"), "machine": machine(),
               "prepare": prep, "figures": figures, "runs": runs, "loadavg": loads,
               "note": args.note, "rounds": args.rounds or max((len(r.get("editor", ())) for r in runs.values()), default=0),
               "search_runs": len(runs["plain"].get("search", ()))}
    RESULTS_JSON.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    write_md(results)
    return 0


LABELS = {
    "paired.name": "search by name substring, both files in one process in turn (ms)",
    "paired.initials": "search by pinyin initials, both files in one process in turn (ms)",
    "paired.id_tail": "search by ID tail, both files in one process in turn (ms)",
    "paired.broad_surname": "one-character surname, first page, both files in turn (ms)",
    "paired.editor": "open a household in the editor, both files in turn (ms)",
    "search.name": "search by name substring (median of 20, ms)",
    "search.initials": "search by pinyin initials (median of 20, ms)",
    "search.id_tail": "search by ID tail (median of 20, ms)",
    "search.broad_surname": "one-character surname, first page (median of 20, ms)",
    "search.name_cpu": "search by name substring (CPU ms per query, mean of 20)",
    "search.initials_cpu": "search by pinyin initials (CPU ms per query, mean of 20)",
    "search.id_tail_cpu": "search by ID tail (CPU ms per query, mean of 20)",
    "search.broad_surname_cpu": "one-character surname, first page (CPU ms per query)",
    "editor.median_ms": "open a household in the editor (median of 20, ms)",
    "recalc.seconds": "recalculate November for the whole city (wall s)",
    "recalc.cpu_s": "recalculate November for the whole city (CPU s)",
    "build.seconds": "build the city's November dibao roster (wall s)",
    "build.cpu_s": "build the city's November dibao roster (CPU s)",
    "backup.seconds": "daily backup: byte copy hashed on the way, quick_check, counts, "
                      "manifest (wall s)",
    "backup.cpu_s": "daily backup, CPU seconds of its process (s)",
    "verify.seconds": "db verify: walk the audit chain (s)",
}


def _load_note(loads: list[str]) -> str:
    ones = []
    for text in loads:
        try:
            ones.append(float(text.strip("[]").split(",")[0].strip(" '")))
        except ValueError:
            pass
    if not ones:
        return "The machine is shared with other sessions."
    return (f"The machine is shared with other sessions: 1-minute load average "
            f"{min(ones):.1f}–{max(ones):.1f} on {os.cpu_count()} cores while measuring.")


def write_md(results: dict) -> None:
    m = results["machine"]
    prep = results["prepare"]
    lines = [MD_START, "## Encryption at rest (issue 19): plain vs SQLCipher, same run", "",
             f"{results['date']}, {m['nproc']} cores ({m['cpu']}), {m['memory_gb']} GB, "
             f"Python {m['python']}. {results.get('note') or _load_note(results['loadavg'])} "
             f"Each figure is the best of up to {results['rounds']} round(s) (the search's of "
             f"{results.get('search_runs', results['rounds'])} processes each), plain and "
             "encrypted alternating; the ratio is what this run shows, the absolute times are not this "
             "machine's idle figures (see the registry, entitlement and rosters sections).", "",
             "The rows \"both files in turn\" come from "
             f"{len(results['runs'].get('paired', {}).get('paired', []))} processes that each "
             "open both files and run every query (or open every household) on one file then "
             "the other, the order alternating, so both see the same moment of a machine whose "
             "speed drifts by half from one process to the next; each figure is the median over "
             "those processes of a process's median, the ratio the median of the per-query "
             "ratios. The other search and editor rows are the best of separate processes, one "
             "file each.", ""]
    if prep.get("encrypt_s") is not None:
        lines += [f"City database {prep['mb']} MB; converting it in place "
                  f"(sqlcipher_export, fingerprint of every table, key slots, rename): "
                  f"{prep['encrypt_s']} s.", ""]
    if prep.get("reencrypt_s"):
        cpu = prep.get("reencrypt_cpu_s")   # a number, or why it was not measured
        cpu = f" ({cpu} CPU s)." if isinstance(cpu, (int, float)) else f"; CPU seconds {cpu}."
        lines += [f"The reused encrypted copy was in an older page format and was "
                  f"re-encrypted in the format of new files (`reencrypt_database`): "
                  f"{prep['reencrypt_s']} s{cpu}", ""]
    from assistcase.db import ENCRYPTED_CACHE_KIB
    from assistcase.security.cipher import NEW_FORMAT

    lines += [f"Encrypted pages: AES-256, {NEW_FORMAT.hmac.replace('_', '-')}, "
              f"{NEW_FORMAT.page_size}-byte pages (the plain file: 4096), SQLite's page cache "
              f"{ENCRYPTED_CACHE_KIB // 1024} MiB for the encrypted file (plain: 64 MiB, the OS "
              "cache keeps its pages); CPU figures are the step's own process "
              "(`time.process_time`).", ""]
    lines += ["| step | plain | encrypted | ratio | target |", "|---|---|---|---|---|"]
    for key, f in results["figures"].items():
        target = (f"≤ {BACKUP_TARGET_S:.0f} s" if key.startswith("backup.") else
                  "—" if key == "verify.seconds" else f"≤ {TARGET_RATIO}×")
        lines.append(f"| {LABELS.get(key, key)} | {f['plain']} | {f['encrypted']} | "
                     f"{f['ratio']}× | {target} |")
    lines += ["", "Run: `.venv/bin/python benchmarks/bench_encryption.py`.", MD_END]
    replace_section(MD_START, MD_END, "\n".join(lines))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "benchmarks"))
    raise SystemExit(main())
