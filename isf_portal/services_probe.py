"""Is a TCP service answering? Used to pick the test database and broker before settings load."""

import socket


def reachable(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
