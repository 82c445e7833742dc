"""`python -m judgesync`: the same command line as `judgesync`."""

from judgesync.cli import main

if __name__ == "__main__":
    main(prog_name="judgesync")
