"""Stand-ins for broken endpoints: `silent` accepts and never answers; `garbage` answers
anything with bytes that are not Redis protocol."""
import socket
import sys
import threading

mode, port = sys.argv[1], int(sys.argv[2])
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port))
server.listen(64)
held = []


def handle(conn):
    try:
        while conn.recv(4096):
            if mode == "garbage":
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
    except OSError:
        pass


while True:
    conn, _ = server.accept()
    held.append(conn)
    if mode == "garbage":
        threading.Thread(target=handle, args=(conn,), daemon=True).start()
