"""What a user of the ``aelearn`` command can cause and fix, and how it is said: a
``UsageError``, and what the operating system refuses as a sentence ("cannot read m.npz:
permission denied"), not as its ``[Errno 13]``."""

import errno
import os
from contextlib import contextmanager

from aelearn import io


class UsageError(Exception):
    """A bad value found after parsing; reported like an argparse error (exit code 2)."""


#: What the user can cause and fix: a bad value, a file that is not a model, a path that
#: cannot be opened. Not ValueError: a ValueError reaching ``main`` is a bug's, with its
#: traceback.
USAGE_ERRORS = (
    UsageError,
    io.ModelFileError,
    FileNotFoundError,
    FileExistsError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
)


def one_line(message):
    """``message`` on one line: a message of several lines joined by spaces."""
    return " ".join(str(message).split())


#: The operating system's reasons in words; any other says its own (lowercased) message.
OS_REASONS = {
    errno.ENOENT: "no such file",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EISDIR: "it is a folder",
    errno.ENOTDIR: "a part of its path is a file, not a folder",
    errno.EEXIST: "a file of that name exists",
    errno.ENOSPC: "no space left on the disk",
    errno.EROFS: "the disk is read-only",
    errno.ENAMETOOLONG: "the name is too long",
}


def os_error_sentence(error, action="open", path=None):
    """What the operating system refused, as a sentence: "cannot read m.npz: no such file".
    ``action`` is what was tried ("read", "write", "write into", "create the folder"), ``path``
    the path the user named (default: the error's own, which may be a temporary file's)."""
    path = error.filename if path is None else path
    parent = os.path.dirname(os.fspath(path)) or "."
    if action in ("read", "write") and os.path.isdir(path):
        reason = "it is a folder"  # Windows says "permission denied" for a folder
    elif error.errno == errno.ENOENT and action == "write" and not os.path.isdir(parent):
        reason = f"the folder {parent} does not exist"
    else:
        reason = OS_REASONS.get(error.errno) or str(error.strerror or error)
        reason = reason[:1].lower() + reason[1:]
    return f"cannot {action} {os.fspath(path)}: {reason}"


@contextmanager
def os_errors(action, path=None):
    """Within this block, what the operating system refuses is a UsageError saying
    ``os_error_sentence(error, action, path)``; a closed stdout (a BrokenPipeError) and
    OSErrors without an error number or a path pass through unchanged."""
    try:
        yield
    except OSError as error:
        if isinstance(error, BrokenPipeError) or error.errno is None:
            raise
        if path is None and error.filename is None:
            raise
        raise UsageError(os_error_sentence(error, action, path)) from None
