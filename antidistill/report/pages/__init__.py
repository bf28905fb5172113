"""One module per page of the book: ``page(rep)`` returns every value the page glues, by name.

A notebook holds its narrative, its parameters cell and the call ``glue_all(<page>.page(rep))``;
all computation lives here, where it is tested.
"""

from __future__ import annotations

from typing import Any

from ...profiles import PROFILES
from ..settings import protocol_box, settings


def common(rep) -> dict[str, Any]:
    """What every page may state: each setting of the build (``set_<name>``), the same setting
    under the paper's protocol (``paper_<name>``), and the box comparing the two."""
    ours, paper = rep.settings(), settings(PROFILES["paper"], rep.mode)
    values = {f"set_{k}": v for k, v in ours.items()}
    values.update({f"paper_{k}": v for k, v in paper.items()})
    values["protocol_box"] = protocol_box(rep.profile, ours, paper)
    return values
