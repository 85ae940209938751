"""``python -m dynamics``; see ``dynamics.cli``."""

import os
import sys

if sys.argv[1:2] and sys.argv[1] in ("gmm-run", "gmm-batch"):
    # One BLAS thread unless the caller chose: the GMM commands multiply no matrices, and
    # OpenBLAS starts its thread pool when NumPy is imported (~30 ms of CPU, a quarter of
    # NumPy's import, in a command that now takes ~0.2 s; bench/gmm_batch.py).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # the GMM commands alone: skips importing the Dirac-GAN core (SciPy's ODE solvers)
    from dynamics.gmm_cli import main
else:
    from dynamics.cli import main

sys.exit(main())
