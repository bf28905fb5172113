"""Entry point of ``python -m antidistill``."""

from .cli import main

raise SystemExit(main())
