"""Result files: one NetCDF file per run in the results directory, written atomically.

The run's record names the file (``<run id>.nc``); the name is checked against that pattern
before it touches the file system, so a record can never point outside the directory.

A file that is not there is not a lost result: the directory may be the wrong one, or a share
not mounted yet (:class:`ResultMissingError`, and :meth:`ResultFiles.check` at start-up). Only
a file found damaged is given up (:class:`ResultLostError`).

A file's sha256 is taken when it is written and recorded with its run; a file is checked against
it (and its size) before it is served or opened by HDF5, so that damage anywhere is found, and
found before the HDF5 library reads it. HDF5 keeps no checksum of raw data, so a bit flipped in
the values read back as a wrong number; and a damaged file can make the library spin for minutes
under the service-wide HDF5 lock (:data:`service.render.HDF5_USE`). A file written before runs
recorded a digest has none to check (``None``): its size is checked and HDF5's errors on its
contents are taken as damage, as before.
"""

from __future__ import annotations

import datetime as dt
import errno
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import h5py
import xarray as xr

from forecast.errors import NotFoundError
from forecast.io import export
from forecast.io.files import atomic_write, sha256_file
from service.errors import StorageError
from service.render import HDF5_USE, write_netcdf

logger = logging.getLogger("service")

_FILE_NAME = re.compile(r"^[0-9a-f]{32}\.nc$")
#: A damaged result file set aside (:meth:`ResultFiles.set_aside`).
_DAMAGED_NAME = re.compile(r"^[0-9a-f]{32}\.nc\.damaged$")
#: What h5py, h5netcdf and xarray raise on a file whose contents are not what was written: an
#: OSError without an errno (HDF5's own), a KeyError or RuntimeError (a metadata checksum, a
#: dimension scale), a ValueError or IndexError (a header read as garbage). Found by flipping
#: bits in a result file (tests/service/test_jobs.py::test_a_file_damaged_anywhere_is_409_not_500).
_CONTENT_ERRORS = (OSError, KeyError, RuntimeError, ValueError, IndexError)
#: Most room a probe asks for: a result's size in memory, which its file may not need in full,
#: up to this; a disk with room for the probe but not a larger result fails that one, saying
#: so. [bytes]
PROBE_MOST_BYTES = 16 * 1024 * 1024
READ_CHUNK_BYTES = 1 << 20


def _open_dataset(path: Path) -> xr.Dataset:
    """``xr.open_dataset(path, engine="h5netcdf")``, once HDF5 has read the file's root
    attributes.

    h5netcdf (1.8.3) reads them after it marks its ``File`` open and before that ``File`` can
    be closed: damage there raised out of its constructor and, when the half-made ``File`` was
    collected, printed ``AttributeError: 'File' object has no attribute '_writable'`` (an
    unraisable exception) on the server's stderr. Read here first, the damage raises before
    h5netcdf is called (test_jobs.py, test_a_result_file_damaged_anywhere_is_found_damaged_or_read).
    """
    with h5py.File(path, "r") as handle:
        handle.attrs.get("_nc3_strict")
    return xr.open_dataset(path, engine="h5netcdf")


class StoredFile(NamedTuple):
    """A result file as written: what its run records to find and check it."""

    #: ``<run id>.nc``.
    name: str
    #: Its size. [bytes]
    size_bytes: int
    #: Hex sha256 of its bytes.
    sha256: str


class ResultLostError(NotFoundError):
    """A run's result file is damaged: its answer can only be computed again."""


class ResultMissingError(StorageError):
    """A run's result file is not in the results directory. Nothing is concluded from it (the
    directory may be the wrong one, or not mounted yet): the record keeps naming the file."""


class ResultsDirectoryError(StorageError):
    """The results directory is missing, or holds none of the files the database names."""


class ResultsUnwritableError(StorageError):
    """A result file cannot be written: the disk is full, the directory read-only or not
    writable, a file-size limit. 507 Insufficient Storage."""

    status_code = 507

    def __init__(self, message: str, *, need_bytes: int = 0) -> None:
        super().__init__(message)
        #: Bytes the result that could not be written needed (about). [bytes]
        self.need_bytes = need_bytes


