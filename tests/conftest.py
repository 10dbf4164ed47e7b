"""Shared fixtures: a private wordrep cache for every test, and WordNet data when a test needs it.

No test writes to the real ``~/.cache/wordrep``: ``WORDREP_HOME`` points at a fresh temporary
folder for each test. Tests that need WordNet are skipped, with the reason, where Debian's
WordNet is not installed, except in CI (``CI=true``), where missing data must fail the run
instead of silently shrinking it.
"""
import os
from pathlib import Path

import pytest

from http_fixtures import closed_port_url, http_server  # noqa: F401  (fixtures for all tests)

SYSTEM_WORDNET = Path("/usr/share/wordnet")


def in_ci():
    """True when running in continuous integration, where nothing may be skipped for lack of data."""
    return os.environ.get("CI", "").strip().lower() == "true"


def skip_or_fail(reason):
    """Skip the test with ``reason``; in CI, fail it instead."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: data a test needs must be installed, not skipped)")
    pytest.skip(reason)


def require_system_wordnet():
    """The Debian WordNet folder, or skip (fail in CI) when it is not installed."""
    if not (SYSTEM_WORDNET / "data.noun").is_file() or not (SYSTEM_WORDNET / "index.sense").is_file():
        skip_or_fail(f"Debian's WordNet is not installed in {SYSTEM_WORDNET} "
                     "(apt-get install wordnet-base wordnet-sense-index)")
    return SYSTEM_WORDNET


@pytest.fixture(autouse=True)
def wordrep_home(tmp_path_factory, monkeypatch):
    """A fresh, empty wordrep cache folder (``$WORDREP_HOME``) for each test."""
    home = tmp_path_factory.mktemp("wordrep_home")
    monkeypatch.setenv("WORDREP_HOME", str(home))
    return home


@pytest.fixture
def system_wordnet():
    """Debian's WordNet folder (``/usr/share/wordnet``); skipped without it, failed in CI."""
    return require_system_wordnet()


@pytest.fixture(scope="session")
def wordnet_dir(tmp_path_factory):
    """One NLTK-ready WordNet folder for the whole session (copied from Debian's, with lexnames).

    Point ``$WORDREP_WORDNET`` at it (tests marked ``wordnet`` get that done for them) so that
    every test reads the same folder and the loaded reader is shared, not rebuilt per test.
    """
    from wordrep import wordnet

    source = require_system_wordnet()
    target = tmp_path_factory.mktemp("wordnet")
    wordnet.copy_nltk_ready(source, target)
    return target


@pytest.fixture(autouse=True)
def _wordnet_for_marked_tests(request, monkeypatch):
    if request.node.get_closest_marker("wordnet"):
        monkeypatch.setenv("WORDREP_WORDNET", str(request.getfixturevalue("wordnet_dir")))


def pytest_terminal_summary(terminalreporter):
    """How many generated cases each reader met in the fuzz tests (tests/fuzzing.py)."""
    import sys
    fuzzing = sys.modules.get("fuzzing")
    if fuzzing is not None and fuzzing.COUNTS:
        terminalreporter.section("fuzzed readers: cases generated and survived")
        for line in fuzzing.summary_lines():
            terminalreporter.write_line(line)


@pytest.fixture
def sigint_raises():
    """Ctrl-C raises KeyboardInterrupt in this test, as in a terminal, even when the test run
    was started with SIGINT ignored (a background job: `make test &`, nohup)."""
    import signal
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)
