"""Named benchmarks: the ones gensim ships (always here) and downloads kept in the cache.

Each is a function registered by name in :data:`benchmarks` that returns the loaded dataset,
fetching its file first when allowed; ``wordrep benchmarks list`` reads this registry.

Checksums
---------
A download is trusted only when it matches a checksum from a public source. For most archives
the only published one found is the SHA-1 listed by GluonNLP's dataset loaders
(``gluonnlp/data/word_embedding_evaluation.py``), so those are verified by SHA-1 and the
SHA-256 is shown once computed. Where no checksum is known at all (``sha256`` and ``sha1`` both
``None``), nothing is invented: :func:`fetch_benchmark` refuses unless the user allows an
unverified download, and then prints the SHA-256 it computed.

Transport
---------
Every URL is https where the dataset's host is known to serve it: MEN from its author's
current page (``staff.fnwi.uva.nl``; GluonNLP's later loaders fetch the same archive, same
SHA-1, there), the Rare Words from ``nlp.stanford.edu`` over https (the old address was
``www-nlp.stanford.edu`` over http), MSR from the same Microsoft host over https (it has no
checksum, so plain http would not be allowed at all). SimVerb-3500 (``people.ds.cam.ac.uk``)
and the WordSim-353 similarity/relatedness split (``alfonseca.org``) are published over plain
http only, with no https mirror known to serve the same bytes; they stay downloadable because
their SHA-1 is pinned here and checked before the file is used (:mod:`wordrep.download`
accepts http only for a pinned checksum). An unverified download must come over https. (These
choices were made without network access: a changed address that serves other bytes is
refused by the checksum, never trusted.)

Archives
--------
Every archive is unpacked by :func:`wordrep.archives.extract` into
``benchmarks/<name>/`` in the cache: members that would escape that folder, links, special
files and zip bombs are refused, and the folder appears only once complete and checked.
"""
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..archives import extract, remove_incomplete
from ..atomic import atomic_path
from ..download import fetch, file_digest, sha256_file
from ..errors import UserError
from ..gensim_data import gensim_test_file
from ..home import cache_dir
from ..registry import Registry
from .datasets import Agreement, AnalogyDataset
from .loaders import read_analogy, read_similarity

benchmarks = Registry("benchmark")

GLUON = "checksum: SHA-1 as listed by GluonNLP (gluonnlp/data/word_embedding_evaluation.py)"
NO_AGREEMENT = "no human agreement figure recorded in wordrep for this dataset"
SIMLEX_AGREEMENT = [
    Agreement(0.67, "inter-annotator agreement, average pairwise Spearman",
              "Hill, Reichart & Korhonen (2015), SimLex-999, Computational Linguistics 41(4)"),
    Agreement(0.78, "inter-annotator agreement, one annotator vs the mean of the others (Spearman)",
              "Hill, Reichart & Korhonen (2015), SimLex-999, Computational Linguistics 41(4)"),
]


@dataclass(frozen=True)
class Download:
    """A benchmark file on the web and what it must be.

    ``members`` are the files to take out of an archive (path inside it -> expected SHA-1 or
    ``None``); an empty mapping means the download is the data file itself, or an archive
    read as a whole (BATS). ``max_bytes`` caps a download whose ``size`` is not known
    (:data:`wordrep.download.MAX_DOWNLOAD_BYTES` by default).
    """
    url: str
    sha256: str = None
    sha1: str = None
    size: int = None
    members: dict = field(default_factory=dict)
    max_bytes: int = None

    @property
    def verified(self):
        return bool(self.sha256 or self.sha1)


_MFARUQUI = "https://raw.githubusercontent.com/mfaruqui/eval-word-vectors/master/data/word-sim/"

