"""The count pipeline on a Dask cluster: ``--cluster ADDRESS`` (``pip install 'wordrep[cluster]'``).

ADDRESS is ``local`` (a ``LocalCluster`` started here, one worker process a core), ``local:N``
(N worker processes) or the address of a running scheduler, ``tcp://host:8786`` (started as
Dask's own ``dask scheduler`` and ``dask worker tcp://host:8786``). Like the memory budget
(:mod:`wordrep.budget`), where a model is built never changes it: the cluster is a context
(:func:`connect`), not a parameter, and no cache key holds it; the model's metadata records it.

What runs where (every step a Dask task on the workers, every result kept on them until the
next step needs it; only the vocabulary, the finished matrices and the thin SVD bases reach
this process):

1. *shards*: a plain file is cut into byte ranges at line breaks by
   :func:`wordrep.corpora.parallel._range_bounds`, each read and tokenized by a task exactly
   as the parallel reader's workers do (the same tokens); a compressed file (gzip and xz
   streams decompress only from their start) or a Wikipedia dump is read by one task and cut
   into shards of ``tasks.SHARD_TOKENS`` there. Every worker must read the corpus at the same
   absolute path (a shared filesystem): checked on each worker first.
2. *vocabulary*: each shard's word counts, summed by a tree of tasks (fan-in ``FAN_IN``); the
   order is the single-process one (count descending, then the word).
3. *windows*: each shard's tokens are renumbered, trimmed and subsampled with
   :func:`~wordrep.representations.cooccurrence.prepared_chunks` at their global token offset
   (the same subsampling draws) and global line numbers; the last ``window`` tokens of the
   shards before it are carried in, so that pairs across shard edges count once, as across
   chunk edges in one process. The pairs are summed as exact integers and cut by row block.
4. *row blocks*: each block's parts from every shard are summed (a shuffle by row block);
   this process writes them in order with :class:`~.count_store.CsrWriter`, so that the
   count matrix is bit for bit that of the single-process path (integer sums do not depend
   on their order). PPMI runs per row block with the exact global marginals (the same
   per-entry :class:`~.pmi.Scale`), and stays on the workers as CSR row blocks.
5. *SVD*: the Krylov solver's products ``A X`` and ``A^T X`` run as tasks over those row
   blocks (:class:`DaskProducts`, the interface of
   :class:`~.sparse_products.ParallelProducts`): only the n x 32 dense blocks travel.

A worker lost mid-count (killed, out of memory) costs only its tasks: every result above is
a pure function of the corpus and the settings, and Dask recomputes what was lost. Ctrl-C
cancels the cluster's work; the cache entry being built is not written.
"""
import contextlib
import contextvars
import logging
import os
import re

from ..errors import UserError
from .corpus import ClusterCorpus
from .products import DaskProducts

log = logging.getLogger(__name__)

# The methods whose count pipeline runs on a cluster. word2vec and fastText stay on one
# machine (gensim's corpus_file mode uses its cores; see the README for why).
METHODS = ("ppmi", "svd")
CONNECT_TIMEOUT = 3     # seconds to reach a scheduler (the error comes within 10 s)
LOST_WORKER_NEVER = "3650 days"   # see _workers_kept
INSTALL_HINT = "Install it: pip install 'wordrep[cluster]' (adds dask[distributed])."

_active = contextvars.ContextVar("wordrep_cluster", default=None)


def parse_address(text):
    """(kind, workers, address) of ``local``, ``local:N`` or ``tcp://host:port``."""
    text = str(text).strip()
    match = re.fullmatch(r"local(?::(\d+))?", text)
    if match:
        workers = int(match.group(1)) if match.group(1) else None
        if workers is not None and workers < 1:
            raise UserError(f"--cluster {text}: a local cluster needs at least 1 worker.",
                            "Use local, local:2 or tcp://host:8786.")
        return "local", workers, None
    if re.fullmatch(r"(tcp|tls|ucx|inproc)://\S+", text):
        return text.split("://")[0], None, text
    raise UserError(f"--cluster {text!r} is not a cluster address.",
                    "Use local (one worker a core), local:N, or a scheduler's address such "
                    "as tcp://host:8786.")


def check(address):
    """Check ``address`` and that Dask is installed, before any work (UserError if not)."""
    parse_address(address)
    _distributed()


def _distributed():
    try:
        import distributed
    except ImportError:
        raise UserError("--cluster needs Dask's distributed scheduler, which is not "
                        "installed.", INSTALL_HINT) from None
    return distributed


class Cluster:
    """A connected Dask client and what the metadata says about it."""

    def __init__(self, client, kind, address):
        self.client, self.kind, self.address = client, kind, address
        self.ppmi = None   # (shape, nnz, row block futures, row bounds) of the last PPMI matrix

    @property
    def workers(self):
        return len(self.client.scheduler_info()["workers"])

    def describe(self):
        """Where a model was built, for its metadata (no host names of a local cluster)."""
        info = {"address": self.kind, "workers": self.workers}
        if self.kind != "local":
            info["scheduler"] = self.address
        return info


