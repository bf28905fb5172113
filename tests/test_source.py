"""The book's code listings are the package's functions, read from their files."""

from __future__ import annotations

import inspect

from antidistill import attacks, losses
from antidistill.report.source import listing


def test_a_listing_is_the_functions_own_source_fenced():
    text = listing(losses.quadratic_form, losses.hutchinson_trace)
    assert text.startswith("```python\n") and text.endswith("\n```")
    for f in (losses.quadratic_form, losses.hutchinson_trace):
        assert inspect.getsource(f).rstrip() in text
    assert text.index("def quadratic_form") < text.index("def hutchinson_trace")
    assert "@torch.no_grad()\ndef noisy_accuracy" in listing(attacks.noisy_accuracy)  # decorators kept
