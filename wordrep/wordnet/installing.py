"""Getting WordNet: NLTK's downloader first, then Debian's packages (as root).

The only module of wordrep that starts a process: ``apt-get``, with fixed arguments, never
through a shell.
"""
import contextlib
import io
import logging
import os
import shutil
import socket
import subprocess
from pathlib import Path
from urllib.parse import urlparse

from ..errors import OfflineError, UserError
from .files import authorize, one_line
from .locating import locate, nltk_data_dir

log = logging.getLogger(__name__)

APT_PACKAGES = ("wordnet-base", "wordnet-sense-index")
NLTK_PACKAGE = "wordnet"
CONNECT_TIMEOUT_S = 10.0


def install(echo=None, *, server_index_url=None, use_apt=True, force=False,
            timeout=CONNECT_TIMEOUT_S):
    """Get WordNet: NLTK's downloader first, then Debian's packages (as root).

    Parameters
    ----------
    echo : callable, optional
        Called with each progress message (a str); logged at INFO by default.
    server_index_url : str, optional
        The index of the NLTK data server; NLTK's default server when None.
    use_apt : bool
        Fall back on ``apt-get install wordnet-base wordnet-sense-index``.
    force : bool
        Download even when WordNet is already found.
    timeout : float
        Seconds to wait for the data server to accept a connection.

    Returns
    -------
    WordNetLocation
        Where WordNet is now found.

    Raises
    ------
    UserError
        When every way failed; the message says why each one failed and gives the commands.
    """
    echo = echo or log.info
    if not force:
        with contextlib.suppress(UserError):
            location = locate()
            echo(f"WordNet {location.version} is already available ({location.source}: "
                 f"{location.path}).")
            return location
    attempts = [lambda: _install_nltk(echo, server_index_url, timeout)]
    if use_apt:
        attempts.append(lambda: _install_apt(echo))
    failures = []
    for number, attempt in enumerate(attempts, 1):
        try:
            attempt()
        except UserError as exc:
            failures.append(exc.format())
            if number < len(attempts):  # the last failure is in the final message already
                echo(exc.format())
            continue
        location = locate()
        echo(f"WordNet {location.version} installed ({location.source}: {location.path}).")
        return location
    raise UserError(f"could not install WordNet: {' '.join(failures)}",
                    "Run one of `python -m nltk.downloader wordnet` (needs internet) or "
                    "`sudo apt-get install wordnet-base wordnet-sense-index`, then "
                    "`wordrep wordnet status`.")


def _install_nltk(echo, server_index_url, timeout):
    from nltk.downloader import Downloader

    downloader = Downloader(server_index_url=server_index_url)
    url = downloader.url
    # NLTK waits up to 120 s for a silent server; offline, fail within `timeout` instead.
    _check_reachable(url, timeout)
    target = nltk_data_dir()
    authorize(target)
    echo(f"Downloading WordNet with NLTK from {url} into {target} ...")
    try:
        downloader.download(NLTK_PACKAGE, download_dir=str(target), quiet=True,
                            raise_on_error=True, print_error_to=io.StringIO())
    # The downloader is third-party network and archive code with many failure types; any of
    # them means this way did not work and the next one should be tried.
    except Exception as exc:  # noqa: BLE001
        raise UserError(f"NLTK's download of WordNet from {url} failed: "
                        f"{one_line(exc)}.") from None


def _check_reachable(url, timeout):
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise UserError(f"the NLTK data index URL {url!r} is not an http(s) URL.",
                        "Give one like https://raw.githubusercontent.com/nltk/nltk_data/"
                        "gh-pages/index.xml.")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname, port), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise OfflineError(f"NLTK's data server {parsed.hostname}:{port} cannot be reached "
                           f"({reason}; offline?).") from None


def _install_apt(echo):
    packages = list(APT_PACKAGES)
    unavailable = _apt_unavailable()
    if unavailable:
        raise UserError(unavailable)
    echo(f"Installing {' '.join(packages)} with apt-get ...")
    code, output = _run(["apt-get", "install", "-y", *packages])
    if code != 0:
        echo("apt-get install failed; updating the package lists and retrying ...")
        _run(["apt-get", "update"])
        code, output = _run(["apt-get", "install", "-y", *packages])
    if code != 0:
        last_line = output.strip().splitlines()[-1] if output.strip() else "no output"
        raise UserError(f"`apt-get install -y {' '.join(packages)}` failed (exit status "
                        f"{code}): {last_line}.")


def _apt_unavailable():
    """Why apt-get cannot install packages here, or None when it can."""
    if not shutil.which("apt-get") or not Path("/etc/debian_version").exists():
        return "apt-get is not available (not a Debian system)."
    if os.geteuid() != 0:
        return ("apt-get needs root: run "
                f"`sudo apt-get install {' '.join(APT_PACKAGES)}`.")
    return None


def _run(command):
    """Run a fixed argument list non-interactively; return its exit status and output."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, env=env, check=False)
    except OSError as exc:
        return 127, str(exc)
    return done.returncode, done.stdout
