"""The report layer: the `Reproduction` a notebook drives, tables, figures, glue, provenance and the book build.

It imports the method (``antidistill``), never the other way round, and needs the optional
``report`` extra (pandas, matplotlib, seaborn, papermill, jupytext, myst-nb, Jupyter Book, Optuna).
"""

import warnings as _warnings

# Optuna imports tqdm.auto, which in a Jupyter kernel without ipywidgets warns on import that it
# cannot draw widgets; the pages draw no progress bars, so the warning said nothing about them
# and filled the build's warning list (one per page).
_warnings.filterwarnings("ignore", message="IProgress not found")
