"""Peak memory of a child process, measured by the child: Linux's VmHWM of its own address space.

Not getrusage's ru_maxrss: that keeps the high-water mark across fork and exec, so a child started by a large
test process reports the parent's size (a 146 MB render read as 353 MB after other tests had run), and the
growth of a small child is hidden by it."""
from __future__ import annotations

PEAK_MB = '''
def peak_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
'''
