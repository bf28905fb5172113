"""myst-nb's ``glue`` made safe for the values our pages compute (numpy scalars, strings), and a whole page's values at once."""

from __future__ import annotations

from typing import Any

import pandas as pd
from IPython.display import Markdown
from myst_nb import glue as _glue


def plain(value: Any) -> Any:
    """numpy scalars become Python numbers and strings become Markdown.

    ``{glue:text}`x:.3f``` formats the text/plain repr, which for numpy 2 scalars reads
    ``np.float64(...)`` and silently renders as nothing; ``{glue:md}`` needs text/markdown.
    """
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        value = value.item()
    if isinstance(value, str):
        return Markdown(value)
    return value


def glue(name: str, value: Any, display: bool = False) -> None:
    """``myst_nb.glue`` of ``plain(value)``; not displayed by default (the narrative pastes it).

    A table is glued whole: pandas would otherwise cut one of more than 60 rows to its ends, and
    a cell's text after 50 characters."""
    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.max_colwidth", None):
        _glue(name, plain(value), display=display)


def glue_all(values: dict[str, Any]) -> None:
    """Glue every (name, value) a page function computed; the page's Markdown pastes them by name."""
    for name, value in values.items():
        glue(name, value)
