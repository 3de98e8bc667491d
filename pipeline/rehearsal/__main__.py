"""`python -m rehearsal serve`: start the embedded AWS, print how to use it, run until Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
import logging
import shlex
import signal
import threading

from .emulator import DEFAULT_ACCOUNTS, Emulator


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m rehearsal")
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--no-tls", action="store_true")
    for name, default in DEFAULT_ACCOUNTS.items():
        parser.add_argument(f"--{name}-account", default=default)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    accounts = {name: getattr(args, f"{name}_account") for name in DEFAULT_ACCOUNTS}
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with Emulator(accounts=accounts, port=args.port, tls=not args.no_tls) as aws:
        print(f"# embedded AWS on {aws.endpoint} (started in {aws.start_seconds:.1f} s); accounts {accounts}")
        for key, value in aws.env().items():
            print(f"export {key}={shlex.quote(value)}")
        for name in accounts:
            print(f"# {name}: assume {aws.admin_role_arn(name)}")
        print("# ready", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()


if __name__ == "__main__":
    main()
