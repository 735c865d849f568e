"""Free loopback ports for peers that cannot be told to bind port 0 and report it back."""

import socket


def free_port() -> int:
    # A race with another process taking the port between close and the peer's bind is
    # possible but rare on loopback; peers that can bind port 0 themselves should do so.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
