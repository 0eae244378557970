"""A clerk's process for the concurrency tests: reads one JSON list of command-line arguments
per line from stdin, runs ``assistcase`` (cli.main) with them, and answers one JSON line with
the exit code and what it printed. Started once, driven many times (process start-up is not
what is tested)."""

from __future__ import annotations

import contextlib
import io
import json
import sys

from assistcase.cli import main


PASSWORD = "test-password"   # the test users' (tests/conftest.py)


def serve() -> None:
    protocol = sys.stdin
    for line in protocol:
        args = json.loads(line)
        out, err = io.StringIO(), io.StringIO()
        # the command signs in (issue 13) and reads its password from standard input: give it
        # the test users' password, not the next line of the protocol
        sys.stdin = io.StringIO(PASSWORD + "\n")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(args)
            except BaseException as exc:  # a crash is an answer too (the test fails on it)
                print(f"crash: {type(exc).__name__}: {exc}", file=sys.stderr)
                code = 99
        sys.stdin = protocol
        print(json.dumps({"code": code, "out": out.getvalue(), "err": err.getvalue()}),
              flush=True)


if __name__ == "__main__":
    serve()
