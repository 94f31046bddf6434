"""A server that speaks RESP badly on purpose, for the hostile-server tests, on loopback.

  hostile_server.py MODE PORT      (PORT 0: any free port, printed as "PORT n" on stdout)

Modes:
  garbage        answers every command with bytes that are not RESP
  endless-bulk   answers with a 1 GB bulk string header, then bytes until the client leaves
  huge-array     answers with `*100000000`, then elements until the client leaves
  deep           answers with arrays nested 100,000 deep
  flood          answers the first command with +PONG, then sends PONGs nobody asked for, forever
  endless-line   answers with a simple string that never ends
  big-info       a Redis without a password whose INFO is 20 MB
  wide-info      a Redis without a password whose INFO is just under the 1 MiB reply bound:
                 70,000 short fields in one `# Stats` section, then a 2 KB value
  drip           answers +PONG one byte per second
  error-close    writes -ERR max number of clients reached and closes, as Redis at maxclients
  loading        answers every command with -LOADING, as Redis loading its dataset
  nil            answers every command with a nil ($-1; *-1 to HELLO)
  srandmember    a Redis whose SRANDMEMBER gloo.mesh.key.set 20 answers 200,000 members
  srandmember-5000  the same with 5,000 members (under the element bound, over the sample)
  valkey9        answers HELLO and INFO as Valkey 9 does (redis_version frozen at 7.2.4)
  redis5         answers as Redis 5 does: no HELLO, no ACL users, password `hunter2-redis5`
  accept-close   accepts the connection and closes it at once, sending nothing
  reset          answers PING, then resets (RST) the connection in the middle of the next reply
  silent-reads   answers PING, AUTH and HELLO, then never answers again (INFO, ROLE, … hang)
  silent-pings   a Redis without a password that answers everything but stops answering the
                 latency PINGs after the first three
  resp3-map      answers HELLO 2 with a RESP3 map (`%`) as if asked for protocol 3
  moved          answers every read with -MOVED, as a cluster node holding other slots
  errors         a Redis without a password that answers SUNION, MULTI and EXISTS with errors

Every mode also answers `HOSTILE-STATS` with the number of TYPE commands it received.
"""
import socket
import struct
import sys
import threading
import time

mode, port = sys.argv[1], int(sys.argv[2])
stats = {"type": 0}
lock = threading.Lock()

REDIS5_PASSWORD = b"hunter2-redis5"


def bulk(b):
    return b"$%d\r\n%s\r\n" % (len(b), b)


def array(items):
    return b"*%d\r\n" % len(items) + b"".join(items)


def info_body(extra=b""):
    lines = [
        b"# Server",
        b"redis_version:7.2.4",
        b"redis_mode:standalone",
        b"run_id:" + b"%040x" % (hash(mode) & (16**40 - 1)),
        b"# Replication",
        b"role:master",
        b"connected_slaves:0",
        b"# Memory",
        b"used_memory:1000000",
        b"maxmemory:0",
        b"maxmemory_policy:noeviction",
        b"# Cluster",
        b"cluster_enabled:0",
    ]
    return b"\r\n".join(lines) + b"\r\n" + extra


def read_command(f):
    """One command: a RESP array of bulk strings, or an inline line. None at EOF."""
    line = f.readline()
    if not line:
        return None
    if not line.startswith(b"*"):
        return line.strip().split()
    args = []
    for _ in range(int(line[1:])):
        n = int(f.readline()[1:])
        args.append(f.read(n + 2)[:-2])
    return args


def ordinary(args, state):
    """A well-behaved Redis without a password, as far as the preflight asks."""
    cmd = args[0].upper() if args else b""
    if cmd == b"PING":
        return b"+PONG\r\n"
    if cmd == b"HELLO":
        return array([bulk(b"server"), bulk(b"redis"), bulk(b"version"), bulk(b"7.2.4"),
                      bulk(b"proto"), b":2\r\n", bulk(b"mode"), bulk(b"standalone"),
                      bulk(b"role"), bulk(b"master")])
    if cmd == b"INFO":
        return bulk(info_body())
    if cmd == b"ROLE":
        return array([bulk(b"master"), b":0\r\n", b"*0\r\n"])
    if cmd == b"CONFIG" and len(args) >= 3:
        values = {b"maxmemory-policy": b"noeviction", b"timeout": b"0", b"maxclients": b"10000",
                  b"min-replicas-to-write": b"0"}
        return array([bulk(args[2]), bulk(values.get(args[2].lower(), b""))])
    if cmd == b"TYPE":
        with lock:
            stats["type"] += 1
        return b"+set\r\n" if args[1] == b"gloo.mesh.key.set" else b"+hash\r\n"
    if cmd == b"SCARD":
        return b":200000\r\n"
    if cmd == b"AUTH":
        return b"-ERR AUTH <password> called without any password configured for the default user.\r\n"
    return b"-ERR unknown command '%s'\r\n" % cmd.lower()


def srandmember(count):
    def answer(args, state):
        if args and args[0].upper() == b"SRANDMEMBER":
            # Streamed without building the whole reply here.
            return iter_members(count)
        return ordinary(args, state)
    return answer


def iter_members(count):
    yield b"*%d\r\n" % count
    for i in range(count):
        yield bulk(b"cluster%d~ns~v1~Kind" % i)


