"""Reading a model file that may be hostile: every size it declares is checked first.

A ``.npz`` file is a zip archive of ``.npy`` members, each a short header (shape, dtype)
then the raw data. ``np.load`` trusts the header: it allocates the declared shape before
reading a byte of data, so a file of a few hundred bytes can ask for terabytes. Here each
member's header is read alone (``numpy.lib.format.read_magic`` and
``read_array_header_1_0/2_0``) and its declared size compared with the bytes the archive
really holds; the data are read only once the caller has checked the declared shape
against the model it expects. Nothing is unpickled.
"""

import json
import math
import os
import zipfile

import numpy as np
from numpy.lib import format as npy

CONFIG_KEY = "__config__"
#: Beyond this ratio of declared to stored bytes a member is a decompression bomb: deflate
#: cannot compress by more than about 1032 to 1, and ``save`` does not compress at all.
MAX_COMPRESSION_RATIO = 1100
#: The dtypes a parameter may have: the two floating dtypes the models train in.
PARAMETER_DTYPES = ("float32", "float64")
_HEADER_READERS = {(1, 0): npy.read_array_header_1_0, (2, 0): npy.read_array_header_2_0}
#: What goes wrong while reading a file that is not what it claims (a RecursionError from
#: deeply nested JSON, a MemoryError from a huge declared string, a bad zip, a bad header).
READ_ERRORS = (
    ValueError,
    TypeError,
    KeyError,
    OSError,
    EOFError,
    OverflowError,
    MemoryError,
    RecursionError,
    UnicodeError,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
)


class ModelFileError(ValueError):
    """A file ``load`` cannot turn into a model: not a model file, corrupted, or mismatched.

    A ValueError, so ``except ValueError`` still catches it; the command line catches this
    class alone, so that a ValueError from a bug is not mistaken for a bad file.
    """


class Member:
    """One ``.npy`` member of the archive: its name, declared shape and dtype, unread data."""

    def __init__(self, info, shape, dtype, offset):
        self.info, self.shape, self.dtype, self.offset = info, shape, dtype, offset
        self.name = info.filename[: -len(".npy")]


def _member(archive, info):
    """The Member for ``info``, after checking that its header fits the bytes stored."""
    if not info.filename.endswith(".npy"):
        raise ValueError(f"member {info.filename!r} is not a .npy array")
    if info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
        raise ValueError(
            f"member {info.filename!r} declares {info.file_size} bytes stored in "
            f"{info.compress_size}, more than any real compression gives"
        )
    with archive.open(info) as stream:
        reader = _HEADER_READERS.get(npy.read_magic(stream))
        if reader is None:
            raise ValueError(f"member {info.filename!r} has an unknown .npy format version")
        shape, fortran_order, dtype = reader(stream)
        offset = stream.tell()
    if dtype.hasobject:
        raise ValueError(f"member {info.filename!r} holds Python objects, not numbers")
    declared = math.prod(shape) * dtype.itemsize
    if declared != info.file_size - offset:
        raise ValueError(
            f"member {info.filename!r} declares shape {shape} of {dtype}, {declared} bytes, "
            f"but holds {info.file_size - offset}"
        )
    return Member(info, tuple(shape), dtype, offset)


def _read(archive, member):
    """The array of ``member``, its size already checked against the bytes stored."""
    with archive.open(member.info) as stream:
        return npy.read_array(stream, allow_pickle=False)


class ModelArchive:
    """An open model file: its JSON header read, its arrays' shapes known, their data not.

    Use as a context manager. Every failure while reading becomes a ModelFileError
    naming the file and what was expected; a missing file stays a FileNotFoundError.
    """

    expected = "an aelearn model file written by aelearn.io.save (a .npz archive)"

    def __init__(self, path):
        self.path = path
        if os.path.isdir(path):
            raise IsADirectoryError(f"{path} is a folder; expected {self.expected}")
        try:
            self._zip = zipfile.ZipFile(path)
        except FileNotFoundError:
            raise
        except READ_ERRORS as error:
            raise self.error(f"is not a readable archive ({error})") from None
        try:
            self.header, self.members = self._contents()
        except BaseException:
            self._zip.close()
            raise

    def error(self, problem):
        return ModelFileError(
            f"{self.path} {problem}; expected {self.expected}. The file may be truncated or "
            "corrupted: save the model again."
        )

    def _contents(self):
        infos = self._zip.infolist()
        if sum(info.compress_size for info in infos) > os.path.getsize(self.path):
            raise self.error("declares members larger than the file itself")
        try:
            members = {member.name: member for member in map(self._member, infos)}
        except READ_ERRORS as error:
            raise self.error(f"is corrupted ({error})") from None
        config = members.pop(CONFIG_KEY, None)
        if config is None:
            raise ModelFileError(
                f"{self.path} has no {CONFIG_KEY} entry describing the model; expected "
                f"{self.expected}. To load bare weights into a model you built, use "
                "load_weights(model, path)."
            )
        return self._header(config), members

    def _member(self, info):
        return _member(self._zip, info)

    def _header(self, member):
        describe = f"the {CONFIG_KEY} entry is not a valid model description"
        if member.shape != () or member.dtype.kind != "U":
            raise ModelFileError(
                f"{self.path}: {describe} (a {member.dtype} array of shape {member.shape}); "
                "expected one JSON string"
            )
        try:
            header = json.loads(str(_read(self._zip, member)))
        except READ_ERRORS as error:
            raise ModelFileError(
                f"{self.path}: {describe} ({type(error).__name__}: {error}); expected JSON "
                'with "format_version", "class" and "config"'
            ) from None
        if not isinstance(header, dict) or not {"format_version", "class", "config"} <= set(header):
            raise ModelFileError(
                f"{self.path}: {describe}; expected a JSON object with "
                '"format_version", "class" and "config"'
            )
        return header

    def read(self, name, like):
        """The array ``name``, after checking its declared shape and dtype against the
        Parameter ``like`` it is for, and its values for NaN and infinities."""
        member = self.members[name]
        if member.shape != like.shape or member.dtype.newbyteorder("=") != like.dtype:
            raise ModelFileError(
                f"{self.path}: parameter {name!r} is stored as {member.dtype} of shape "
                f"{member.shape}; the model it describes has {like.dtype} of shape {like.shape}"
            )
        try:
            array = _read(self._zip, member)
        except READ_ERRORS as error:
            raise self.error(f"has a corrupted array {name!r} ({error})") from None
        if not np.all(np.isfinite(array)):
            raise ModelFileError(
                f"{self.path}: parameter {name!r} holds NaN or infinite values; expected "
                "finite weights (was the model saved after its training diverged?)"
            )
        return array.astype(like.dtype, copy=False)

    def close(self):
        self._zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
