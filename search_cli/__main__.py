"""`python -m search_cli` runs the govarchive command."""

from search_cli.parsing import run

if __name__ == "__main__":
    run()
