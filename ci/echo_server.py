"""A hostile Redis stand-in that echoes credentials: `python3 ci/echo_server.py PORT`.

It speaks just enough RESP for a session. PING before AUTH is refused (NOAUTH); AUTH is
accepted and its arguments are remembered; from then on every field the server supplies
carries them back — raw and in base64 — together with terminal escapes (clear the screen,
return to the line start, a fake verdict): HELLO fields and a HELLO key, INFO values and an
INFO field name, the ROLE reply, CONFIG GET values, NOPERM and unknown-command errors. A tool
that shows any of it has leaked a credential or let a server repaint the terminal.
"""
import base64
import socket
import sys
import threading

ESCAPES = "\x1b[2J\x1b[H\r\u2714 every check passed\x07\u202e\uffff"


def bulk(text):
    data = text.encode()
    return b"$%d\r\n%s\r\n" % (len(data), data)


def array(items):
    return b"*%d\r\n" % len(items) + b"".join(
        array(i) if isinstance(i, list) else bulk(str(i)) for i in items
    )


def error(text):
    return ("-" + text.replace("\r", " ").replace("\n", " ") + "\r\n").encode()


def read_command(f):
    line = f.readline()
    if not line:
        return None
    if not line.startswith(b"*"):
        return line.split()
    args = []
    for _ in range(int(line[1:])):
        size = int(f.readline()[1:])
        args.append(f.read(size + 2)[:-2])
    return args


def serve(conn):
    f = conn.makefile("rb")
    user, password = "", ""
    try:
        while True:
            args = read_command(f)
            if args is None:
                return
            if not args:
                continue
            name = args[0].decode(errors="replace").upper()
            rest = [a.decode(errors="replace") for a in args[1:]]
            creds = " ".join([user, password])
            b64 = " ".join(base64.b64encode(v.encode()).decode() for v in (user, password) if v)
            planted = f"{creds} {b64} {ESCAPES}"
            if name == "AUTH":
                password = rest[-1]
                user = rest[0] if len(rest) > 1 else ""
                reply = b"+OK\r\n"
            elif not password:
                reply = error("NOAUTH Authentication required.")
            elif name == "PING":
                reply = b"+PONG\r\n"
            elif name == "HELLO":
                reply = array([
                    "server", "redis", "version", f"7.2.4 {planted}", "proto", 2, "id", 7,
                    "mode", "standalone", "role", "master", password, planted, "modules", [],
                ])
            elif name == "INFO":
                text = "\r\n".join([
                    "# Server",
                    f"redis_version:7.2.4 {planted}",
                    "redis_mode:standalone",
                    f"run_id:{password}",
                    f"executable:{planted}",
                    "# Replication",
                    "role:master",
                    "connected_slaves:0",
                    "# Memory",
                    "maxmemory_policy:noeviction",
                    f"planted_{password}:{planted}",
                ]) + "\r\n"
                reply = bulk(text)
            elif name == "ROLE":
                reply = array(["master", 0, [[password, user, planted]]])
            elif name == "CONFIG" and len(rest) == 2 and rest[0].upper() == "GET":
                param = rest[1]
                if param == "maxmemory-policy":
                    reply = array([param, "noeviction"])
                elif param == "maxclients":
                    reply = error(
                        f"NOPERM User {user} has no permissions to run the 'config|get' command {planted}"
                    )
                else:
                    reply = array([param, f"0 {planted}"])
            else:
                shown = " ".join(f"'{a}'" for a in rest[:2])
                reply = error(
                    f"ERR unknown command '{name.lower()}', with args beginning with: {shown} {planted}"
                )
            conn.sendall(reply)
    except (OSError, ValueError):
        pass
    finally:
        conn.close()


def main():
    port = int(sys.argv[1])
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(64)
    print(f"listening on {port}", flush=True)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


main()
