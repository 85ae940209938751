"""``python -m dynamics``; see ``dynamics.cli``."""

import sys

if sys.argv[1:2] and sys.argv[1] in ("gmm-run", "gmm-batch"):
    # the GMM commands alone: skips importing the Dirac-GAN core (SciPy's ODE solvers)
    from dynamics.gmm_cli import main
else:
    from dynamics.cli import main

sys.exit(main())
