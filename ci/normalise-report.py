"""A report with what varies from run to run blanked: times, durations, latency figures, the
servers' run IDs and memory figures, generated key names. Reads JSON (else text) on stdin,
writes the normalised form on stdout. Used by ci/compare-reports."""
import json
import re
import sys

VARYING = re.compile(
    r"(_ms|_usec.*|run_id|used_memory.*|connected_clients|started_at|samples|pings|latency.*|p50|p99|max|key)$"
)
NUMBER_UNIT = re.compile(r"\d+(\.\d+)? ?(ms|µs|us|s|MiB|KiB|B|samples)\b")
GENERATED = re.compile(r"redis-preflight:write-probe:[^\s\"]+|\b[0-9a-f]{8}\b")


def text(s):
    return NUMBER_UNIT.sub("T", GENERATED.sub("KEY", s))


def walk(v, key=""):
    if isinstance(v, dict):
        return {k: ("*" if VARYING.search(k) else walk(x, k)) for k, x in v.items()}
    if isinstance(v, list):
        return [walk(x, key) for x in v]
    if isinstance(v, str):
        return text(v)
    if isinstance(v, float) and key == "":
        return 0
    return v


raw = sys.stdin.read()
try:
    print(json.dumps(walk(json.loads(raw)), indent=1, sort_keys=True))
except ValueError:
    print(text(raw))
