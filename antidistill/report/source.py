"""The library's reference code shown in the book: read from the package when a page is executed, so it cannot drift from what runs."""

from __future__ import annotations

import inspect
import textwrap
from typing import Callable


def listing(*functions: Callable) -> str:
    """Each function's source as it stands in the package (decorators and docstring included),
    as one fenced Python block of Markdown."""
    sources = [textwrap.dedent(inspect.getsource(f)).rstrip() for f in functions]
    return "```python\n" + "\n\n\n".join(sources) + "\n```"
