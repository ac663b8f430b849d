"""The one exception tree of landinfo. The CLI turns these into one line on stderr and exit 1 (2 for a UsageError)."""


class LandinfoError(Exception):
    """Base class of every error landinfo raises on purpose."""


class UsageError(LandinfoError):
    """The command line or a setting asks for something that cannot be done; nothing was done (exit 2)."""


class LoadError(LandinfoError):
    """A file could not be read into a document (the message says why)."""


class IndexMismatchError(LandinfoError):
    """The index was built with other settings (model, chunking) than the ones in use."""


class IndexLockedError(LandinfoError):
    """Another ingest holds the index."""


class EmptyIndexError(LandinfoError):
    """Nothing has been ingested yet."""


class NotReady(LandinfoError):
    """The chat has no usable index yet; the message says what to run."""


class QuestionSetError(UsageError):
    """A question-set file (or a trainer's table) is missing or malformed; nothing was asked (exit 2)."""


class ModelUnavailableError(LandinfoError):
    """An embedding or language model cannot be loaded offline."""


class DataFileError(LandinfoError):
    """A package data file (glossary, countries, stop words, user-facing text) is malformed: file and line."""


class IndexUnavailableError(LandinfoError):
    """The vector index cannot answer now (the Chroma server stopped, or an ingest is rewriting it); nothing was
    changed by the failed call."""


class AccountTooLargeError(UsageError):
    """An account is longer, or has more claims, than one check takes; nothing was checked (exit 2)."""

    def __init__(self, what: str, size: int, limit: int):
        self.what, self.size, self.limit = what, size, limit  # what: "chars" or "claims"
        super().__init__(f"{size:,} {'characters' if what == 'chars' else 'claims'}, more than {limit:,}")


class CheckStoppedError(LandinfoError):
    """An account check was stopped between claims: nobody waits for it any more (its client left, the server
    is stopping)."""
