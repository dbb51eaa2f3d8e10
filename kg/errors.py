"""The only exceptions the CLI turns into one-line messages."""

from __future__ import annotations


class KgError(Exception):
    """Base class: the message is shown to the user as one line (exit 1)."""

    exit_code = 1


class InputError(KgError):
    """A user's file or argument is wrong: the message names it and says what to do."""


class BuildError(KgError):
    """A build could not be read, written or completed."""


class QueryError(KgError):
    """A SPARQL query could not be parsed or run."""


class ValidationRunError(KgError):
    """Validation itself could not run (exit 2)."""

    exit_code = 2
