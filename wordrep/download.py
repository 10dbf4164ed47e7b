"""Downloads into the cache, verified before they are trusted.

What a download must pass before its file is used:

- **Transport.** URLs fixed in the code are HTTPS. Plain http is accepted only for a file
  whose checksum is pinned in the code (the checksum, not the transport, is then what makes
  it trustworthy: a tampered file is refused either way) and for the loopback address (a
  local server; nothing leaves the machine). An unverified download (no checksum, at the
  user's request) must come over HTTPS. A redirect from https to http is refused, and every
  redirect must pass the same rules as the first URL.
- **Size.** A response larger than the expected size, or than :data:`MAX_DOWNLOAD_BYTES`
  when the size is not known, is refused: from its Content-Length before anything is read,
  else as soon as the streamed bytes pass the cap.
- **Time.** Connecting and every read wait at most :data:`TIMEOUT_S` seconds; offline, the
  first connection fails within it and the message says how to put the file there by hand.
- **Checksum.** The SHA-256 (or the published SHA-1) is computed over the whole file while it
  streams; only a file of the expected size and checksum is renamed to its target. A mismatch
  deletes what was downloaded.
- **Resume.** Bytes go to ``<target>.part`` beside the target. An interrupted download
  (offline, a timeout, a connection cut short, Ctrl-C) keeps it, and the next attempt asks
  for the rest with an HTTP Range request. A server that answers 200 instead of 206, or a
  partial file larger than the expected size, starts it again from zero. Unverified
  downloads are never resumed: nothing could tell a stale partial file from the right one.
"""
import hashlib
import http.client
import ipaddress
import os
import re
import ssl
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from .atomic import disk_full_error
from .errors import OfflineError, UserError
from .progress import no_progress

TIMEOUT_S = 20
# The cap on a download of unknown size; a Download can set its own (``max_bytes``).
MAX_DOWNLOAD_BYTES = 256 * 2**20
BLOCK = 1 << 20
PART_SUFFIX = ".part"


def file_digest(path, algorithm="sha256", block=BLOCK):
    """Hex digest of a file, read in blocks."""
    return _digest_of(path, hashlib.new(algorithm), block).hexdigest()


def sha256_file(path, block=BLOCK):
    """SHA-256 hex digest of a file, read in blocks."""
    return file_digest(path, "sha256", block)


def _digest_of(path, digest, block=BLOCK):
    """``digest`` updated with the bytes of ``path``."""
    with open(path, "rb") as f:
        if hasattr(hashlib, "file_digest"):  # Python 3.11+: one buffer, no copy per block
            return hashlib.file_digest(f, lambda: digest)
        for chunk in iter(lambda: f.read(block), b""):
            digest.update(chunk)
    return digest


def partial_path(target):
    """Where the bytes of ``target`` collect while it downloads."""
    target = Path(target)
    return target.with_name(target.name + PART_SUFFIX)


def fetch(url, target, sha256, size=None, progress=None, timeout=None, algorithm="sha256",
          max_bytes=None):
    """Download ``url`` to ``target`` unless a verified copy is already there.

    Parameters
    ----------
    url : str
        Where to get the file: https, or http for a verified file (see the module notes).
    target : path
        Where it goes; it appears there only once complete and verified.
    sha256 : str or None
        Expected digest (hex) of the whole file, SHA-256 unless ``algorithm`` says otherwise;
        None downloads without verification (only for files with no published checksum, at
        the user's explicit request, and only over https).
    size : int, optional
        Expected size in bytes: a larger response is refused, a shorter one is incomplete.
    progress : callable, optional
        Context manager factory ``progress(total, label)`` yielding ``update(n)``.
    timeout : float, optional
        Seconds to wait for the connection and for each read; :data:`TIMEOUT_S` by default.
    algorithm : str
        The digest the expected value is in (``"sha1"`` where only that is published).
    max_bytes : int, optional
        The cap when ``size`` is not known; :data:`MAX_DOWNLOAD_BYTES` by default.

    Returns
    -------
    Path
        ``target``.

    Raises
    ------
    OfflineError
        The server cannot be reached, stalls, or cuts the connection short (a verified
        download then resumes on the next attempt).
    UserError
        A refused URL or redirect, a response over the size cap, or a checksum mismatch.

    Examples
    --------
    >>> fetch("https://mattmahoney.net/dc/text8.zip", "text8.zip",
    ...       "a6640522afe85d1963ad56c05b0ede0a0c000dddc9671758a6cc09b7a38e5232",
    ...       size=31_344_016)                                  # doctest: +SKIP
    PosixPath('text8.zip')
    """
    target = Path(target)
    if target.is_file() and sha256 and (size is None or target.stat().st_size == size) \
            and file_digest(target, algorithm) == sha256:
        return target
    verified = bool(sha256)
    check_url(url, verified)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = partial_path(target)
    limit = size if size is not None else (max_bytes or MAX_DOWNLOAD_BYTES)
    if not verified or (part.is_file() and part.stat().st_size > limit):
        _unlink(part)
    elif part.is_file() and part.stat().st_size == size and file_digest(part, algorithm) == sha256:
        os.replace(part, target)  # complete before an interruption, never renamed
        return target
    try:
        digest = _download(url, part, target, limit, size, progress, timeout or TIMEOUT_S,
                           algorithm, verified)
        _check_digest(url, digest, sha256, algorithm)
        os.replace(part, target)
    except BaseException as exc:
        # An interruption keeps a verified partial file to resume from; a refusal keeps nothing.
        refused = isinstance(exc, UserError) and not isinstance(exc, OfflineError)
        if refused or not verified:
            _unlink(part)
        raise
    return target