# The registry functions look their Download up here at call time (tests point them at a local
# server by replacing an entry).
DOWNLOADS = {
    "men": Download("https://staff.fnwi.uva.nl/e.bruni/resources/MEN.tar.gz",
                    sha1="3c4af1b7009c1ad75e03562f7f7bc5f51ff3a31a",
                    members={"MEN/MEN_dataset_natural_form_full":
                             "af9c2ca0033e2561676872eed98e223ee6366b82"}),
    "simverb3500": Download("http://people.ds.cam.ac.uk/dsg40/paper/simverb/simverb-3500-data.zip",
                            sha1="8c43b0a34823def29ad4c4f4d7e9d3b91acf8b8d",
                            members={"data/SimVerb-3500.txt":
                                     "0e79af04fd42f44affc93004f2a02b62f155a9ae"}),
    "rw": Download("https://nlp.stanford.edu/~lmthang/morphoNLM/rw.zip",
                   sha1="bf9c5959a0a2d7ed8e51d91433ac5ebf366d4fb9",
                   members={"rw/rw.txt": "bafc59f099f1798b47f5bed7b0ebbb933f6b309a"}),
    "mturk771": Download(_MFARUQUI + "EN-MTurk-771.txt"),
    "rg65": Download(_MFARUQUI + "EN-RG-65.txt"),
    "mc30": Download(_MFARUQUI + "EN-MC-30.txt"),
    "ws353sim": Download("http://alfonseca.org/pubs/ws353simrel.tar.gz",
                         sha1="1b9ca7f4d61682dea0004acbd48ce74275d5bfff",
                         members={"wordsim353_sim_rel/wordsim_similarity_goldstandard.txt":
                                  "4845df518a83c8f7c527439590ed7e4c71916a99"}),
    "ws353rel": Download("http://alfonseca.org/pubs/ws353simrel.tar.gz",
                         sha1="1b9ca7f4d61682dea0004acbd48ce74275d5bfff",
                         members={"wordsim353_sim_rel/wordsim_relatedness_goldstandard.txt":
                                  "c36c5dc5ebea9964f4f43e2c294cd620471ab1b8"}),
    "msr": Download("https://research.microsoft.com/en-us/um/people/gzweig/Pubs/"
                    "myz_naacl13_test_set.tgz",
                    members={"test_set/word_relationship.questions": None,
                             "test_set/word_relationship.answers": None}),
    "bats": Download("https://s3.amazonaws.com/blackbirdprojects/tut_vsm/BATS_3.0.zip",
                     sha1="bf94d47884be9ea83af369beeea7499ed25dcf0d"),
}


# ---- bundled: gensim's test data -------------------------------------------------------------

@benchmarks.register("wordsim353", kind="similarity", size=353, scale=(0, 10), bundled=True,
                     source="gensim's test data (wordsim353.tsv)",
                     licence="distributed with gensim's test data; the collection's page "
                             "(Finkelstein et al.) states no licence",
                     citation="Finkelstein et al. (2002), Placing search in context, ACM TOIS 20(1)")
def wordsim353(fetch_missing=True, progress=None, allow_unverified=False):
    """WordSim-353: similarity and relatedness of 353 noun pairs, 0-10 (bundled with gensim)."""
    entry = benchmarks.get("wordsim353")
    return read_similarity(gensim_test_file("wordsim353.tsv"), "wordsim353", scale=(0.0, 10.0),
                           agreement_note=NO_AGREEMENT, licence=entry.info["licence"],
                           citation=entry.info["citation"])


@benchmarks.register("simlex999", kind="similarity", size=999, scale=(0, 10), bundled=True,
                     source="gensim's test data (simlex999.txt)",
                     licence="distributed with gensim's test data; see "
                             "https://fh295.github.io/simlex.html for the original's terms",
                     citation="Hill, Reichart & Korhonen (2015), Computational Linguistics 41(4)")
def simlex999(fetch_missing=True, progress=None, allow_unverified=False):
    """SimLex-999: genuine similarity (not relatedness) of 999 pairs, 0-10 (bundled with gensim)."""
    entry = benchmarks.get("simlex999")
    return read_similarity(gensim_test_file("simlex999.txt"), "simlex999", scale=(0.0, 10.0),
                           agreement=list(SIMLEX_AGREEMENT), licence=entry.info["licence"],
                           citation=entry.info["citation"])


