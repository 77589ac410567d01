"""Reading and writing files safely (pure Python, no Qt).

Every file the app or the command line reads goes through :func:`check_input_file` or
:func:`read_input_bytes`, and every file it writes through :func:`check_output_target` and
:func:`atomic_output`, so that

- a FIFO, a device, a socket or a folder is refused *before* it is opened (opening a FIFO
  for reading blocks until a writer appears: the app would hang);
- a file larger than :data:`gmm_viz.limits.MAX_INPUT_FILE_BYTES` is refused from its size,
  before anything is read;
- a write goes to a hidden temporary file beside the target, which replaces the target only
  when the whole file was written: a failure or a Cancel leaves the old file exactly as it
  was and no temporary file behind.

Messages name the path the person gave (never a temporary name) and say what to do.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

from gmm_viz.limits import MAX_INPUT_FILE_BYTES, MAX_MESSAGE_CHARS


class FileCheckError(ValueError):
    """A path that cannot be used; the message starts with the path and says what to do."""


def path_label(path) -> str:
    """The path as text for messages.

    Raises
    ------
    FileCheckError
        If ``path`` is not a path at all, or empty.
    """
    try:
        label = os.fspath(path)
    except TypeError:
        raise FileCheckError(f"expected a file path (str or Path); got {path!r}.") from None
    if isinstance(label, bytes):
        label = os.fsdecode(label)
    if not label:
        raise FileCheckError("no file was given; choose a file.")
    return label


def _kind_of(mode: int) -> str | None:
    """What a non-regular file is, in words (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _stat_problem(label: str, exc: OSError) -> str:
    """Why ``os.stat`` failed, in words a person can act on."""
    if exc.errno == errno.ENOENT:
        if os.path.islink(label):
            return f"{label}: is a link to a file that does not exist. Choose the file itself."
        return f"{label}: file not found. Check the file name and folder."
    if exc.errno == errno.ELOOP:
        return f"{label}: is a symbolic link that points back to itself (a link loop)."
    if exc.errno == errno.ENAMETOOLONG:
        return f"{label[:80]}...: the file name is too long for the file system."
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"{label}: permission denied. Check that the file is readable."
    if exc.errno == errno.ENOTDIR:
        return f"{label}: a part of the path is a file, not a folder. Check the path."
    return f"{label}: cannot be opened ({exc.strerror or exc}). Check the file name."


def format_size(n_bytes: int) -> str:
    """A byte count as "1.5 GB", "200 MB", "12 kB" or "10 bytes"."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= size:
            return f"{n_bytes / size:.3g} {unit}"
    return f"{n_bytes} bytes"


def check_input_file(path, *, max_bytes: int = MAX_INPUT_FILE_BYTES,
                     what: str = "file") -> tuple[Path, str, int]:
    """Check that ``path`` is a regular file that may be read whole, without opening it.

    Parameters
    ----------
    path : str or os.PathLike
    max_bytes : int
        Largest size accepted.
    what : str
        What the file should be, for messages ("CSV file", "run file").

    Returns
    -------
    (Path, str, int)
        The path, its label for messages, and its size in bytes.

    Raises
    ------
    FileCheckError
        Missing, a link loop, a name with a NUL character, a folder, a FIFO, a device, a
        socket, or larger than ``max_bytes``; the message says which and what to do.
    """
    label = path_label(path)
    if "\x00" in label:
        raise FileCheckError(f"{label!r}: the file name contains a NUL character, which no "
                             "file name can hold. Check the name.")
    try:
        info = os.stat(label)
    except OSError as exc:
        raise FileCheckError(_stat_problem(label, exc)) from None
    except ValueError as exc:
        raise FileCheckError(f"{label}: cannot be opened ({exc}). Check the file name.") \
            from None
    kind = _kind_of(info.st_mode)
    if kind == "a folder":
        raise FileCheckError(f"{label}: is a folder, not a file. Choose a {what} inside it.")
    if kind is not None:
        raise FileCheckError(f"{label}: is {kind}, not a regular file; gmm-viz reads only "
                             f"regular files. Save the data to a {what} first.")
    if info.st_size > max_bytes:
        raise FileCheckError(f"{label}: is {format_size(info.st_size)}, larger than the "
                             f"{format_size(max_bytes)} gmm-viz reads. Use a smaller file "
                             "(a sample of the rows, or only the columns you need).")
    return Path(label), label, info.st_size


def read_input_bytes(path, *, max_bytes: int = MAX_INPUT_FILE_BYTES,
                     what: str = "file") -> tuple[bytes, str]:
    """Read a regular file whole, after :func:`check_input_file`.

    The file is opened non-blocking and checked again on the open descriptor, so a file
    swapped for a FIFO between the check and the open cannot block; at most
    ``max_bytes + 1`` bytes are read, whatever the file claims its size is.

    Returns
    -------
    (bytes, str)
        The contents and the label for messages.

    Raises
    ------
    FileCheckError
        As :func:`check_input_file`, or the file cannot be read, or memory ran out.
    """
    _, label, _ = check_input_file(path, max_bytes=max_bytes, what=what)
    try:
        fd = os.open(label, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise FileCheckError(_stat_problem(label, exc)) from None
    try:
        kind = _kind_of(os.fstat(fd).st_mode)
        if kind is not None:
            raise FileCheckError(f"{label}: is {kind}, not a regular file; gmm-viz reads "
                                 f"only regular files.")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=True) as file:
            fd = None
            # Ask for the file's own size (plus one byte, to notice a file that grew):
            # read(n) allocates n bytes up front, and n = max_bytes would reserve 1 GiB
            # for every small file.
            size = os.fstat(file.fileno()).st_size
            raw = file.read(min(size, max_bytes) + 1)
            if len(raw) == size + 1 and size < max_bytes:
                raw += file.read(max_bytes + 1 - len(raw))  # it is growing: read on
    except MemoryError:
        raise FileCheckError(f"{label}: not enough memory to read it. Close other programs "
                             "or use a smaller file.") from None
    except OSError as exc:
        raise FileCheckError(f"{label}: cannot be read ({exc.strerror or exc}). Check that "
                             "the file is readable.") from None
    finally:
        if fd is not None:
            os.close(fd)
    if len(raw) > max_bytes:
        raise FileCheckError(f"{label}: is larger than the {format_size(max_bytes)} gmm-viz "
                             "reads. Use a smaller file.")
    return raw, label


def check_output_target(path, *, what: str = "file") -> tuple[Path, str]:
    """Check that ``path`` may be written: a new file or an existing regular file.

    Returns
    -------
    (Path, str)
        The path and its label for messages.

    Raises
    ------
    FileCheckError
        The target is a folder, a FIFO, a device or a socket, its folder does not exist,
        or the name holds a NUL character.
    """
    label = path_label(path)
    if "\x00" in label:
        raise FileCheckError(f"{label!r}: the file name contains a NUL character. "
                             "Choose another name.")
    target = Path(label)
    try:
        info = os.stat(label)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise FileCheckError(_stat_problem(label, exc)) from None
    if info is not None:
        kind = _kind_of(info.st_mode)
        if kind == "a folder":
            raise FileCheckError(f"{label}: is a folder. Give a file name for the {what} "
                                 "inside it.")
        if kind is not None:
            raise FileCheckError(f"{label}: is {kind}, not a regular file; gmm-viz writes "
                                 f"only regular files. Choose a file name for the {what}.")
    folder = target.parent
    if not folder.is_dir():
        raise FileCheckError(f"{label}: the folder {folder} does not exist. Create it or "
                             "choose another folder.")
    return target, label


@contextlib.contextmanager
def atomic_output(path, *, what: str = "file"):
    """Write a file all or nothing.

    Yields the path of a hidden temporary file in the target's folder; when the block ends
    normally the temporary file replaces the target (keeping an existing target's
    permissions), and when it raises (an error, a Cancel) the temporary file is removed and
    the target is left exactly as it was.

    Parameters
    ----------
    path : str or os.PathLike
        The target, checked with :func:`check_output_target` first.
    what : str
        What is written, for messages.

    Yields
    ------
    Path
        Where to write. Its suffix is the target's, so writers that choose a format from
        the file name (imageio, Pillow) write the right one.

    Raises
    ------
    FileCheckError
        The target cannot be written (see :func:`check_output_target`), or writing failed
        with an ``OSError``; the message names the target, never the temporary file.
    """
    _, label = check_output_target(path, what=what)
    # Through a symbolic link, the file it points to is replaced, not the link.
    target = Path(os.path.realpath(label))
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".part{target.suffix}",
                                        dir=target.parent)
    except OSError as exc:
        raise FileCheckError(f"{label}: cannot be written ({exc.strerror or exc}). Check "
                             "that the folder is writable.") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with contextlib.suppress(OSError):
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode) if target.exists()
                     else 0o666 & ~_umask())
        os.replace(tmp, target)
    except OSError as exc:
        _remove(tmp)
        raise FileCheckError(f"{label}: cannot be written ({exc.strerror or exc}). Check "
                             "the folder's permissions and free space.") from None
    except BaseException:
        _remove(tmp)
        raise


def _remove(path: Path):
    with contextlib.suppress(OSError):
        path.unlink()


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once, at import: changing the process umask later, even for a moment, could make
# a file that another thread creates meanwhile world-writable.
_UMASK = _read_umask()


def _umask() -> int:
    return _UMASK


def clip_message(text: str, max_chars: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` cut to at most ``max_chars`` characters, with a mark where it was cut."""
    text = str(text)
    if len(text) <= max_chars:
        return text
    # The mark's own length depends on the count it states; 40 characters always fit it.
    keep = max_chars - 40
    return text[:keep] + f" ... [{len(text) - keep:,} more characters]"


def name_some(names, first: int = 5) -> str:
    """The first few of ``names`` and a count of the rest: "a, b, c and 2,997 more"."""
    names = [str(n) for n in names]
    if len(names) <= first:
        return ", ".join(names)
    return f"{', '.join(names[:first])} and {len(names) - first:,} more"
