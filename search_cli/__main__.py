"""`python -m search_cli` runs the govarchive command."""

import sys

from search_cli.parsing import fast_parse

# `parse FILE...` alone runs without importing click and the command table
if not fast_parse(sys.argv[1:]):
    from search_cli.cli import main

    main()
