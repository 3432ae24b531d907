"""A stand-in for a function's process: says it started, then runs until its stdin closes, as the local
stack's processes do; with `--die CODE` it exits with CODE at once, as a process failing at start-up would."""

import sys

if __name__ == "__main__":
    print("toy function started", flush=True)
    if sys.argv[1:2] == ["--die"]:
        raise SystemExit(int(sys.argv[2]))
    sys.stdin.read()
