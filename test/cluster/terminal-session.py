#!/usr/bin/env python3
"""Drives an interactive shell through a real pseudo-terminal, as a person at a terminal would.

usage: terminal-session.py PROGRAM [ARGUMENT...]   (e.g. kubectl exec -it POD -- bash)

Runs the program (an argument list, no shell) on a new pty of 33x101, then types:
  stty size           -> the shell must see 33 101
  (resize to 40x120)  -> SIGWINCH, as a terminal window does
  stty size           -> the shell must see 40 120
  sleep 30, Ctrl-C    -> the foreground job must be interrupted (job control)
  echo after-interrupt
  exit
and prints everything the terminal showed. Used by cluster.integration.test.ts; the whole
session takes about 8 s unless Ctrl-C fails to reach the job.
"""
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time

# How long to let output arrive after each step: exec round trips over loopback take ~100 ms.
STEP_SECONDS = 1.5


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    pid, terminal = pty.fork()
    if pid == 0:
        os.execvp(sys.argv[1], sys.argv[1:])

    output = bytearray()

    def resize(rows: int, columns: int) -> None:
        fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack('HHHH', rows, columns, 0, 0))
        os.kill(pid, signal.SIGWINCH)

    def read_for(seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ready, _, _ = select.select([terminal], [], [], 0.05)
            if ready:
                try:
                    output.extend(os.read(terminal, 65536))
                except OSError:  # the program ended and closed the terminal
                    return

    def type_text(text: bytes) -> None:
        os.write(terminal, text)
        read_for(STEP_SECONDS)

    resize(33, 101)
    read_for(2 * STEP_SECONDS)  # connection and prompt
    type_text(b'stty size\n')
    resize(40, 120)
    read_for(0.5)
    type_text(b'stty size\n')
    os.write(terminal, b'sleep 30\n')
    read_for(0.5)
    type_text(b'\x03')
    type_text(b'echo after-interrupt\n')
    type_text(b'exit\n')
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
    sys.stdout.write(output.decode(errors='replace'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
