#!/usr/bin/env python3
"""Runs a test command (`swift test`) and stops it when it has printed nothing for a while.

    scripts/test-watchdog.py swift test

The command's output is passed through line by line. When no line has come for TEST_WATCHDOG_SECONDS
(default 600; the whole suite takes a few minutes, and its longest test about a minute), the tests that
started and did not end are printed, the command's process group is stopped (SIGTERM, then SIGKILL),
and the watchdog exits 124. A suite that waits without end then fails in minutes and says where,
instead of holding CI until its time runs out (once, three tests of the suite waited so, idle).
Otherwise the command's own exit status is returned.
"""

import collections
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time

# A test's start and end as Swift Testing prints them (a test case's start is not a test's).
STARTED = re.compile(r"^◇ Test (?!case passing |run started)(.+?) started\.$")
COLOUR = re.compile(r"\x1b\[[0-9;]*m")
ENDED = re.compile(r"^[✔✘↳➜⚠︎ ]*Test (.+?) (?:with \d+ test cases? )?(?:passed|failed|skipped)\b")


def main() -> int:
    if len(sys.argv) < 2:
        print("usage: test-watchdog.py COMMAND [ARGUMENT...]", file=sys.stderr)
        return 2
    setting = os.environ.get("TEST_WATCHDOG_SECONDS", "600")
    try:
        silence = float(setting)
    except ValueError:
        silence = float("nan")
    if not 1 <= silence <= 86_400:  # false for NaN too
        print(f"test-watchdog: TEST_WATCHDOG_SECONDS must be a number of seconds from 1 to 86400, not {setting!r}",
              file=sys.stderr)
        return 2
    # Line by line into the pipe (`stdbuf`: the test binary's C output buffers), as into a terminal:
    # block-buffered, a suite's lines came at its end, and a wait's in-flight tests would be stale.
    line_buffered = ["stdbuf", "-oL", "-eL"] if shutil.which("stdbuf") else []
    command = subprocess.Popen(
        line_buffered + sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    # The command runs in a session of its own, out of reach of the terminal's Ctrl-C: pass it on.
    def stop_and_exit(received: int, _frame: object) -> None:
        stop(command)
        sys.exit(128 + received)

    for forwarded in (signal.SIGINT, signal.SIGTERM):
        signal.signal(forwarded, stop_and_exit)
    in_flight: collections.Counter[str] = collections.Counter()
    pending = b""
    last_output = time.monotonic()
    stream = command.stdout
    assert stream is not None
    while True:
        ready, _, _ = select.select([stream], [], [], 5)
        if ready:
            chunk = os.read(stream.fileno(), 65536)
            if not chunk:
                break
            last_output = time.monotonic()
            sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for raw in lines:
                line = COLOUR.sub("", raw.decode("utf-8", "replace").rstrip("\r"))
                if started := STARTED.match(line):
                    in_flight[started.group(1)] += 1
                elif (ended := ENDED.match(line)) and in_flight[ended.group(1)] > 0:
                    in_flight[ended.group(1)] -= 1
        elif time.monotonic() - last_output > silence:
            waiting = sorted(name for name, count in in_flight.items() if count > 0)
            print(f"\ntest-watchdog: no output for {silence:.0f} s; stopping the tests. Started and not ended:",
                  file=sys.stderr)
            for name in waiting or ["(none: the wait is outside any test)"]:
                print(f"  {name}", file=sys.stderr)
            stop(command)
            return 124
    return command.wait()


def stop(command: subprocess.Popen) -> None:
    """Stops the command and everything it started (its process group)."""
    for sent, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(command.pid, sent)
        except ProcessLookupError:
            return
        try:
            command.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            pass


if __name__ == "__main__":
    sys.exit(main())