@benchmarks.register("google", kind="analogy", size=19544, bundled=True,
                     source="gensim's test data (questions-words.txt)",
                     licence="from the word2vec project (Apache License 2.0), via gensim",
                     citation="Mikolov et al. (2013), Efficient estimation of word "
                              "representations in vector space, ICLR workshop")
def google(fetch_missing=True, progress=None, allow_unverified=False):
    """Google analogies: 19,544 questions, 5 semantic and 9 syntactic sections (bundled with gensim)."""
    entry = benchmarks.get("google")
    return read_analogy(gensim_test_file("questions-words.txt"), "google",
                        licence=entry.info["licence"], citation=entry.info["citation"])


BUNDLED = ("wordsim353", "simlex999", "google")


# ---- downloads ----------------------------------------------------------------------------------

def _similarity_download(name, scale, columns=None, **info):
    def load(fetch_missing=True, progress=None, allow_unverified=False):
        paths = fetch_benchmark(name, fetch_missing, progress, allow_unverified)
        entry = benchmarks.get(name)
        return read_similarity(paths[0], name, columns=columns, scale=scale,
                               agreement_note=NO_AGREEMENT, licence=entry.info.get("licence"),
                               citation=entry.info.get("citation"))
    return load


def _register_similarity(name, summary, size, scale, columns=None, **info):
    load = _similarity_download(name, scale, columns)
    load.__doc__ = summary
    load.__name__ = name
    benchmarks.register(name, kind="similarity", size=size, scale=scale, download=True,
                        **info)(load)


_register_similarity("men", "MEN: relatedness of 3,000 pairs, 0-50 (natural form).", 3000, (0.0, 50.0),
                     licence="CC BY 2.0 (as stated by GluonNLP's dataset notes)",
                     citation="Bruni, Tran & Baroni (2014), Multimodal distributional "
                              "semantics, JAIR 49")
_register_similarity("simverb3500", "SimVerb-3500: similarity of 3,500 verb pairs, 0-10.", 3500,
                     (0.0, 10.0), columns=(0, 1, 3),
                     licence="not stated by the distributor; see the SimVerb-3500 page",
                     citation="Gerz et al. (2016), SimVerb-3500, EMNLP")
_register_similarity("rw", "Stanford Rare Words: 2,034 pairs of rare words, 0-10.", 2034,
                     (0.0, 10.0), columns=(0, 1, 2),
                     licence="not stated by the distributor",
                     citation="Luong, Socher & Manning (2013), Better word representations with "
                              "recursive neural networks for morphology, CoNLL")
_register_similarity("mturk771", "MTurk-771: relatedness of 771 pairs, 1-5.", 771, (1.0, 5.0),
                     licence="not stated; copy from github.com/mfaruqui/eval-word-vectors",
                     citation="Halawi et al. (2012), Large-scale learning of word relatedness "
                              "with constraints, KDD")
_register_similarity("rg65", "RG-65: similarity of 65 noun pairs, 0-4.", 65, (0.0, 4.0),
                     licence="not stated; copy from github.com/mfaruqui/eval-word-vectors",
                     citation="Rubenstein & Goodenough (1965), Contextual correlates of "
                              "synonymy, CACM 8(10)")
_register_similarity("mc30", "MC-30: similarity of 30 noun pairs, 0-4.", 30, (0.0, 4.0),
                     licence="not stated; copy from github.com/mfaruqui/eval-word-vectors",
                     citation="Miller & Charles (1991), Contextual correlates of semantic "
                              "similarity, Language and Cognitive Processes 6(1)")
_register_similarity("ws353sim", "WordSim-353 similarity split: 203 pairs, 0-10.", 203,
                     (0.0, 10.0), licence="CC BY 4.0 (as stated by GluonNLP's dataset notes)",
                     citation="Agirre et al. (2009), A study on similarity and relatedness "
                              "using distributional and WordNet-based approaches, NAACL")
