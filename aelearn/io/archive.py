"""Reading a model file that may be hostile: every size it declares is checked first.

A ``.npz`` file is a zip archive of ``.npy`` members, each a short header (shape, dtype)
then the raw data. ``np.load`` trusts the header: it allocates the declared shape before
reading a byte of data, so a file of a few hundred bytes can ask for terabytes. Here each
member's header is read alone (``numpy.lib.format``) and its declared size compared with the
bytes the archive really holds; the data are read only once the caller has checked the
declared shape against the model it expects. Nothing is unpickled.
"""

import json
import math
import os
import zipfile
from collections import namedtuple

import numpy as np
from numpy.lib import format as npy

import aelearn

#: The format this aelearn writes and reads.
FORMAT_VERSION = 1
CONFIG_KEY = "__config__"
#: Beyond this ratio of declared to stored bytes a member is a decompression bomb: deflate
#: cannot compress by more than about 1032 to 1, and ``save`` does not compress at all.
MAX_COMPRESSION_RATIO = 1100
_HEADER_READERS = {(1, 0): npy.read_array_header_1_0, (2, 0): npy.read_array_header_2_0}
#: What reading a file that is not what it claims raises (a RecursionError from deeply
#: nested JSON, a MemoryError from a huge declared string, a bad zip, a bad header...).
READ_ERRORS = (
    ValueError, TypeError, KeyError, OSError, EOFError, OverflowError, MemoryError,
    RecursionError, UnicodeError, zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError,
)  # fmt: skip
_HEADER_KEYS = '"format_version", "class" and "config"'

#: One ``.npy`` member of the archive: its zip entry, its declared shape and dtype.
Member = namedtuple("Member", "info shape dtype")


class ModelFileError(ValueError):
    """A file ``load`` cannot turn into a model: not a model file, corrupted, or mismatched.
    The command line catches this class alone, so that a ValueError from a bug is not
    mistaken for a bad file."""


class ModelArchive:
    """An open model file (a context manager): its JSON header read and checked, its arrays'
    shapes known, their data not. Every failure while reading is a ModelFileError naming the
    file; a missing file stays a FileNotFoundError, an unreadable one a PermissionError.
    A ``bare`` file of weights alone (``np.savez(path, **model.state_dict())``) is accepted,
    with a header of None."""

    expected = "an aelearn model file written by aelearn.io.save (a .npz archive)"

    def __init__(self, path, bare=False):
        self.path = path
        if os.path.isdir(path):
            raise IsADirectoryError(f"{path} is a folder; expected {self.expected}")
        if not os.path.exists(path):
            raise FileNotFoundError(f"{path} does not exist; expected {self.expected}")
        if not os.access(path, os.R_OK):  # not damage: say so, rather than "not an archive"
            raise PermissionError(f"{path} cannot be read: permission denied")
        try:
            self._zip = zipfile.ZipFile(path)
        except READ_ERRORS as error:
            raise self.error(f"is not a readable archive ({error})") from None
        try:
            self.members = self._members()
            config = self.members.pop(CONFIG_KEY, None)
            self.header = None if config is None and bare else self._header(config)
        except BaseException:
            self._zip.close()
            raise

    def error(self, problem):
        return ModelFileError(
            f"{self.path} {problem}; expected {self.expected}. The file may be truncated or "
            "corrupted: save the model again."
        )

    def _members(self):
        """{name: Member} of every array, each header checked against the bytes stored."""
        infos = self._zip.infolist()
        if sum(info.compress_size for info in infos) > os.path.getsize(self.path):
            raise self.error("declares members larger than the file itself")
        try:
            return {info.filename[: -len(".npy")]: self._member(info) for info in infos}
        except READ_ERRORS as error:
            raise self.error(f"is corrupted ({error})") from None

    def _member(self, info):
        name = info.filename
        if not name.endswith(".npy"):
            raise ValueError(f"member {name!r} is not a .npy array")
        if info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise ValueError(
                f"member {name!r} declares {info.file_size} bytes stored in "
                f"{info.compress_size}, more than any real compression gives"
            )
        with self._zip.open(info) as stream:
            reader = _HEADER_READERS.get(npy.read_magic(stream))
            if reader is None:
                raise ValueError(f"member {name!r} has an unknown .npy format version")
            shape, _, dtype = reader(stream)
            declared, stored = math.prod(shape) * dtype.itemsize, info.file_size - stream.tell()
        if dtype.hasobject:
            raise ValueError(f"member {name!r} holds Python objects, not numbers")
        if declared != stored:
            raise ValueError(
                f"member {name!r} declares shape {shape} of {dtype}, {declared} bytes, but "
                f"holds {stored}"
            )
        return Member(info, tuple(shape), dtype)

    def _header(self, config):
        """The JSON header in the member ``config``, its keys and format version checked."""
        if config is None:
            raise ModelFileError(
                f"{self.path} has no {CONFIG_KEY} entry describing the model; expected "
                f"{self.expected}. To load bare weights into a model you built, use "
                "load_weights(model, path)."
            )
        invalid = f"{self.path}: the model description is not valid"
        try:
            if config.shape != () or config.dtype.kind != "U":
                raise TypeError(f"a {config.dtype} array of shape {config.shape}, not a string")
            header = json.loads(str(self._read(config)))
        except READ_ERRORS as error:
            raise ModelFileError(
                f"{invalid} ({type(error).__name__}: {error}); expected JSON with {_HEADER_KEYS}"
            ) from None
        if not isinstance(header, dict) or not {"format_version", "class", "config"} <= set(header):
            raise ModelFileError(f"{invalid}; expected a JSON object with {_HEADER_KEYS}")
        version = header["format_version"]
        if type(version) is not int or version < 1:
            raise ModelFileError(f"{invalid}: format_version is {version!r}; expected 1 or more")
        if version > FORMAT_VERSION:
            raise ModelFileError(
                f"{self.path} has format_version {version!r}, written by aelearn "
                f"{header.get('aelearn_version', '?')}; this aelearn {aelearn.__version__} "
                f"reads format_version up to {FORMAT_VERSION}. Upgrade aelearn to load it."
            )
        return header

    def _read(self, member):
        with self._zip.open(member.info) as stream:
            return npy.read_array(stream, allow_pickle=False)

    def read(self, name, like):
        """The array ``name``, once its declared shape and dtype are checked against the
        Parameter ``like`` it is for; a NaN or an infinity in it is refused."""
        member = self.members[name]
        if member.shape != like.shape or member.dtype.newbyteorder("=") != like.dtype:
            raise ModelFileError(
                f"{self.path}: parameter {name!r} is stored as {member.dtype} of shape "
                f"{member.shape}; the model has {like.dtype} of shape {like.shape}. Expected a "
                "file saved from a model of the same architecture"
            )
        try:
            array = self._read(member)
        except READ_ERRORS as error:
            raise self.error(f"has a corrupted array {name!r} ({error})") from None
        if not np.all(np.isfinite(array)):
            raise ModelFileError(
                f"{self.path}: parameter {name!r} holds NaN or infinite values; expected "
                "finite weights (was the model saved after its training diverged?)"
            )
        return array.astype(like.dtype, copy=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._zip.close()
