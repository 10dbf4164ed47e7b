"""The settings of an evaluation, checked up front: OOV policy, case folding, analogy method
and candidate restriction, bootstrap size, confidence level and seed."""
import numpy as np

from ..errors import UserError

OOV_POLICIES = ("skip", "zero", "mean")
ANALOGY_METHODS = ("add", "mul")
DEFAULT_RESTRICT = 30_000
EPSILON = 0.001       # 3CosMul's guard against division by zero (Levy & Goldberg 2014)
# More resamples change nothing that is reported, and only cost time: the Monte Carlo error
# of a bootstrap p-value near 0.05 is sqrt(0.05 * 0.95 / B), 0.0007 at B = 100,000, and the
# interval ends stop moving in their third decimal well before (Efron & Tibshirani 1993 use
# 1,000-2,000 for percentile intervals). 100,000 resamples of 3,000 pairs already take about a
# minute per interval; a billion would take six days.
MAX_BOOTSTRAP = 100_000


def check_settings(oov="skip", fold_case=True, restrict=DEFAULT_RESTRICT, analogy_method="add",
                   bootstrap=1000, confidence=0.95, seed=0):
    """The settings, checked up front with a message naming the parameter and what it allows."""
    if oov not in OOV_POLICIES:
        raise UserError(f"oov must be one of {', '.join(OOV_POLICIES)}, got {oov!r}.",
                        "skip leaves the pair out; zero scores it 0; mean uses the mean vector.")
    if analogy_method not in ANALOGY_METHODS:
        raise UserError(f"analogy_method must be 'add' or 'mul', got {analogy_method!r}.",
                        "add is 3CosAdd, mul is 3CosMul.")
    if restrict is not None and (not isinstance(restrict, (int, np.integer))
                                 or isinstance(restrict, bool) or restrict < 1):
        raise UserError(f"restrict must be a whole number >= 1 or None, got {restrict!r}.",
                        "Use None (0 on the command line) for no restriction.")
    if not isinstance(bootstrap, (int, np.integer)) or isinstance(bootstrap, bool) \
            or not 0 <= bootstrap <= MAX_BOOTSTRAP:
        raise UserError(f"bootstrap must be a whole number from 0 to {MAX_BOOTSTRAP:,} "
                        f"(resamples), got {bootstrap!r}.",
                        "1000 resamples is the usual choice; 0 for no confidence intervals.")
    if not 0 < confidence < 1:
        raise UserError(f"confidence must be between 0 and 1, got {confidence!r}.",
                        "0.95 gives 95% intervals.")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise UserError(f"seed must be a whole number >= 0, got {seed!r}.",
                        "The seed of the bootstrap resampling; 0 is the default.")
    return {"oov": oov, "fold_case": bool(fold_case),
            "restrict": None if restrict is None else int(restrict),
            "analogy_method": analogy_method, "bootstrap": int(bootstrap),
            "confidence": float(confidence), "seed": int(seed),
            "epsilon": EPSILON if analogy_method == "mul" else None}
