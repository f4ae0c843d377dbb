#!/usr/bin/env python3
"""Lists the system calls each daemon makes after its setup, from strace
logs: the input of io/lp_priv.c's seccomp allow-lists.

    scripts/seccomp-trace.sh [pytest files...]   runs the tests under strace
    scripts/seccomp-trace.py DIR                 summarises DIR/<name>.<pid>

A daemon's setup ends at its first epoll wait; every call after it
(including in children, which the daemons do not have) is counted, with
the arguments that the allow-lists test (socket families, ioctl requests,
openat flags) kept apart."""
import collections
import os
import re
import sys

LINE = re.compile(r"^\d+\s+(?:<\.\.\. (\w+) resumed>|(\w+)\((.*))")
WAITS = ("epoll_wait", "epoll_pwait", "epoll_pwait2")


def detail(name, args):
    if name == "socket":
        return "socket(%s)" % args.split(",")[0]
    if name == "ioctl":
        parts = args.split(",")
        return "ioctl(%s)" % (parts[1].strip() if len(parts) > 1 else "?")
    if name == "openat":
        m = re.search(r"(O_[A-Z_|]+)", args)
        return "openat(%s)" % (m.group(1) if m else "?")
    if name in ("mmap", "mprotect"):
        return "%s(%s)" % (name, "EXEC" if "PROT_EXEC" in args else "noexec")
    return name


def main():
    d = sys.argv[1]
    per = collections.defaultdict(collections.Counter)
    runs = collections.Counter()
    for f in sorted(os.listdir(d)):
        name = f.split(".")[0]
        looping = False
        runs[name] += 1
        with open(os.path.join(d, f), errors="replace") as fh:
            for line in fh:
                m = LINE.match(line)
                if not m or m.group(1):
                    continue  # a resumed call was counted when it began
                call, args = m.group(2), m.group(3)
                if not looping:
                    looping = call in WAITS
                if looping:
                    per[name][detail(call, args)] += 1
    for name in sorted(per):
        print("== %s (%d runs): calls after the first epoll wait" %
              (name, runs[name]))
        for call, n in sorted(per[name].items()):
            print("  %-40s %d" % (call, n))


if __name__ == "__main__":
    main()