#: Where result files go, as an answer names it (the server's path is in the log only).
WHERE = "the results directory (FORECAST_RESULTS_DIR)"


class ResultFiles:
    """The results directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        #: Why the last result file could not be written, until one is (or a probe fits).
        self.unwritable: str | None = None
        self._failed_bytes = 0

    def prepare(self) -> None:
        """Create the directory if needed, for this user only (0700): results are not every
        local user's to read."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)

    def check(self, names: set[str]) -> None:
        """Check that this is the directory holding ``names``, the files the database's runs
        name, before anything is read or written there; create it only when it names none.

        Raises
        ------
        ResultsDirectoryError
            The database names result files and the directory does not exist or holds none
            of them: a wrong ``FORECAST_RESULTS_DIR``, a share not mounted, or a database
            restored without its results. Creating it or serving from it would answer every
            stored run's result as missing and write new results where they do not belong.
        """
        if not names:
            self.prepare()
            return
        where = "FORECAST_RESULTS_DIR (default: <storage>/results)"
        if not self.directory.is_dir():
            logger.error("results directory %s: does not exist", self.directory)
            raise ResultsDirectoryError(
                f"the database names {len(names)} result files and the results directory does "
                f"not exist (not created): is {where} the directory they were written to, and "
                "is it mounted?"
            )
        found = len(names & {path.name for path in self.directory.iterdir()})
        if found == 0:
            logger.error("results directory %s: holds none of the runs' files", self.directory)
            raise ResultsDirectoryError(
                f"the database names {len(names)} result files and the results directory "
                f"holds none of them: is {where} the directory they were written to, and is it "
                "mounted? (restore a database together with its results)"
            )
        if found < len(names):
            logger.warning(
                "results directory %s: %d of the %d result files the database names are "
                "missing; their runs answer 503 until the files are back",
                self.directory,
                len(names) - found,
                len(names),
            )

    def path(self, name: str, size: int | None = None) -> Path:
        """Path of the result file ``name``; ``size``, the bytes written, if known.

        Raises
        ------
        NotFoundError
            ``name`` is not a result file name.
        ResultMissingError
            The file is not in the results directory.
        ResultLostError
            The file is not the size it was written at (truncated or replaced).
        """
        if not _FILE_NAME.match(name):
            raise NotFoundError(f"result file {name!r}: not a result file name")
        path = self.directory / name
        missing = ResultMissingError(f"result file {name!r}: missing from the results directory")
        if not path.is_file():
            raise missing
        try:
            found = path.stat().st_size
        except FileNotFoundError:  # set aside by another request since (schemathesis found it)
            raise missing from None
        if size is not None and found != size:
            raise ResultLostError(
                f"result file {name!r}: damaged ({found:,} bytes where {size:,} were written)"
            )
        return path

    @staticmethod
    def file_name(run_id: str) -> str:
        """The name of a run's result file, ``<run_id>.nc``.

        Raises
        ------
        ValueError
            ``run_id`` is not 32 hex digits.
        """
        name = f"{run_id}.nc"
        if not _FILE_NAME.match(name):
            raise ValueError(f"run id {run_id!r}: not 32 hex digits")
        return name

    def write(self, run_id: str, dataset: xr.Dataset) -> StoredFile:
        """Write ``dataset`` as ``<run_id>.nc``; return its name, size and sha256.

        Written to a temporary file in the same directory, flushed to disk, then renamed into
        place: a reader, or a crash at any moment, sees the whole file or none. The digest is
        taken of the temporary file once netCDF-C has closed it: the bytes renamed into place.
        """
        name = self.file_name(run_id)
        digests: list[str] = []

        def write(temporary: Path) -> None:
            write_netcdf(dataset, temporary)
            digests.append(sha256_file(temporary))

        try:
            atomic_write(self.directory / name, write, durable=True)
            return StoredFile(name, (self.directory / name).stat().st_size, digests[0])
        except Exception as error:
            # netCDF-C reports a full disk as "RuntimeError: NetCDF: HDF error", or as
            # "PermissionError: Permission denied" when the file cannot be created: the
            # system's own reason is found by asking it for the room the result needs.
            reason = self.probe(dataset.nbytes)
            if reason is None:
                if isinstance(error, OSError) and error.strerror:
                    reason = os_reason(error)
                else:
                    reason = f"{type(error).__name__}: {error}"
            logger.error("results directory %s: cannot write %s: %s", self.directory, name, reason)
            raise ResultsUnwritableError(
                f"result file {name} could not be stored in {WHERE}: {reason}",
                need_bytes=dataset.nbytes,
            ) from error

    def probe(self, need_bytes: int) -> str | None:
        """None when a file of ``need_bytes`` fits in the directory now (its blocks allocated,
        then the file removed: nothing written), else the system's reason."""
        try:
            handle, path = tempfile.mkstemp(dir=self.directory, prefix=".probe-")
            try:
                os.posix_fallocate(handle, 0, min(max(int(need_bytes), 1), PROBE_MOST_BYTES))
            finally:
                os.close(handle)
                Path(path).unlink()
        except OSError as error:
            return os_reason(error)
        return None

    def write_failed(self, reason: str, need_bytes: int) -> None:
        """A result of about ``need_bytes`` could not be written: the service is unready until
        one is, or :meth:`recheck` finds room."""
        self.unwritable, self._failed_bytes = reason, need_bytes

    def written(self) -> None:
        """A result file was written: the directory takes results again."""
        if self.unwritable is not None:
            logger.info("results directory %s: writable again", self.directory)
        self.unwritable = None

    def recheck(self) -> None:
        """While results cannot be written: probe for the room the last failed one needed,
        and clear :attr:`unwritable` once it fits."""
        if self.unwritable is not None and self.probe(self._failed_bytes) is None:
            self.written()

    def require_writable(self) -> None:
        """Raise 507 while result files cannot be written (a computation's would be lost).

        Raises
        ------
        ResultsUnwritableError
            The last result file could not be written, and no probe has found room since.
        """
        if self.unwritable is not None:
            raise ResultsUnwritableError(
                f"results cannot be stored now: {self.unwritable}; answers already computed "
                "are served; retry once the operator has freed room"
            )

    def intact(self, name: str, size: int | None = None, sha256: str | None = None) -> Path:
        """The path of a result file whose size and sha256 are those it was written with
        (each checked when known), HDF5 not involved. Reads the whole file: 20-29 ms for a
        9.9 MB result (best and median of 21 on the shared development machine, 2026-12-07),
        where HDF5 took 2.5 s to read it whole and 1.8 s to open its header (best of 5).

        Raises
        ------
        ResultMissingError
            The file is not in the results directory.
        ResultLostError
            The file is not the size or the sha256 it was written with.
        OSError
            The system could not read it now: not the file's fault, so it is kept.
        """
        path = self.path(name, size)
        if sha256 is not None:
            try:
                found = sha256_file(path)
            except FileNotFoundError:  # set aside by another request since
                raise ResultMissingError(
                    f"result file {name!r}: missing from the results directory"
                ) from None
            if found != sha256:
                raise ResultLostError(
                    f"result file {name!r}: damaged (sha256 {found[:12]} where {sha256[:12]} "
                    "was written)"
                )
        return path

    def read(self, name: str, size: int | None = None, sha256: str | None = None) -> xr.Dataset:
        """The result Dataset, read whole into memory (the file is closed after), under
        :data:`service.render.HDF5_USE` like every use of HDF5 in the service, as it was computed
        (:func:`forecast.io.export.from_cf`); its size and
        sha256 checked first (:meth:`intact`), outside that lock: a damaged file never
        reaches HDF5.

        Raises
        ------
        ResultMissingError
            The file is not in the results directory.
        ResultLostError
            The file is damaged: the wrong size or sha256, or HDF5 cannot read its contents.
        OSError
            The system could not read it now (too many open files, no memory): not the file's
            fault, so it is kept.
        """
        path = self.intact(name, size, sha256)
        try:
            with HDF5_USE, _open_dataset(path) as dataset:
                # As it was computed: the file's CF time bounds, UTC times and units undone.
                return export.from_cf(dataset.load())
        except _CONTENT_ERRORS as error:
            raise self._damaged(name, error) from None

    def verify(self, name: str, size: int | None = None, sha256: str | None = None) -> Path:
        """The path of a result file that can be sent as it is: its size and sha256 those it
        was written with (:meth:`intact`; HDF5 does not open it). A file without a recorded
        sha256 (written before runs recorded one) is opened instead, its header and variables'
        metadata read by HDF5: damage inside its data is not found.

        Raises
        ------
        ResultMissingError, ResultLostError, OSError
            As :meth:`read`.
        """
        path = self.intact(name, size, sha256)
        if sha256 is not None:
            return path
        try:
            with HDF5_USE, _open_dataset(path):
                pass  # opening reads the header and every variable's metadata
        except _CONTENT_ERRORS as error:
            raise self._damaged(name, error) from None
        return path

    @staticmethod
    def _damaged(name: str, error: Exception) -> Exception:
        """:class:`ResultLostError` for an error reading ``name``'s contents; a system error
        (an OSError with an errno: too many open files) is not the file's fault and is
        returned as it is, to be raised."""
        if isinstance(error, OSError) and error.errno is not None:
            return error
        text = str(error).strip("'\"")
        reason = text.splitlines()[0] if text else type(error).__name__
        return ResultLostError(f"result file {name!r}: damaged, cannot be read ({reason})")

    def chunks(self, name: str, size: int | None = None) -> Iterator[bytes]:
        """The file's bytes in 1 MB pieces (for streaming a NetCDF answer)."""
        with self.path(name, size).open("rb") as handle:
            while chunk := handle.read(READ_CHUNK_BYTES):
                yield chunk

    def set_aside(self, name: str | None) -> None:
        """Rename a damaged result file to ``<name>.damaged`` (kept for a look; no run names
        it), if there is one."""
        if name and _FILE_NAME.match(name) and (self.directory / name).is_file():
            (self.directory / name).replace(self.directory / f"{name}.damaged")

    def names_written_before(self, moment: dt.datetime) -> list[str]:
        """The result files (``<run id>.nc``, not temporary or set-aside ones) last written
        before ``moment``. [UTC]"""
        limit = moment.timestamp()
        names = []
        for path in self.directory.iterdir():
            if not _FILE_NAME.match(path.name):
                continue
            try:
                if path.stat().st_mtime < limit:
                    names.append(path.name)
            except FileNotFoundError:  # removed meanwhile
                continue
        return names

    def damaged_set_aside_before(self, moment: dt.datetime) -> list[str]:
        """The damaged result files set aside (``<run id>.nc.damaged``) that were written
        before ``moment``, oldest first (a file set aside keeps the time it was written at).
        [UTC]"""
        limit = moment.timestamp()
        found = []
        for path in self.directory.iterdir():
            if not _DAMAGED_NAME.match(path.name):
                continue
            try:
                written = path.stat().st_mtime
            except FileNotFoundError:  # removed meanwhile
                continue
            if written < limit:
                found.append((written, path.name))
        return [name for _, name in sorted(found)]

    def delete(self, name: str | None) -> None:
        """Remove a result file, or a damaged one set aside, if there is one."""
        if name and (_FILE_NAME.match(name) or _DAMAGED_NAME.match(name)):
            (self.directory / name).unlink(missing_ok=True)


def os_reason(error: OSError) -> str:
    """The system's words for ``error``: ``No space left on device (ENOSPC)``."""
    code = errno.errorcode.get(error.errno or 0, str(error.errno))
    return f"{error.strerror or type(error).__name__} ({code})"
