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


def crc32c_many(buf: np.ndarray, offsets: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """CRC-32C of the byte ranges buf[offsets[i] : offsets[i] + lengths[i]], for all i at once."""
    n = len(offsets)
    out = np.zeros(n, dtype=np.uint32)
    if n == 0:
        return out
    long_idx = np.flatnonzero(lengths > _LONG_RECORD)
    for i in long_idx:
        start = int(offsets[i])
        out[i] = crc32c(buf[start : start + int(lengths[i])].tobytes())
    short = np.flatnonzero(lengths <= _LONG_RECORD)
    if len(short) == 0:
        return out
    order = short[np.argsort(-lengths[short], kind="stable")]
    offs = offsets[order].astype(np.int64)
    lens = lengths[order]
    crc = np.full(len(order), 0xFFFFFFFF, dtype=np.uint32)
    max_len = int(lens[0]) if len(lens) else 0
    # active[j] = number of records (sorted by length, descending) that have a byte at position j
    active = np.searchsorted(-lens, -np.arange(1, max_len + 1), side="right")
    table = TABLE
    ff = np.uint32(0xFF)
    eight = np.uint32(8)
    for j in range(max_len):
        k = int(active[j])
        if k == 0:
            break
        c = crc[:k]
        byte = buf[offs[:k] + j].astype(np.uint32)
        crc[:k] = table[(c ^ byte) & ff] ^ (c >> eight)
    out[order] = crc ^ np.uint32(0xFFFFFFFF)
    return out