_register_similarity("ws353rel", "WordSim-353 relatedness split: 252 pairs, 0-10.", 252,
                     (0.0, 10.0), licence="CC BY 4.0 (as stated by GluonNLP's dataset notes)",
                     citation="Agirre et al. (2009), A study on similarity and relatedness "
                              "using distributional and WordNet-based approaches, NAACL")


@benchmarks.register("msr", kind="analogy", size=8000, download=True,
                     licence="not stated by the distributor",
                     citation="Mikolov, Yih & Zweig (2013), Linguistic regularities in "
                              "continuous space word representations, NAACL")
def msr(fetch_missing=True, progress=None, allow_unverified=False):
    """MSR analogies: 8,000 syntactic questions, no sections."""
    questions_path, answers_path = fetch_benchmark("msr", fetch_missing, progress,
                                                   allow_unverified)
    # The archive keeps "a b c" questions and "TAG d" answers in two files, line by line.
    questions = Path(questions_path).read_text(encoding="utf-8", errors="replace").split("\n")
    answers = Path(answers_path).read_text(encoding="utf-8", errors="replace").split("\n")
    rows = [(q.split(), a.split()) for q, a in zip(questions, answers) if q.strip()]
    bad = next((i for i, (q, a) in enumerate(rows, 1) if len(q) != 3 or not a), None)
    if bad is not None:
        raise UserError(f"{questions_path}, line {bad}: not an MSR question with an answer.",
                        "Delete the cached files and fetch again: `wordrep benchmarks fetch msr`.")
    entry = benchmarks.get("msr")
    return AnalogyDataset("msr", [(*q, a[-1]) for q, a in rows], ["msr"],
                          np.zeros(len(rows), dtype=np.intp), {"msr": "syntactic"},
                          source=DOWNLOADS["msr"].url, licence=entry.info["licence"],
                          citation=entry.info["citation"])


BATS_GROUPS = {"I": "syntactic", "D": "syntactic", "E": "semantic", "L": "semantic"}


@benchmarks.register("bats", kind="analogy", size=98000, download=True,
                     licence="not stated by the distributor (vecto.space/projects/BATS)",
                     citation="Gladkova, Drozd & Matsuoka (2016), Analogy-based detection of "
                              "morphological and semantic relations with word embeddings, "
                              "NAACL SRW")
def bats(fetch_missing=True, progress=None, allow_unverified=False):
    """BATS 3.0: 40 relations x 50 pairs, every ordered pair of pairs in a relation a question."""
    folder = fetch_benchmark("bats", fetch_missing, progress, allow_unverified)[0]
    questions, sections, names = [], [], []
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.txt"))
    for member in files:
        name = Path(member).name
        if "/" not in member or name[:1] not in BATS_GROUPS or not name[1:3].isdigit():
            continue
        lines = (folder / member).read_text(encoding="utf-8", errors="replace").splitlines()
        # "word<TAB>answer/alternative/...": only the first answer counts here.
        pairs = [(f[0], f[1].split("/")[0]) for f in (ln.split() for ln in lines) if len(f) >= 2]
        names.append(Path(member).stem)
        for i, (a, b) in enumerate(pairs):
            for j, (c, d) in enumerate(pairs):
                if i != j:
                    questions.append((a, b, c, d))
                    sections.append(len(names) - 1)
    if not questions:
        raise UserError(f"{folder} holds no BATS relation files.",
                        "Delete it and fetch again: `wordrep benchmarks fetch bats`.")
    entry = benchmarks.get("bats")
    return AnalogyDataset("bats", questions, names, np.array(sections),
                          {n: BATS_GROUPS[n[0]] for n in names}, source=DOWNLOADS["bats"].url,
                          licence=entry.info["licence"], citation=entry.info["citation"],
                          note="BATS lists alternative answers; only the first one counts here, "
                               "so accuracy is a lower bound of BATS's own scoring")


