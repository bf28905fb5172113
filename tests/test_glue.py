"""Values reach the book's pages whole: long tables and long cells are not cut, strings become Markdown."""

from __future__ import annotations

import pandas as pd
from IPython.display import Markdown

from antidistill.report import glue as glue_mod


def test_a_long_table_is_glued_with_every_row(monkeypatch):
    shown = {}
    # myst_nb's glue renders the value's representations when it is called; record them there.
    monkeypatch.setattr(glue_mod, "_glue", lambda name, value, display: shown.update({name: value._repr_html_()}))
    glue_mod.glue("table", pd.DataFrame({"row": range(171)}))
    assert "<td>170</td>" in shown["table"] and "<td>85</td>" in shown["table"] and "..." not in shown["table"]
    assert pd.get_option("display.max_rows") == 60  # the setting is restored
    long = "six rows' D2 epochs, times the configured (+0.123), and more words after them"
    glue_mod.glue("text", pd.DataFrame({"largest": [long]}))
    assert long in shown["text"]


def test_strings_become_markdown():
    assert isinstance(glue_mod.plain("**x**"), Markdown)
