#!/usr/bin/env python3
"""Writes the binary seed inputs of fuzz_journal into corpus/journal/ (run from tests/fuzz/).

Odd first byte: a journal image ('K' of the magic is odd). Even first byte: a payload list for the
writer round trip, each payload `u16 length (little-endian) | bytes`.
"""
import os
import struct

def crc32c(data: bytes, crc: int = 0) -> int:
    crc ^= 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF

assert crc32c(b"123456789") == 0xE3069283

def header(config_hash: int) -> bytes:
    return b"KEELJNL\0" + struct.pack("<IIQQ", 1, 32, config_hash, 0)

def record(payload: bytes) -> bytes:
    length = struct.pack("<I", len(payload))
    return length + struct.pack("<I", crc32c(payload, crc32c(length))) + payload

def event_header(ts_exchange: int, ts_local: int, instrument: int, kind: int, flags: int = 0) -> bytes:
    return struct.pack("<qqIBBBB", ts_exchange, ts_local, instrument, kind, flags, 0, 0)

SCALE = 100_000_000
bar = event_header(1606780800000 * 10**6, 1606781100000 * 10**6, 0, 4, 1) + struct.pack(
    "<qqqqq", 76_027 * SCALE // 1000, 76_452 * SCALE // 1000, 757 * SCALE // 10, 76_015 * SCALE // 1000,
    934_161 * SCALE // 1000)
trade = event_header(1633998512068 * 10**6, 1633998512063356900, 1, 1) + struct.pack(
    "<Qqqq", 123456, 35130000, 6195 * SCALE, 1633998512068 * 10**6) + bytes([1]) + bytes(7)
factor = event_header(1633998512000 * 10**6, 1633998512000 * 10**6, 0, 5) + struct.pack("<Qd", 7, 0.0001)
config = b"[run]\nmode = \"backtest\"\n"
instrument = struct.pack("<Iqqq", 0, 1000000, 100000, 500000000) + b"BTCUSDT"
assert len(bar) == 64 and len(trade) == 64 and len(factor) == 40

run = header(0x1234_5678_9ABC_DEF0) + record(bytes([1]) + config) + record(bytes([2]) + instrument) + \
    record(bytes([3]) + bar) + record(bytes([3]) + trade) + record(bytes([3]) + factor)
seeds = {
    "scan_run_journal.bin": run,
    "scan_header_only.bin": header(0),
    "scan_torn_tail.bin": run[:-5],
    "scan_bad_crc.bin": run[:60] + bytes([run[60] ^ 0xFF]) + run[61:],
    "write_events.bin": bytes([0]) + b"".join(
        struct.pack("<H", len(p)) + p for p in (bytes([1]) + config, bytes([3]) + bar, bytes([3]) + trade)),
    "write_with_empty.bin": bytes([2]) + struct.pack("<H", 3) + b"abc" + struct.pack("<H", 0) +
        struct.pack("<H", 1) + b"z",
}
os.makedirs("corpus/journal", exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join("corpus/journal", name), "wb") as f:
        f.write(data)
