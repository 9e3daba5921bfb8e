"""Loaded by a door's interpreter (its directory is put first on PYTHONPATH): at exit, writes the
process's own peak resident memory (VmHWM, in KiB) to the file PROVING_GROUND_PEAK_FILE names.

The kernel's figure for a child (`ru_maxrss`) counts its parent's memory at the fork, so a test
process that grew would make every door look as large; VmHWM counts this process alone.
"""

import atexit
import os


def _report() -> None:
    target = os.environ.get("PROVING_GROUND_PEAK_FILE")
    if not target:
        return
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                with open(target, "w", encoding="ascii") as out:
                    out.write(line.split()[1])
                return


atexit.register(_report)
