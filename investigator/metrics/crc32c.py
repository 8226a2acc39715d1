"""CRC-32C (Castagnoli) as used by the TFRecord framing, vectorised over many records with numpy.

TensorBoard's own reader checks the CRC of every record in pure Python (one byte per loop
iteration), which is most of why large event files load slowly. Here the CRC of *all* records is
computed at once: records are sorted by length and the table step runs column by column over the
records that are still that long, so the Python loop runs once per byte position, not per byte.
"""

from __future__ import annotations

import numpy as np

_POLY = 0x82F63B78
_MASK_DELTA = 0xA282EAD8


def _make_table() -> np.ndarray:
    table = np.zeros(256, dtype=np.uint32)
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ _POLY if crc & 1 else crc >> 1
        table[i] = crc
    return table


TABLE = _make_table()
_TABLE_LIST = [int(x) for x in TABLE]

# Records longer than this are checked one at a time (few of them: graphs, images).
_LONG_RECORD = 4096


def crc32c(data: bytes) -> int:
    """Scalar CRC-32C of one buffer (used for long records and in tests)."""
    crc = 0xFFFFFFFF
    table = _TABLE_LIST
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def mask(crc: int | np.ndarray) -> int | np.ndarray:
    """TFRecord's masked CRC: rotate right by 15 bits and add a constant."""
    if isinstance(crc, np.ndarray):
        c = crc.astype(np.uint32)
        return (((c >> np.uint32(15)) | (c << np.uint32(17))) + np.uint32(_MASK_DELTA)).astype(np.uint32)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    return int(mask(crc32c(data)))


def _slicing_tables() -> np.ndarray:
    """Tables for slicing-by-8: T[k][b] is the CRC contribution of byte b followed by k zero bytes."""
    tables = np.zeros((8, 256), dtype=np.uint32)
    tables[0] = TABLE
    for k in range(1, 8):
        prev = tables[k - 1]
        tables[k] = (prev >> np.uint32(8)) ^ TABLE[prev & np.uint32(0xFF)]
    return tables


SLICE8 = _slicing_tables()


def crc32c_many(buf: np.ndarray, offsets: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """CRC-32C of the byte ranges buf[offsets[i] : offsets[i] + lengths[i]], for all i at once.

    Slicing-by-8: eight bytes per step, read with one gather through an unaligned 8-byte view; the
    remaining 0-7 bytes of each record one at a time. Each record's state is independent, so all
    records first run their whole 8-byte blocks, then their tails."""
    n = len(offsets)
    out = np.zeros(n, dtype=np.uint32)
    if n == 0:
        return out
    offsets = np.asarray(offsets, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    long_idx = np.flatnonzero(lengths > _LONG_RECORD)
    for i in long_idx:
        start = int(offsets[i])
        out[i] = crc32c(buf[start : start + int(lengths[i])].tobytes())
    short = np.flatnonzero(lengths <= _LONG_RECORD)
    if len(short) == 0:
        return out
    crc = np.full(len(short), 0xFFFFFFFF, dtype=np.uint32)
    offs = offsets[short]
    lens = lengths[short]
    blocks = lens // 8
    t = SLICE8
    ff, s8, s16, s24 = np.uint32(0xFF), np.uint32(8), np.uint32(16), np.uint32(24)
    if blocks.max() > 0 and len(buf) >= 8:
        words = np.ndarray(shape=(len(buf) - 7,), dtype="<u8", buffer=buf, strides=(1,))
        order = np.argsort(-blocks, kind="stable")
        sorted_blocks = blocks[order]
        active = np.searchsorted(-sorted_blocks, -np.arange(1, int(sorted_blocks[0]) + 1), side="right")
        c = crc[order]
        o = offs[order]
        for b in range(int(sorted_blocks[0])):
            k = int(active[b])
            word = words[o[:k] + 8 * b]
            x = c[:k] ^ (word & np.uint64(0xFFFFFFFF)).astype(np.uint32)
            hi = (word >> np.uint64(32)).astype(np.uint32)
            c[:k] = (
                t[7][x & ff]
                ^ t[6][(x >> s8) & ff]
                ^ t[5][(x >> s16) & ff]
                ^ t[4][x >> s24]
                ^ t[3][hi & ff]
                ^ t[2][(hi >> s8) & ff]
                ^ t[1][(hi >> s16) & ff]
                ^ t[0][hi >> s24]
            )
        crc[order] = c
    tail = lens % 8
    tail_start = offs + 8 * blocks
    for j in range(7):
        idx = np.flatnonzero(tail > j)
        if len(idx) == 0:
            break
        c = crc[idx]
        byte = buf[tail_start[idx] + j].astype(np.uint32)
        crc[idx] = TABLE[(c ^ byte) & ff] ^ (c >> s8)
    out[short] = crc ^ np.uint32(0xFFFFFFFF)
    return out
