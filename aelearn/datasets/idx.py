"""The IDX file format, in which MNIST is distributed: a short header, then raw big-endian data."""

import gzip
from pathlib import Path

import numpy as np

# The third byte of an IDX magic number names the element type; values are stored big-endian.
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path):
    """Read the IDX file ``path``, plain or gzip-compressed (told by its content, not by a
    ``.gz`` suffix): an array of the shape its header gives, in native byte order, e.g.
    ``(60000, 28, 28)`` uint8 for MNIST's training images.

    The header is a magic number ``0x00 0x00 <type code> <n_dims>`` followed by ``n_dims``
    big-endian uint32 sizes; the data follow, big-endian, in C order. Type codes: 0x08 uint8,
    0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64. A file that is not IDX,
    is truncated or has bytes left over after the data is a ValueError.
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise ValueError(f"{path}: corrupt or truncated gzip stream ({err})") from err
    if len(raw) < 4 or raw[:2] != b"\x00\x00":
        raise ValueError(
            f"{path}: not an IDX file; expected the magic number to start with bytes 00 00, "
            f"got {raw[:4].hex(' ') or 'an empty file'}"
        )
    code, n_dims = raw[2], raw[3]
    if code not in _IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in _IDX_DTYPES)
        raise ValueError(f"{path}: unknown IDX type code 0x{code:02X}; expected one of {known}")
    header_size = 4 + 4 * n_dims
    if len(raw) < header_size:
        raise ValueError(
            f"{path}: truncated header; {n_dims} dimensions need {header_size} bytes, "
            f"file has {len(raw)}"
        )
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">u4", count=n_dims, offset=4))
    dtype = _IDX_DTYPES[code]
    expected = header_size + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        problem = "truncated" if len(raw) < expected else "has trailing bytes"
        raise ValueError(
            f"{path}: {problem}; header says shape {shape} of {dtype.name}, "
            f"so {expected} bytes expected, file has {len(raw)}"
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header_size).reshape(shape)
    return data.astype(dtype.newbyteorder("="))
