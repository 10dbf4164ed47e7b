"""WordNet: finding it, the NLTK-ready copy, loading NLTK's reader, installing, the CLI.

Everything runs on the real WordNet of Debian's packages; downloads come from a local HTTP
server that serves an NLTK data index and a wordnet.zip built from those files.
"""
import hashlib
import ipaddress
import shutil
import subprocess
import sys
import textwrap
import time
import zipfile

import nltk.data
import nltk.pathsec
import pytest
from click.testing import CliRunner

from wordrep import wordnet
from wordrep.wordnet import copying, installing, locating
from wordrep.cli import main
from wordrep.errors import UserError

INSTALL_COMMANDS = ("wordrep wordnet install", "python -m nltk.downloader wordnet",
                    "sudo apt-get install wordnet-base wordnet-sense-index")


@pytest.fixture
def nowhere(tmp_path, monkeypatch):
    """No WordNet anywhere: empty NLTK data path, no system folders, no variables."""
    empty = tmp_path / "empty_nltk_data"
    empty.mkdir()
    monkeypatch.setattr(nltk.data, "path", [str(empty)])
    monkeypatch.setattr(locating, "SYSTEM_DIRS", ())
    monkeypatch.delenv("WNHOME", raising=False)
    monkeypatch.delenv("WORDREP_WORDNET", raising=False)
    return tmp_path


@pytest.fixture
def wordnet_copy(system_wordnet, tmp_path):
    """A plain copy of Debian's WordNet folder: database files, no lexnames."""
    target = tmp_path / "debian_wordnet"
    shutil.copytree(system_wordnet, target, symlinks=True)
    assert not (target / "lexnames").exists()
    return target


def cache_copies(home):
    folder = home / "wordnet"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def check_reader(wn):
    dog, cat = wn.synset("dog.n.01"), wn.synset("cat.n.01")
    assert {s.name() for s in dog.hypernyms()} == {"canine.n.02", "domestic_animal.n.01"}
    assert dog.lexname() == "noun.animal"
    assert dog.path_similarity(cat) == pytest.approx(0.2)


# -- locating -----------------------------------------------------------------------------------

def test_folder_without_lexnames_is_copied_to_the_cache_and_read(nowhere, wordnet_copy,
                                                                 wordrep_home, monkeypatch):
    monkeypatch.setenv("WORDREP_WORDNET", str(wordnet_copy))
    location = wordnet.locate()
    assert location.source == "WORDREP_WORDNET"
    assert location.path == wordnet_copy
    assert location.version == "3.0"
    root = location.reader_root
    assert root.parent == wordrep_home / "wordnet"
    lexnames = (root / "lexnames").read_text().splitlines()
    assert len(lexnames) == 45
    assert lexnames[0] == "00\tadj.all\t3" and lexnames[-1] == "44\tadj.ppl\t3"
    assert not any(f.is_symlink() for f in root.iterdir())
    assert not (wordnet_copy / "lexnames").exists(), "the user's folder is left as it was"
    check_reader(wordnet.load())


def test_the_cache_copy_is_made_once(nowhere, wordnet_copy, wordrep_home, monkeypatch):
    monkeypatch.setenv("WORDREP_WORDNET", str(wordnet_copy))
    copies = []
    real_copy = wordnet.copy_nltk_ready
    monkeypatch.setattr(copying, "copy_nltk_ready",
                        lambda source, target: (copies.append(source), real_copy(source, target)))
    first = wordnet.locate().reader_root
    inode = (first / "data.noun").stat().st_ino
    second = wordnet.locate().reader_root
    assert first == second
    assert copies == [wordnet_copy]
    assert (second / "data.noun").stat().st_ino == inode
    assert cache_copies(wordrep_home) == [first]


