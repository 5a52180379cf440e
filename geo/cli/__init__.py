"""The ``netwerkatlas`` command line (``main``); subcommands in :mod:`geo.cli.commands`."""

from geo.cli.parser import build_parser, main

__all__ = ["build_parser", "main"]
