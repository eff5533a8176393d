"""`python -m search_cli` runs the govarchive command."""

from search_cli.cli import main

main()