def valkey9(args, state):
    cmd = args[0].upper() if args else b""
    if cmd == b"HELLO":
        return array([bulk(b"server"), bulk(b"valkey"), bulk(b"version"), bulk(b"9.0.0"),
                      bulk(b"proto"), b":2\r\n", bulk(b"mode"), bulk(b"standalone"),
                      bulk(b"role"), bulk(b"master")])
    if cmd == b"INFO":
        return bulk(info_body(b"server_name:valkey\r\nvalkey_version:9.0.0\r\n"))
    return ordinary(args, state)


def redis5(args, state):
    cmd = args[0].upper() if args else b""
    if cmd == b"AUTH":
        if len(args) != 2:
            return b"-ERR wrong number of arguments for 'auth' command\r\n"
        if args[1] == REDIS5_PASSWORD:
            state["auth"] = True
            return b"+OK\r\n"
        return b"-ERR invalid password\r\n"
    if not state.get("auth"):
        return b"-NOAUTH Authentication required.\r\n"
    if cmd == b"HELLO":
        return b"-ERR unknown command 'HELLO'\r\n"
    if cmd == b"INFO":
        return bulk(info_body().replace(b"redis_version:7.2.4", b"redis_version:5.0.14"))
    return ordinary(args, state)


def resp3_map(args, state):
    if args and args[0].upper() == b"HELLO":
        return (b"%4\r\n" + bulk(b"server") + bulk(b"redis") + bulk(b"version") + bulk(b"7.2.4")
                + bulk(b"proto") + b":3\r\n" + bulk(b"role") + bulk(b"master"))
    return ordinary(args, state)


def moved(args, state):
    cmd = args[0].upper() if args else b""
    if cmd in (b"PING", b"HELLO", b"AUTH"):
        return ordinary(args, state)
    return b"-MOVED 866 127.0.0.1:7000\r\n"


def errors(args, state):
    cmd = args[0].upper() if args else b""
    if cmd in (b"SUNION", b"MULTI", b"EXISTS", b"EXEC"):
        return b"-ERR this command is not served here\r\n"
    return ordinary(args, state)


def silent_pings(args, state):
    if args and args[0].upper() == b"PING":
        state["pings"] = state.get("pings", 0) + 1
        if state["pings"] > 3:
            return SILENT
    return ordinary(args, state)


SILENT = object()


def big_info(args, state):
    if args and args[0].upper() == b"INFO":
        body = info_body() + b"x" * (20 * 1024 * 1024)
        return bulk(body)
    return ordinary(args, state)


def wide_info(args, state):
    if args and args[0].upper() == b"INFO":
        fields = b"\r\n".join(b"f%05d:%d" % (i, i) for i in range(70000))
        body = info_body(b"# Stats\r\n" + fields + b"\r\nlong_value:" + b"v" * 2048)
        return bulk(body)
    return ordinary(args, state)


def endless(header, unit):
    def answer(args, state):
        def stream():
            yield header
            while True:
                yield unit
        return stream()
    return answer


HANDLERS = {
    "garbage": lambda args, state: b"\x00\xffHTTP/1.1 400 Bad Request\r\n\r\n",
    "wide-info": wide_info,
    "endless-bulk": endless(b"$1073741824\r\n", b"a" * 65536),
    "huge-array": endless(b"*100000000\r\n", b":1\r\n" * 16384),
    "deep": lambda args, state: b"*1\r\n" * 100000 + b":1\r\n",
    "flood": endless(b"+PONG\r\n", b"+PONG\r\n" * 8192),
    "endless-line": endless(b"+", b"a" * 65536),
    "big-info": big_info,
    "loading": lambda args, state: b"-LOADING Redis is loading the dataset in memory\r\n",
    "nil": lambda args, state: b"*-1\r\n" if args and args[0].upper() == b"HELLO" else b"$-1\r\n",
    "srandmember": srandmember(200000),
    "srandmember-5000": srandmember(5000),
    "valkey9": valkey9,
    "redis5": redis5,
    "resp3-map": resp3_map,
    "moved": moved,
    "errors": errors,
    "silent-pings": silent_pings,
}


def serve(conn):
    try:
        if mode == "error-close":
            conn.sendall(b"-ERR max number of clients reached\r\n")
            return
        if mode == "accept-close":
            return
        f = conn.makefile("rb")
        state = {}
        while True:
            args = read_command(f)
            if args is None:
                return
            if args and args[0].upper() == b"HOSTILE-STATS":
                with lock:
                    conn.sendall(b":%d\r\n" % stats["type"])
                continue
            if mode == "drip":
                for b in b"+PONG\r\n":
                    conn.sendall(bytes([b]))
                    time.sleep(1)
                continue
            cmd = args[0].upper() if args else b""
            if mode == "reset":
                if cmd == b"PING" and not state.get("pinged"):
                    state["pinged"] = True
                    conn.sendall(b"+PONG\r\n")
                    continue
                # Half a reply, then a reset (SO_LINGER 0 makes close send RST).
                conn.sendall(b"$100\r\nredis_ver")
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            if mode == "silent-reads":
                if cmd in (b"PING", b"AUTH", b"HELLO"):
                    conn.sendall(ordinary(args, state))
                    continue
                state["silent"] = True
            if state.get("silent"):
                continue
            answer = HANDLERS[mode](args, state)
            if answer is SILENT:
                state["silent"] = True
                continue
            if isinstance(answer, bytes):
                conn.sendall(answer)
            else:
                for chunk in answer:
                    conn.sendall(chunk)
    except (OSError, ValueError, IndexError):
        pass
    finally:
        conn.close()


def main():
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(64)
    print("PORT %d" % server.getsockname()[1], flush=True)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


main()