# ---- fetching -----------------------------------------------------------------------------------

def cached_paths(name):
    """Where the files of the named download go in the cache.

    An archive is unpacked into ``benchmarks/<name>/``: the paths are its listed members there,
    or that folder itself when the archive is read as a whole (BATS).
    """
    spec = DOWNLOADS[name]
    if not _is_archive(spec.url):
        # Not created here: looking a benchmark up must not leave empty folders behind.
        return [cache_dir("benchmarks") / name / _file_name(spec.url)]
    folder = _unpacked_dir(name)
    return [folder / m for m in spec.members] if spec.members else [folder]


def _unpacked_dir(name):
    # Not created here: the extraction makes it, atomically.
    return cache_dir("benchmarks") / name


def _file_name(url):
    return Path(url.split("?")[0]).name


def _is_archive(url):
    return _file_name(url).endswith((".zip", ".tar.gz", ".tgz"))


def fetch_benchmark(name, fetch_missing=True, progress=None, allow_unverified=False):
    """The local files of the named download ``name``, fetched and verified when missing.

    Returns
    -------
    list of Path
        One per archive member, or the downloaded file itself, or the folder an archive read
        as a whole was unpacked into.

    Raises
    ------
    UserError
        Not fetched yet and ``fetch_missing`` is false; no checksum is known and
        ``allow_unverified`` is false; a checksum mismatch; a refused download or archive;
        offline.
    """
    spec = DOWNLOADS[name]
    targets = cached_paths(name)
    if _present(targets):
        return targets
    if not fetch_missing:
        raise UserError(f"the benchmark {name} has not been downloaded yet.",
                        f"Run `wordrep benchmarks fetch {name}` first.")
    if not spec.verified and not allow_unverified:
        raise UserError(f"no published checksum is known for the benchmark {name} "
                        f"({spec.url}), so its download cannot be verified.",
                        f"Run `wordrep benchmarks fetch {name} --unverified` to accept the file "
                        "as served (its SHA-256 is printed), or download it yourself and pass "
                        "the file to -b.")
    download = cache_dir("downloads") / _file_name(spec.url)
    digest, algorithm = (spec.sha256, "sha256") if spec.sha256 else (spec.sha1, "sha1")
    fetch(spec.url, download, digest, spec.size, progress, algorithm=algorithm,
          max_bytes=spec.max_bytes)
    if not _is_archive(spec.url):
        targets[0].parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(targets[0]) as tmp:
            tmp.write_bytes(download.read_bytes())
        return targets
    folder = _unpacked_dir(name)
    remove_incomplete(folder)  # an older layout, or a folder someone emptied
    extract(download, folder, check=lambda tmp: _check_members(tmp, spec, download, name))
    return targets


def _present(targets):
    return all((t.is_dir() and any(t.iterdir())) or (t.is_file() and t.stat().st_size > 0)
               for t in targets)


def _check_members(folder, spec, archive, name):
    """Every listed member is in the unpacked ``folder``, with its published SHA-1."""
    for member, sha1 in spec.members.items():
        path = folder / member
        if not path.is_file():
            raise UserError(f"{archive} has no member {member}.",
                            f"Delete {archive} and run `wordrep benchmarks fetch {name}` again.")
        if sha1 and file_digest(path, "sha1") != sha1:
            raise UserError(f"{member} from {archive} does not match its published SHA-1.",
                            f"Delete {archive} and run `wordrep benchmarks fetch {name}` again.")


def is_available(entry):
    """True when a named benchmark can be loaded without a download."""
    if entry.info.get("bundled"):
        return True
    return _present(cached_paths(entry.name))


def downloaded_sha256(name):
    """SHA-256 of the downloaded file(s) of ``name``, or None when not downloaded."""
    spec = DOWNLOADS[name]
    path = cache_dir("downloads") / _file_name(spec.url)
    return sha256_file(path) if path.is_file() else None