def test_an_interrupted_copy_is_never_used(nowhere, wordnet_copy, wordrep_home, monkeypatch):
    monkeypatch.setenv("WORDREP_WORDNET", str(wordnet_copy))
    real_copyfile = shutil.copyfile

    def copy_then_interrupt(src, dst):
        real_copyfile(src, dst)
        if str(dst).endswith("data.noun"):
            raise KeyboardInterrupt

    monkeypatch.setattr(shutil, "copyfile", copy_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        wordnet.locate()
    assert cache_copies(wordrep_home) == [], "no half-made copy is left behind"
    monkeypatch.setattr(shutil, "copyfile", real_copyfile)
    root = wordnet.locate().reader_root
    assert (root / "lexnames").is_file() and (root / "verb.exc").is_file()


def test_a_killed_copy_s_partial_folder_is_removed_by_the_next(nowhere, wordnet_copy,
                                                               wordrep_home, monkeypatch):
    """A copy killed half-way (a real process, SIGKILL) leaves its temporary folder; the next
    copy from the same folder removes it and leaves only the finished copy."""
    hang_after_data_noun = textwrap.dedent("""
        import shutil, time
        real_copyfile = shutil.copyfile
        def copy_then_hang(src, dst):
            real_copyfile(src, dst)
            if str(dst).endswith("data.noun"):
                print("copying", flush=True)
                time.sleep(600)
        shutil.copyfile = copy_then_hang
        from wordrep import wordnet
        wordnet.locate()
    """)
    monkeypatch.setenv("WORDREP_WORDNET", str(wordnet_copy))
    copier = subprocess.Popen([sys.executable, "-c", hang_after_data_noun],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert copier.stdout.readline() == "copying\n"
    finally:
        copier.kill()
        copier.wait()
    partial, = cache_copies(wordrep_home)
    assert partial.name.startswith(".") and (partial / "data.noun").is_file()
    root = wordnet.locate().reader_root
    assert cache_copies(wordrep_home) == [root]
    assert (root / "lexnames").is_file()


def test_a_symlinked_folder_gets_a_copy_of_real_files(nowhere, system_wordnet, tmp_path,
                                                      monkeypatch):
    # NLTK refuses links leading out of its data roots, lexnames or not.
    links = tmp_path / "links"
    links.mkdir()
    for name in wordnet.REQUIRED_FILES:
        (links / name).symlink_to(system_wordnet / name)
    (links / "lexnames").write_text(wordnet.lexnames_text())
    monkeypatch.setenv("WORDREP_WORDNET", str(links))
    root = wordnet.locate().reader_root
    assert root != links
    assert all(f.is_file() and not f.is_symlink() for f in root.iterdir())


@pytest.mark.wordnet
def test_an_nltk_ready_folder_is_read_in_place(wordnet_dir, wordrep_home):
    location = wordnet.locate()
    assert location.source == "WORDREP_WORDNET"
    assert location.reader_root == wordnet_dir
    assert cache_copies(wordrep_home) == []
    check_reader(wordnet.load())
    assert wordnet.load() is wordnet.load(), "the reader is built once per process"


def test_system_wordnet_is_found_and_copied(nowhere, system_wordnet, wordrep_home, monkeypatch):
    monkeypatch.setattr(locating, "SYSTEM_DIRS", (nowhere / "absent", system_wordnet))
    location = wordnet.locate()
    assert (location.source, location.path, location.version) == ("system", system_wordnet, "3.0")
    assert location.reader_root.parent == wordrep_home / "wordnet"


def test_wnhome_dict_is_a_system_folder(nowhere, wordnet_copy, tmp_path, monkeypatch):
    wnhome = tmp_path / "wnhome"
    wnhome.mkdir()
    wordnet_copy.rename(wnhome / "dict")
    monkeypatch.setenv("WNHOME", str(wnhome))
    location = wordnet.locate()
    assert (location.source, location.path) == ("system", wnhome / "dict")


def test_a_folder_that_is_not_wordnet_is_refused_clearly(nowhere, tmp_path, monkeypatch):
    (tmp_path / "notes.txt").write_text("not a dictionary")
    monkeypatch.setenv("WORDREP_WORDNET", str(tmp_path))
    with pytest.raises(UserError) as err:
        wordnet.locate()
    message = err.value.format()
    assert f"WORDREP_WORDNET={tmp_path} is not a WordNet database folder" in message
    assert "data.noun" in message and "unset it" in message
    assert "\n" not in message


def test_a_missing_folder_is_refused_clearly(nowhere, tmp_path, monkeypatch):
    monkeypatch.setenv("WORDREP_WORDNET", str(tmp_path / "nope"))
    with pytest.raises(UserError, match="nope is not a folder"):
        wordnet.locate()


def test_nothing_found_gives_the_install_commands(nowhere):
    with pytest.raises(UserError) as err:
        wordnet.locate()
    message = err.value.format()
    assert message.startswith("no WordNet data found")
    for command in INSTALL_COMMANDS:
        assert command in message
    assert "\n" not in message


def test_an_incomplete_system_folder_is_named(nowhere, tmp_path, monkeypatch):
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "data.noun").write_text("")
    monkeypatch.setattr(locating, "SYSTEM_DIRS", (partial,))
    with pytest.raises(UserError, match=f"{partial} is incomplete \\(no index.noun"):
        wordnet.locate()


# -- installing ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def nltk_server_files(tmp_path_factory):
    """A folder laid out like NLTK's data server: index.xml's package list and wordnet.zip."""
    from conftest import require_system_wordnet

    source = require_system_wordnet()
    folder = tmp_path_factory.mktemp("nltk_server")
    (folder / "packages" / "corpora").mkdir(parents=True)
    archive = folder / "packages" / "corpora" / "wordnet.zip"
    unzipped = 0
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("wordnet/", "")
        for name in wordnet.database_files(source):
            zf.write(source / name, f"wordnet/{name}")
            unzipped += (source / name).stat().st_size
        zf.writestr("wordnet/lexnames", wordnet.lexnames_text())
        unzipped += len(wordnet.lexnames_text())
    return folder, archive, unzipped


def write_index(folder, archive, unzipped, base_url):
    data = archive.read_bytes()
    (folder / "index.xml").write_text(
        '<?xml version="1.0"?>\n<nltk_data><packages>\n'
        f'<package id="wordnet" name="WordNet" subdir="corpora" unzip="1" '
        f'url="{base_url}/packages/corpora/wordnet.zip" size="{len(data)}" '
        f'unzipped_size="{unzipped}" checksum="{hashlib.md5(data).hexdigest()}" '
        f'sha256_checksum="{hashlib.sha256(data).hexdigest()}" />\n'
        '</packages><collections></collections></nltk_data>\n')
    return f"{base_url}/index.xml"


@pytest.fixture
def allow_loopback(monkeypatch):
    """Let NLTK's downloader reach 127.0.0.1, which its SSRF guard refuses, and nothing else."""
    refuse = nltk.pathsec._ip_is_forbidden
    monkeypatch.setattr(nltk.pathsec, "_ip_is_forbidden",
                        lambda ip: False if ip == ipaddress.ip_address("127.0.0.1") else refuse(ip))
    for proxy in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(proxy, raising=False)


def test_install_downloads_with_nltk_from_a_server(nowhere, nltk_server_files, http_server,
                                                   allow_loopback, wordrep_home):
    folder, archive, unzipped = nltk_server_files
    index_url = write_index(folder, archive, unzipped, http_server(folder))
    messages = []
    location = wordnet.install(messages.append, server_index_url=index_url, use_apt=False)
    assert location.source == "nltk"
    assert location.path.is_relative_to(wordrep_home / "nltk_data" / "corpora")
    assert location.version == "3.0"
    assert any(index_url in m for m in messages)
    assert wordnet.locate() == location
    check_reader(wordnet.load())


def test_install_does_nothing_when_wordnet_is_there(nowhere, wordnet_copy, monkeypatch,
                                                    closed_port_url):
    monkeypatch.setenv("WORDREP_WORDNET", str(wordnet_copy))
    messages = []
    location = wordnet.install(messages.append, server_index_url=closed_port_url, use_apt=False)
    assert location.source == "WORDREP_WORDNET"
    assert "already available" in messages[0]


def test_install_offline_fails_fast_and_says_what_to_run(nowhere, closed_port_url):
    start = time.monotonic()
    with pytest.raises(UserError) as err:
        wordnet.install(lambda m: None, server_index_url=closed_port_url + "/index.xml",
                        use_apt=False)
    assert time.monotonic() - start < 5
    message = err.value.format()
    assert message.startswith("could not install WordNet")
    assert "127.0.0.1" in message and "cannot be reached" in message
    assert "python -m nltk.downloader wordnet" in message
    assert "sudo apt-get install wordnet-base wordnet-sense-index" in message
    assert "\n" not in message


def test_a_server_without_the_index_gives_a_clear_error(nowhere, tmp_path, http_server,
                                                       allow_loopback):
    index_url = http_server(tmp_path) + "/index.xml"  # nothing served: 404
    with pytest.raises(UserError) as err:
        wordnet.install(lambda m: None, server_index_url=index_url, use_apt=False)
    message = err.value.format()
    assert f"NLTK's download of WordNet from {index_url} failed" in message
    assert "404" in message and "\n" not in message


def test_a_failing_nltk_download_falls_back_on_apt(nowhere, system_wordnet, closed_port_url,
                                                   monkeypatch):
    # apt-get itself is not run here: a test must not change the machine's packages.
    commands = []

    def fake_apt(command):
        commands.append(command)
        if command == ["apt-get", "update"]:
            return 0, "Reading package lists..."
        if len(commands) == 1:
            return 100, "E: Unable to locate package wordnet-base"
        monkeypatch.setattr(locating, "SYSTEM_DIRS", (system_wordnet,))  # "installed"
        return 0, "Setting up wordnet-base"

    monkeypatch.setattr(installing, "_apt_unavailable", lambda: None)
    monkeypatch.setattr(installing, "_run", fake_apt)
    location = wordnet.install(lambda m: None, server_index_url=closed_port_url + "/index.xml")
    install = ["apt-get", "install", "-y", "wordnet-base", "wordnet-sense-index"]
    assert commands == [install, ["apt-get", "update"], install]
    assert location.source == "system"


def test_apt_failure_is_reported_with_its_last_line(nowhere, closed_port_url, monkeypatch):
    monkeypatch.setattr(installing, "_apt_unavailable", lambda: None)
    monkeypatch.setattr(installing, "_run", lambda command: (100, "...\nE: no space left"))
    with pytest.raises(UserError, match="failed \\(exit status 100\\): E: no space left"):
        wordnet.install(lambda m: None, server_index_url=closed_port_url + "/index.xml")


def test_nltk_wordnet_zip_on_the_data_path_is_read(nowhere, nltk_server_files, tmp_path,
                                                   monkeypatch):
    # The layout `python -m nltk.downloader wordnet` leaves for a user: the archive, unzipped
    # by nobody.
    _, archive, _ = nltk_server_files
    data = tmp_path / "nltk_data"
    (data / "corpora").mkdir(parents=True)
    shutil.copyfile(archive, data / "corpora" / "wordnet.zip")
    monkeypatch.setattr(nltk.data, "path", [str(data)])
    location = wordnet.locate()
    assert (location.source, location.path) == ("nltk", data / "corpora" / "wordnet.zip")
    assert location.version == "3.0"
    check_reader(wordnet.load())


def test_damaged_data_gives_a_clear_error(nowhere, wordnet_copy, monkeypatch):
    (wordnet_copy / "lexnames").write_text("this is not a lexnames table\n")
    monkeypatch.setenv("WORDREP_WORDNET", str(wordnet_copy))
    with pytest.raises(UserError) as err:
        wordnet.load()
    message = err.value.format()
    assert f"NLTK cannot read the WordNet data in {wordnet_copy}" in message
    assert "wordrep wordnet install --force" in message


# -- command line -------------------------------------------------------------------------------

@pytest.mark.wordnet
def test_cli_status_prints_where_wordnet_is(wordnet_dir):
    result = CliRunner().invoke(main, ["wordnet", "status"])
    assert result.exit_code == 0, result.output
    lines = dict(line.split("\t", 1) for line in result.stdout.splitlines())
    assert lines["source"] == "WORDREP_WORDNET"
    assert lines["path"] == str(wordnet_dir)
    assert lines["version"] == "3.0"


def test_cli_status_without_wordnet_exits_2_with_one_line(nowhere):
    result = CliRunner().invoke(main, ["wordnet", "status"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("Error: no WordNet data found")
    assert "wordrep wordnet install" in result.stderr


def test_cli_install_offline_exits_2(nowhere, closed_port_url):
    result = CliRunner().invoke(main, ["wordnet", "install", "--no-apt",
                                       "--index-url", closed_port_url + "/index.xml"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1].startswith("Error: could not install WordNet")


# -- damaged data: a copy cut short --------------------------------------------------------------

def truncated_copy(source, target, name, cut):
    """A copy of the WordNet folder ``source`` with the file ``name`` cut short: ``"mid-line"``
    (half of it, within a line, as an interrupted copy leaves it), ``"half-lines"`` (its first
    half of lines) or ``"last-line"`` (all but its last line)."""
    shutil.copytree(source, target)
    data = (target / name).read_bytes()
    end = {"mid-line": len(data) // 2,
           "half-lines": data.rindex(b"\n", 0, len(data) // 2) + 1,
           "last-line": data.rindex(b"\n", 0, len(data) - 1) + 1}[cut]
    assert data[end - 1:end] != b"\n" if cut == "mid-line" else data[end - 1:end] == b"\n"
    (target / name).write_bytes(data[:end])
    return target


def one_error_line(result):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.stderr.count("\n") == 1, result.stderr
    return result.stderr


@pytest.mark.wordnet
@pytest.mark.parametrize("name,cut,problem", [
    ("index.noun", "mid-line", "index.noun is cut short"),
    ("data.adj", "mid-line", "data.adj is cut short"),
    ("data.noun", "half-lines", "data.noun is cut short"),
    ("index.verb", "half-lines", "index.verb lacks"),
    ("index.noun", "last-line", "index.noun lacks"),
])
def test_status_finds_a_truncated_wordnet(wordnet_dir, tmp_path, monkeypatch, name, cut, problem):
    copy = truncated_copy(wordnet_dir, tmp_path / "wordnet", name, cut)
    monkeypatch.setenv("WORDREP_WORDNET", str(copy))
    stderr = one_error_line(CliRunner().invoke(main, ["wordnet", "status"]))
    assert stderr.startswith(f"Error: damaged WordNet data in {copy}: {problem}")
    assert "wordrep wordnet install" in stderr


@pytest.mark.wordnet
@pytest.mark.parametrize("cut", ["mid-line", "last-line"])
def test_builders_refuse_a_truncated_wordnet_with_one_clear_error(wordnet_dir, tmp_path,
                                                                    monkeypatch, cut):
    # mid-line: NLTK's reader ran out of tokens (StopIteration, exit 1); last line: one lemma
    # lost, found only by reading all of WordNet, as the feature builder does
    copy = truncated_copy(wordnet_dir, tmp_path / "wordnet", "index.noun", cut)
    monkeypatch.setenv("WORDREP_WORDNET", str(copy))
    out = tmp_path / "features.wr"
    stderr = one_error_line(CliRunner().invoke(main, ["train", "wordnet-features", "-o", out]))
    assert stderr.startswith(f"Error: damaged WordNet data in {copy}: index.noun ")
    assert "wordrep wordnet install" in stderr
    assert not out.exists()


@pytest.mark.wordnet
def test_status_checks_a_whole_wordnet(wordnet_dir):
    result = CliRunner().invoke(main, ["wordnet", "status"])
    assert result.exit_code == 0, result.output
    assert "data\tchecked: every file whole, every lemma found in its index" in result.stdout