def check_url(url, verified):
    """Refuse a URL that is not https, unless it is verified http or the loopback address."""
    parsed = urlparse(url)
    if parsed.scheme == "https" and parsed.hostname:
        return
    if parsed.scheme == "http" and parsed.hostname and (verified or _is_loopback(parsed.hostname)):
        return
    if parsed.scheme == "http":
        raise UserError(f"refusing to download {url}: an unverified file (no published "
                        "checksum) must come over https, not plain http.",
                        "Download it yourself from a source you trust and pass the file instead.")
    raise UserError(f"refusing to download {url}: only https (or http for a file with a "
                    "pinned checksum) is allowed.", "Give an https URL.")


def _is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to where the first URL could have pointed, and never to http."""

    def __init__(self, verified):
        super().__init__()
        self.verified = verified

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlparse(req.full_url).scheme == "https" and urlparse(newurl).scheme != "https":
            raise UserError(f"{req.full_url} redirects to {newurl}: a redirect from https to "
                            "plain http is refused.",
                            "Report it to wordrep; or download the file yourself and pass it.")
        check_url(newurl, self.verified)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _download(url, part, target, limit, size, progress, timeout, algorithm, resume):
    """Stream ``url`` into ``part`` (continuing it when allowed); the digest of the whole file."""
    offset = part.stat().st_size if resume and part.is_file() else 0
    digest = _digest_of(part, hashlib.new(algorithm)) if offset else hashlib.new(algorithm)
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    opener = urllib.request.build_opener(_CheckedRedirects(resume))
    received, total = 0, None
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=timeout) as response:
            if offset and response.status == 200:
                # The server ignores ranges and sends the whole file: start over with it.
                offset, digest = 0, hashlib.new(algorithm)
            elif offset and _range_start(response) != offset:
                # A range that does not continue the partial file: start over, asking for all.
                _unlink(part)
                return _download(url, part, target, limit, size, progress, timeout, algorithm,
                                 resume)
            total = _announced_total(response, offset)
            _check_total(url, total, limit, size)
            label = f"{'Resuming' if offset else 'Downloading'} {url}"
            with open(part, "ab" if offset else "wb") as out, \
                    (progress or no_progress)(size or total or 0, label) as update:
                if offset:
                    update(offset)
                for chunk in iter(lambda: response.read(BLOCK), b""):
                    received += len(chunk)
                    if offset + received > limit:
                        raise _too_large(url, limit, size)
                    digest.update(chunk)
                    out.write(chunk)
                    update(len(chunk))
                out.flush()
                os.fsync(out.fileno())
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and offset:
            # The partial file covers more than the server has: not this file; start over.
            _unlink(part)
            return _download(url, part, target, limit, size, progress, timeout, algorithm, resume)
        raise _offline(url, exc.reason, target, part, resume) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError, ssl.SSLError,
            http.client.HTTPException) as exc:
        raise _offline(url, getattr(exc, "reason", exc) or type(exc).__name__, target, part,
                       resume) from None
    except OSError as exc:
        full = disk_full_error(target, exc, part)
        if full is None:
            raise
        raise full from None
    done = offset + received
    expected = size if size is not None else total
    if expected is not None and done < expected:
        raise _offline(url, f"the connection closed after {done:,} of {expected:,} bytes", target,
                       part, resume)
    return digest


def _range_start(response):
    """Where the bytes of a 206 answer start, or None for any other answer."""
    if response.status != 206:
        return None
    match = re.match(r"bytes (\d+)-", response.headers.get("Content-Range", ""))
    return int(match.group(1)) if match else None


def _announced_total(response, offset):
    """The size of the whole file as the server announces it, or None."""
    match = re.match(r"bytes \d+-\d+/(\d+)", response.headers.get("Content-Range", ""))
    if response.status == 206 and match:
        return int(match.group(1))
    length = response.headers.get("Content-Length")
    return offset + int(length) if length and length.isdigit() else None


def _check_total(url, total, limit, size):
    if total is None:
        return
    if total > limit:
        raise _too_large(url, limit, size, total)
    if size is not None and total != size:
        raise UserError(f"download of {url} is {total:,} bytes, not the expected {size:,}: "
                        "refused, the server has another file.",
                        "Report it to wordrep; or download the file yourself and check it.")


def _too_large(url, limit, size, announced=None):
    what = f"the expected {size:,} bytes" if size is not None else \
        f"the {limit:,}-byte cap for downloads of unknown size"
    got = f" ({announced:,} bytes announced)" if announced is not None else ""
    return UserError(f"download of {url} is larger than {what}{got}; refused.",
                     "The server may be serving another file: report it, or fetch the file "
                     "by hand.")


def _offline(url, reason, target, part, resume):
    again = f"run the command again: it resumes from {part}" if resume else \
        "run the command again"
    return OfflineError(f"cannot download {url}: {reason}.",
                        f"Check the internet connection and {again}; or download the file by "
                        f"hand and put it at {target}.")


def _check_digest(url, digest, expected, algorithm):
    if expected and digest.hexdigest() != expected:
        name = {"sha256": "SHA-256", "sha1": "SHA-1"}.get(algorithm, algorithm)
        raise UserError(f"download of {url} does not match its published {name} checksum "
                        f"(got {digest.hexdigest()[:16]}…, expected {expected[:16]}…); "
                        "the downloaded file was removed.", "Run the command again; if it fails "
                        "again, the file on the server has changed.")


def _unlink(path):
    try:
        path.unlink()
    except FileNotFoundError:
        pass
