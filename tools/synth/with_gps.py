#!/usr/bin/env python3
"""A copy of a JPEG with a GPS position (and a capture date) written into its EXIF.

For revisit tests and demonstrations: real photos of one surface (CFD's 004 and 008 show
one crack from two sides) placed where an inspector's GPS might put them, metres apart.
Any EXIF the photo had is replaced; the compressed picture is copied byte for byte.

    python3 tools/synth/with_gps.py IN.jpg OUT.jpg --lat 46.948 --lon 7.4474 --date 2026-06-01 \\
        [--east-m 2.5 --north-m -1.0]
"""
import argparse
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from make_fixtures import ASCII, BYTE, RATIONAL, app1_exif, tiff  # noqa: E402

EARTH_R = 6_371_008.8


def dms(value):
    value = abs(value)
    d = int(value)
    minutes = int((value - d) * 60)
    seconds = (value - d - minutes / 60) * 3600
    return [(d, 1), (minutes, 1), (int(round(seconds * 1_000_000)), 1_000_000)]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source")
    p.add_argument("out")
    p.add_argument("--lat", type=float, required=True)
    p.add_argument("--lon", type=float, required=True)
    p.add_argument("--east-m", type=float, default=0.0, help="offset east of --lat/--lon, metres")
    p.add_argument("--north-m", type=float, default=0.0, help="offset north of --lat/--lon, metres")
    p.add_argument("--date", required=True, help="YYYY-MM-DD")
    args = p.parse_args()
    data = Path(args.source).read_bytes()
    if data[:2] != b"\xff\xd8":
        sys.exit(f"{args.source}: not a JPEG")
    # Drop the APP1 segments (EXIF, XMP) the photo had; keep everything else as it is.
    body, i = bytearray(), 2
    while i + 4 <= len(data) and data[i] == 0xFF and data[i + 1] != 0xDA:
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if data[i + 1] != 0xE1:
            body += data[i:i + 2 + length]
        i += 2 + length
    body += data[i:]
    lat = args.lat + math.degrees(args.north_m / EARTH_R)
    lon = args.lon + math.degrees(args.east_m / (EARTH_R * math.cos(math.radians(args.lat))))
    stamp = args.date.replace("-", ":")
    gps = [(0x0000, BYTE, [2, 3, 0, 0]), (0x0001, ASCII, "N" if lat >= 0 else "S"), (0x0002, RATIONAL, dms(lat)),
           (0x0003, ASCII, "E" if lon >= 0 else "W"), (0x0004, RATIONAL, dms(lon)),
           (0x001D, ASCII, stamp)]
    exif = [(0x9003, ASCII, stamp + " 10:00:00")]
    ifd0 = [(0x010F, ASCII, "crackmon"), (0x0110, ASCII, "with_gps.py")]
    Path(args.out).write_bytes(data[:2] + app1_exif(tiff(ifd0, exif, gps)) + bytes(body))


if __name__ == "__main__":
    main()
