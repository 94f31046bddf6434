"""Stand-ins for endpoints that are not Redis, on loopback:

  silent PORT   accepts TCP connections and never answers
  garbage PORT  answers anything with bytes that are not Redis protocol
  dns PORT [NAME=ADDR,ADDR…]…
                a UDP DNS server for the zone lab.test: every name is 127.0.0.1, except
                nx.lab.test (NXDOMAIN) and slow.lab.test (never answered); other zones NXDOMAIN.
                Each NAME=ADDR,… given (in any zone) answers A and AAAA with those addresses
                instead.
"""
import socket
import struct
import sys
import threading

mode, port = sys.argv[1], int(sys.argv[2])
fixed = {}
for arg in sys.argv[3:]:
    name, _, addrs = arg.partition("=")
    fixed[name.lower()] = addrs.split(",")


def serve_tcp():
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(64)
    held = []
    while True:
        conn, _ = server.accept()
        held.append(conn)
        if mode == "garbage":
            threading.Thread(target=babble, args=(conn,), daemon=True).start()


def babble(conn):
    try:
        while conn.recv(4096):
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
    except OSError:
        pass


def question_name(packet):
    labels, i = [], 12
    while packet[i]:
        n = packet[i]
        labels.append(packet[i + 1:i + 1 + n].decode("ascii", "replace").lower())
        i += n + 1
    return ".".join(labels), i + 5  # end of QNAME + QTYPE + QCLASS


def serve_dns():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", port))
    while True:
        packet, peer = sock.recvfrom(512)
        try:
            name, end = question_name(packet)
        except IndexError:
            continue
        qtype = struct.unpack("!H", packet[end - 4:end - 2])[0]
        if name == "slow.lab.test":
            continue
        exists = (name.endswith(".lab.test") and name != "nx.lab.test") or name in fixed
        records = []
        if name in fixed:
            family = {1: socket.AF_INET, 28: socket.AF_INET6}.get(qtype)
            for addr in fixed[name]:
                if family == (socket.AF_INET6 if ":" in addr else socket.AF_INET):
                    records.append((qtype, socket.inet_pton(family, addr)))
        elif exists and qtype == 1:
            records.append((1, socket.inet_aton("127.0.0.1")))
        answers = b"".join(
            struct.pack("!HHHIH", 0xC00C, rtype, 1, 60, len(data)) + data for rtype, data in records
        )
        flags = 0x8180 if exists else 0x8183
        header = packet[:2] + struct.pack("!HHHHH", flags, 1, len(records), 0, 0)
        sock.sendto(header + packet[12:end] + answers, peer)


serve_dns() if mode == "dns" else serve_tcp()
