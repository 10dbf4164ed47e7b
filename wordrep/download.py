"""Downloads into the cache, verified before they are trusted.

A file is streamed to a temporary name beside its target while its SHA-256 is computed; only a
file of the expected size and checksum is renamed into place. Offline, the first connection
fails within the timeout and the message says how to put the file there by hand.
"""
import hashlib
import os
import urllib.error
import urllib.request
from pathlib import Path

from .atomic import atomic_path
from .errors import OfflineError, UserError
from .progress import no_progress

TIMEOUT_S = 20
BLOCK = 1 << 20


def file_digest(path, algorithm="sha256", block=BLOCK):
    """Hex digest of a file, read in blocks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(block), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_file(path, block=BLOCK):
    """SHA-256 hex digest of a file, read in blocks."""
    return file_digest(path, "sha256", block)


def fetch(url, target, sha256, size=None, progress=None, timeout=TIMEOUT_S, algorithm="sha256"):
    """Download ``url`` to ``target`` unless a verified copy is already there.

    Parameters
    ----------
    url : str
        Where to get the file.
    target : path
        Where it goes; written atomically.
    sha256 : str or None
        Expected digest (hex) of the whole file, SHA-256 unless ``algorithm`` says otherwise;
        None downloads without verification (only for files with no published checksum, at
        the user's explicit request).
    size : int, optional
        Expected size in bytes: a larger response is cut off and refused.
    progress : callable, optional
        Context manager factory ``progress(total, label)`` yielding ``update(n)``.
    algorithm : str
        The digest the expected value is in (``"sha1"`` where only that is published).

    Returns
    -------
    Path
        ``target``.
    """
    target = Path(target)
    if target.is_file() and sha256 and (size is None or target.stat().st_size == size) \
            and file_digest(target, algorithm) == sha256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp:
        _stream(url, tmp, sha256, size, progress, timeout, algorithm)
    return target


def _stream(url, tmp, expected, size, progress, timeout, algorithm):
    digest, received = hashlib.new(algorithm), 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as out:
            total = size or int(response.headers.get("Content-Length") or 0)
            with (progress or no_progress)(total, f"Downloading {url}") as update:
                for chunk in iter(lambda: response.read(BLOCK), b""):
                    received += len(chunk)
                    if size is not None and received > size:
                        raise UserError(f"download of {url} is larger than the expected {size:,} "
                                        "bytes; refused.", "The server may be serving another "
                                        "file: report it, or fetch the file by hand.")
                    digest.update(chunk)
                    out.write(chunk)
                    update(len(chunk))
            out.flush()
            os.fsync(out.fileno())
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise OfflineError(f"cannot download {url}: {reason}.",
                           f"Check the internet connection, or download it by hand and put it "
                           f"at {tmp.with_name(tmp.name.split('.tmp-')[0].lstrip('.'))}.") from None
    if size is not None and received != size:
        raise UserError(f"download of {url} is incomplete: {received:,} of {size:,} bytes.",
                        "Run the command again to restart it.")
    if expected and digest.hexdigest() != expected:
        name = {"sha256": "SHA-256", "sha1": "SHA-1"}.get(algorithm, algorithm)
        raise UserError(f"download of {url} does not match its published {name} checksum "
                        f"(got {digest.hexdigest()[:16]}…, expected {expected[:16]}…); "
                        "the partial file was removed.", "Run the command again; if it fails "
                        "again, the file on the server has changed.")
