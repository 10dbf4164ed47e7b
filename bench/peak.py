"""Run a command and print, as JSON, its stdout and its own peak resident memory (MB)."""
import json
import os
import subprocess
import sys

child = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE)
out = child.stdout.read()
_, status, usage = os.wait4(child.pid, 0)
if os.waitstatus_to_exitcode(status):
    sys.exit(os.waitstatus_to_exitcode(status))
print(json.dumps({"stdout": out.decode(), "peak_rss_mb": usage.ru_maxrss / 1024}))
