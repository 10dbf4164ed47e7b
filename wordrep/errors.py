"""Errors a user can cause, and how the command line reports them.

A :class:`UserError` is something the user can fix (a missing file, a bad option, missing
WordNet data). The CLI prints its one-line message and exits with status 2; anything else is a
bug and exits 1.
"""


class UserError(Exception):
    """A mistake in the user's input or environment, with the fix in the message.

    Parameters
    ----------
    message : str
        What was wrong and with which input.
    hint : str, optional
        How to fix it; appended after the message.
    """

    exit_code = 2

    def __init__(self, message, hint=None):
        self.message = message
        self.hint = hint
        super().__init__(self.format())

    def format(self):
        return f"{self.message} {self.hint}" if self.hint else self.message


class OfflineError(UserError):
    """A download could not reach its server."""
