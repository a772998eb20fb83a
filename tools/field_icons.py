"""Draw the field app's icons (static/field/icon-192.png and icon-512.png).

Run once when the design changes: `python tools/field_icons.py`. Plain Python
(zlib), no image library: a house in white on the app's green, its door in the
green, inside the middle of the square so a round mask does not cut it.
"""

import struct
import zlib
from pathlib import Path

GREEN = (0x0B, 0x6E, 0x4F)
WHITE = (0xFF, 0xFF, 0xFF)
OUT = Path(__file__).resolve().parent.parent / "static" / "field"


def colour_at(x, y):
    """The colour at (x, y) of a 1 x 1 square."""
    roof = 0.22 <= y <= 0.47 and abs(x - 0.5) <= (y - 0.22) * 1.2
    walls = 0.47 <= y <= 0.78 and 0.28 <= x <= 0.72
    door = 0.58 <= y <= 0.78 and 0.44 <= x <= 0.56
    return WHITE if (roof or walls) and not door else GREEN


def png(size):
    rows = b"".join(
        b"\x00"
        + bytes(
            channel
            for x in range(size)
            for channel in colour_at((x + 0.5) / size, (y + 0.5) / size)
        )
        for y in range(size)
    )

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        (OUT / f"icon-{size}.png").write_bytes(png(size))
