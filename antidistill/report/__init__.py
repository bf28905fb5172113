"""The report layer: the `Reproduction` a notebook drives, tables, figures, glue, provenance and the book build.

It imports the method (``antidistill``), never the other way round, and needs the optional
``report`` extra (pandas, matplotlib, seaborn, papermill, jupytext, myst-nb, Jupyter Book, Optuna).
"""
