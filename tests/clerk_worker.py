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


def serve() -> None:
    for line in sys.stdin:
        args = json.loads(line)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(args)
            except BaseException as exc:  # a crash is an answer too (the test fails on it)
                print(f"crash: {type(exc).__name__}: {exc}", file=sys.stderr)
                code = 99
        print(json.dumps({"code": code, "out": out.getvalue(), "err": err.getvalue()}),
              flush=True)


if __name__ == "__main__":
    serve()
