"""Where the documents' bytes live, behind one interface: put, get, delete by a random name.

The local filesystem is the default: INSTANCE_DIR/documents, outside the web root (nothing
there is ever served as a static file), each file under a random name that says nothing of
its owner. APPLICATION_STORAGE=s3://bucket/prefix names an S3-compatible object store for a
deployment on several machines: NOT IMPLEMENTED YET; the app refuses to start with it rather
than keep documents on one machine's disk without saying so.
"""

import os
import secrets
from pathlib import Path


class StorageError(Exception):
    """The storage setting cannot be used."""


class LocalStorage:
    """Files in one folder, two levels deep by the name's first characters."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, name: str) -> Path:
        if not name.isalnum():  # a name we made: never a path
            raise KeyError(name)
        return self.root / name[:2] / name

    def put(self, data: bytes) -> str:
        """Store `data` under a new random name and return the name."""
        name = secrets.token_hex(16)
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = path.with_suffix(".part")
        with open(temporary, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, path)  # a reader never sees half a file
        return name

    def start(self) -> str:
        """A new empty file to append chunks to; its random name."""
        name = secrets.token_hex(16)
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.touch()
        return name

    def append(self, name: str, offset: int, data: bytes) -> int:
        """Write `data` at `offset` if that is where the file ends (a chunk sent again after a
        cut is not written twice); return the file's size afterwards."""
        path = self._path(name)
        with open(path, "r+b") as fh:
            size = fh.seek(0, os.SEEK_END)
            if offset == size and data:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
                size += len(data)
        return size

    def get(self, name: str) -> bytes:
        """The bytes stored under `name` (KeyError if there are none)."""
        try:
            return self._path(name).read_bytes()
        except FileNotFoundError:
            raise KeyError(name) from None

    def delete(self, name: str) -> None:
        """Forget `name` (nothing happens if it is already gone)."""
        self._path(name).unlink(missing_ok=True)


def from_setting(setting: str | None, instance_dir: str):
    """The storage that APPLICATION_STORAGE names (empty: the local folder)."""
    if not setting or setting == "local":
        return LocalStorage(Path(instance_dir) / "documents")
    if setting.startswith("s3://"):
        raise StorageError("APPLICATION_STORAGE=s3://... is not implemented yet: use the local storage")
    raise StorageError(f"APPLICATION_STORAGE: unknown storage {setting!r} (use local)")


def store_for(config) -> "LocalStorage":
    """The storage the app's settings name (APPLICATION_STORAGE, INSTANCE_DIR)."""
    return from_setting(config.get("APPLICATION_STORAGE"), config["INSTANCE_DIR"])
