"""The command line's tools beyond run/book/bench, one module each (``cli.COMMANDS`` lists them)."""