@contextlib.contextmanager
def connect(address):
    """Connect to (or start) the cluster ``address`` for the enclosed work (see module).

    An unreachable scheduler is one UserError after ``CONNECT_TIMEOUT`` seconds. On the way
    out (an error, Ctrl-C) the cluster's remaining work is cancelled.
    """
    kind, n_workers, remote = parse_address(address)
    distributed = _distributed()
    logging.getLogger("distributed").setLevel(logging.ERROR)
    with contextlib.ExitStack() as stack:   # undone in reverse order, each step whatever fails
        if kind == "local":
            stack.enter_context(_workers_kept())
            local = stack.enter_context(_local_cluster(distributed, n_workers))  # after the client
            client = distributed.Client(local)
        else:
            client = _client(distributed, remote)
        stack.callback(client.close)
        # what this client still has running there (Ctrl-C, an error) stops
        stack.callback(lambda: client.cancel([distributed.Future(key, client)
                                              for key in list(client.futures)], force=True))
        cluster = Cluster(client, kind, remote or address)
        log.info("Dask cluster %s: %d workers; dashboard %s", address, cluster.workers,
                 client.dashboard_link)
        token = _active.set(cluster)
        from ..representations import sparse_products
        products = sparse_products.BACKEND.set(lambda a, max_columns: DaskProducts(cluster, a))
        try:
            yield cluster
        finally:
            sparse_products.BACKEND.reset(products)
            _active.reset(token)


def _local_cluster(distributed, n_workers):
    """A LocalCluster of ``n_workers`` worker processes (one a core if None)."""
    n_workers = n_workers or len(os.sched_getaffinity(0))
    # the memory budget shared among the workers: Dask spills a worker's results to its
    # disk past 60% of its limit, pauses it at 80% and restarts it at 95%
    return distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1,
                                    processes=True, dashboard_address=":0",
                                    memory_limit=budget_share(n_workers),
                                    silence_logs=logging.ERROR)


def _workers_kept():
    """Dask's setting under which a local cluster never gives up a worker its nanny restarts.

    At every worker loss, Dask's SpecCluster (LocalCluster's base) starts a timer,
    ``distributed.deploy.lost-worker-timeout`` (15 s), meant for a worker job that vanished
    from a batch system: if no worker of that name is connected when it fires, it closes the
    worker's nanny for good. A local worker restarting at that moment (lost a second time:
    killed, out of memory, or a client's restart) then never comes back, and a job whose
    workers are all gone waits forever. A local worker is always restarted by its nanny, so
    here the timer never fires (the setting is read at each loss: kept for the cluster's
    lifetime)."""
    import dask
    return dask.config.set({"distributed.deploy.lost-worker-timeout": LOST_WORKER_NEVER})


def budget_share(n_workers):
    """Each local worker's memory limit: its share of the run's budget (wordrep.budget)."""
    from .. import budget
    return max(budget.MIN_BUDGET, budget.current() // n_workers)


def _client(distributed, address):
    """A client of the scheduler at ``address``, or one UserError after CONNECT_TIMEOUT s.

    The scheduler is probed first, under a deadline that covers the handshake too: Dask's
    own timeout does not cover a peer that accepts the connection and never answers (a
    wrong port, a hung host), and a client left waiting would delay the program's exit.
    """
    import asyncio

    async def probe():
        comm = await asyncio.wait_for(distributed.comm.connect(address,
                                                               timeout=CONNECT_TIMEOUT),
                                      CONNECT_TIMEOUT)
        await comm.close()

    try:
        asyncio.run(probe())
        return distributed.Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, asyncio.TimeoutError, TimeoutError) as exc:
        reason = str(exc) or "no answer"
        raise UserError(f"cannot reach the Dask scheduler at {address} within "
                        f"{CONNECT_TIMEOUT} s ({reason}).",
                        f"Start one (dask scheduler, then dask worker {address} on each "
                        "node), or check the address.") from None


def current():
    """The cluster of the innermost :func:`connect`, or None."""
    return _active.get()


@contextlib.contextmanager
def maybe(address):
    """:func:`connect` when ``address`` is given, else nothing."""
    if not address:
        yield None
        return
    with connect(address) as cluster:
        yield cluster


def on_cluster(corpus):
    """``corpus`` to be counted on the active cluster (unchanged without one)."""
    from ..corpora.corpus import CorpusPrefix
    cluster = current()
    # A prefix (learning curves) is a slice of the token ids: counted here, not re-read there
    if cluster is None or isinstance(corpus, (ClusterCorpus, CorpusPrefix)):
        return corpus
    return ClusterCorpus(corpus, cluster)
