# The app of the keyboard tests: runs in an xterm, puts its tty in raw mode and appends every
# byte it reads to the file named by its first argument, at once (no buffering), so a test or
# benchmark sees exactly what the app read and when.
import os
import sys
import tty

out = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
tty.setraw(0)
while True:
    data = os.read(0, 4096)
    if not data:
        break
    os.write(out, data)
