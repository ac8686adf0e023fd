"""What a user chooses when training: the model family, and the embedded synthetic data set's
size and seed. Kept apart from the modules that need scikit-learn, scipy and pandas, so the CLI
can offer the choices without loading them."""

from __future__ import annotations

import enum

DEFAULT_ROWS = 30_000
DEFAULT_SEED = 20_051_001  # the UCI data's observation month, October 2005


class ModelFamily(str, enum.Enum):
    LOGREG = "logreg"
    GBM = "gbm"
