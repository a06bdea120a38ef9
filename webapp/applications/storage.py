"""Where the documents' bytes live, behind one interface: put, get, delete by a random name
(and start/append for a file sent in chunks, see resumable.py).

The local filesystem is the default: INSTANCE_DIR/documents, outside the web root (nothing
there is ever served as a static file), each file under a random name that says nothing of
its owner. APPLICATION_STORAGE=s3://bucket/prefix names an S3-compatible object store (AWS,
MinIO, Ceph, Garage: path-style addressing) for a deployment on several machines; its address
and keys are S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION.
The app checks at start that the bucket answers (check) rather than fail on the first upload.
"""

import functools
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError


class StorageError(Exception):
    """The storage setting cannot be used."""


class StorageUnavailable(Exception):
    """The object store did not answer or refused a request: try again later (nothing was
    half-stored: each object is written whole or not at all)."""


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


class S3Storage:
    """Objects in a bucket of an S3-compatible store, under `prefix`. The bucket must be
    private: nothing here sets an ACL, every read goes through the app.

    A document is one object, `<prefix><name>`. S3 has no append, so a file sent in chunks is
    one object per chunk, `<prefix>parts/<name>/<offset, 12 digits>`; its size is the run of
    parts that follow each other from 0, read from a listing. A chunk sent twice at once to two
    machines is the same key with the same bytes: stored once."""

    def __init__(self, client, bucket: str, prefix: str = ""):
        self.client, self.bucket = client, bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def _key(self, name: str) -> str:
        if not name.isalnum():  # a name we made: never a key of something else
            raise KeyError(name)
        return self.prefix + name

    def _parts_prefix(self, name: str) -> str:
        self._key(name)  # the same check
        return f"{self.prefix}parts/{name}/"

    def _call(self, operation: str, **params):
        try:
            return getattr(self.client, operation)(Bucket=self.bucket, **params)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise KeyError(params.get("Key")) from None
            raise StorageUnavailable(f"{operation} on bucket {self.bucket}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageUnavailable(f"{operation} on bucket {self.bucket}: {exc}") from exc

    def _parts(self, name: str) -> list[tuple[int, str, int]]:
        """(offset, key, size) of the parts that follow each other from offset 0 (a part left
        after a gap or an overlap, e.g. by a chunk of another length, is not part of the file)."""
        prefix, found, token = self._parts_prefix(name), [], None
        while True:
            page = self._call("list_objects_v2", Prefix=prefix, **({"ContinuationToken": token} if token else {}))
            for item in page.get("Contents", []):
                offset = item["Key"][len(prefix):]
                if offset.isdigit():
                    found.append((int(offset), item["Key"], item["Size"]))
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                break
        run, size = [], 0
        for offset, key, length in sorted(found):
            if offset != size:
                break
            run.append((offset, key, length))
            size += length
        return run

    def put(self, data: bytes) -> str:
        """Store `data` under a new random name (one PUT: whole or nothing) and return the name."""
        name = secrets.token_hex(16)
        self._call("put_object", Key=self._key(name), Body=data, ContentType="application/octet-stream")
        return name

    def start(self) -> str:
        """The random name of a file to append chunks to (nothing is written until a chunk)."""
        return secrets.token_hex(16)

    def append(self, name: str, offset: int, data: bytes) -> int:
        """Store `data` as the part at `offset` if that is where the file ends (a chunk sent
        again after a cut is not stored twice); return the file's size afterwards."""
        size = sum(length for _, _, length in self._parts(name))
        if offset == size and data:
            self._call("put_object", Key=f"{self._parts_prefix(name)}{offset:012d}", Body=data,
                       ContentType="application/octet-stream")
            size += len(data)
        return size

    def _read(self, key: str) -> bytes:
        return self._call("get_object", Key=key)["Body"].read()

    def get(self, name: str) -> bytes:
        """The bytes stored under `name`, a document or the parts of a file sent in chunks
        (KeyError if there are none)."""
        try:
            return self._read(self._key(name))
        except KeyError:
            parts = self._parts(name)
            if not parts:
                raise KeyError(name) from None
            return b"".join(self._read(key) for _, key, _ in parts)

    def delete(self, name: str) -> None:
        """Forget `name` and its parts, if any (nothing happens if they are already gone)."""
        self._call("delete_object", Key=self._key(name))
        prefix, token = self._parts_prefix(name), None
        while True:  # every part, also those after a gap
            page = self._call("list_objects_v2", Prefix=prefix, **({"ContinuationToken": token} if token else {}))
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                self._call("delete_objects", Delete={"Objects": keys, "Quiet": True})
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                break

    def check(self) -> None:
        """One HeadBucket: StorageError with what to fix when the bucket cannot be used."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in ("404", "NoSuchBucket"):
                raise StorageError(f"APPLICATION_STORAGE: there is no bucket {self.bucket!r} at "
                                   f"{self.client.meta.endpoint_url}") from None
            if code in ("403", "AccessDenied"):
                raise StorageError(f"APPLICATION_STORAGE: bucket {self.bucket!r} refuses these keys "
                                   "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)") from None
            raise StorageError(f"APPLICATION_STORAGE: bucket {self.bucket!r}: {exc}") from None
        except BotoCoreError as exc:  # no such host, connection refused, no credentials...
            raise StorageError(f"APPLICATION_STORAGE: cannot reach bucket {self.bucket!r} "
                               f"(S3_ENDPOINT_URL={self.client.meta.endpoint_url}): {exc}") from None


S3_CONFIG = Config(
    s3={"addressing_style": "path"},  # bucket in the path: MinIO, Ceph, Garage behind one host name
    signature_version="s3v4",
    request_checksum_calculation="when_required",  # stores other than AWS may refuse the new checksums
    response_checksum_validation="when_required",
    connect_timeout=5, read_timeout=30, retries={"mode": "standard", "max_attempts": 3},
)


@functools.lru_cache(maxsize=8)
def _s3_client(pid: int, endpoint: str | None, key_id: str | None, secret: str | None, region: str | None):
    """One client per process and settings (a client is thread-safe but not to be shared
    across a fork; building one takes milliseconds)."""
    session = boto3.session.Session(aws_access_key_id=key_id, aws_secret_access_key=secret)
    if session.get_credentials() is None:
        raise StorageError("APPLICATION_STORAGE=s3://...: no credentials (set AWS_ACCESS_KEY_ID and "
                           "AWS_SECRET_ACCESS_KEY)")
    return session.client("s3", endpoint_url=endpoint, region_name=region or "us-east-1", config=S3_CONFIG)


def from_setting(setting: str | None, instance_dir: str, s3: dict | None = None):
    """The storage that APPLICATION_STORAGE names (empty: the local folder); `s3` holds the
    object store's S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION."""
    if not setting or setting == "local":
        return LocalStorage(Path(instance_dir) / "documents")
    if setting.startswith("s3://"):
        where = urlsplit(setting)
        if not where.netloc:
            raise StorageError("APPLICATION_STORAGE: s3://bucket/prefix needs a bucket name")
        s3 = s3 or {}
        key_id, secret = s3.get("AWS_ACCESS_KEY_ID") or None, s3.get("AWS_SECRET_ACCESS_KEY") or None
        if bool(key_id) != bool(secret):
            raise StorageError("APPLICATION_STORAGE=s3://...: set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        client = _s3_client(os.getpid(), s3.get("S3_ENDPOINT_URL") or None, key_id, secret,
                            s3.get("AWS_DEFAULT_REGION") or None)
        return S3Storage(client, where.netloc, where.path)
    raise StorageError(f"APPLICATION_STORAGE: unknown storage {setting!r} (use local or s3://bucket/prefix)")


S3_SETTINGS = ("S3_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")


def store_for(config) -> "LocalStorage | S3Storage":
    """The storage the app's settings name (APPLICATION_STORAGE, INSTANCE_DIR, S3_SETTINGS)."""
    return from_setting(config.get("APPLICATION_STORAGE"), config["INSTANCE_DIR"],
                        {name: config.get(name) for name in S3_SETTINGS})


def check(config) -> None:
    """At start: StorageError, saying what to fix, unless the storage the settings name can be
    used (for s3://, one HeadBucket)."""
    store = store_for(config)
    if isinstance(store, S3Storage):
        store.check()
