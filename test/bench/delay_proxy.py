#!/usr/bin/python3
"""test/bench/delay_proxy.py — a TCP proxy on loopback that delays every chunk.

    /usr/bin/python3 delay_proxy.py LISTEN_PORT TARGET_PORT DELAY_MS

Listens on 127.0.0.1:LISTEN_PORT and forwards each connection to
127.0.0.1:TARGET_PORT.  Every chunk read from either side is written to the
other side DELAY_MS milliseconds after it arrived, in order, so a round trip
gains 2 x DELAY_MS: with DELAY_MS = 0.5, the 1 ms of a database across a
network (the kernel here has no netem for `tc qdisc ... delay`).  One thread
per direction reads, one writes at the due time (time.sleep has microsecond
resolution; an asyncio timer would round up to whole milliseconds).
Prints "listening" once ready; stops on SIGTERM.
"""
import queue
import signal
import socket
import sys
import threading
import time


def pump(src, dst, delay):
    """Copy src to dst, each chunk delay seconds after it was read."""
    pending = queue.Queue()

    def writer():
        while True:
            due, data = pending.get()
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if data is None:
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                return
            try:
                dst.sendall(data)
            except OSError:
                return

    threading.Thread(target=writer, daemon=True).start()
    while True:
        try:
            data = src.recv(65536)
        except OSError:
            data = b""
        pending.put((time.monotonic() + delay, data or None))
        if not data:
            return


def serve(client, target_port, delay):
    try:
        server = socket.create_connection(("127.0.0.1", target_port))
    except OSError:
        client.close()
        return
    for s in (client, server):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    threading.Thread(target=pump, args=(client, server, delay), daemon=True).start()
    threading.Thread(target=pump, args=(server, client, delay), daemon=True).start()


def main():
    listen_port, target_port, delay_ms = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", listen_port))
    listener.listen(64)
    print("listening", flush=True)
    while True:
        client, _ = listener.accept()
        serve(client, target_port, delay_ms / 1000.0)


if __name__ == "__main__":
    main()
