"""``wordrep run``, the main job, in three parts.

:mod:`wordrep.run.config`
    The run config: defaults, TOML in and out, overrides, every value checked before any work.
:mod:`wordrep.run.folder`
    The run folder: what makes one, and where a run may write (never over the user's files).
:mod:`wordrep.run.pipeline`
    The run itself: corpus -> every representation (built or reused) -> evaluation -> report.

The config and the folder rules come apart from the run because they are read without it: the
CLI checks and prints a config (``--print-config``) before anything runs, and the tests of the
folder rules need no corpus.
"""
