"""The errors the library and the command line share.

A library function that rejects the user's input (a training file with a bad line, an adapter folder that is
not one, an output folder that would overwrite something) raises a subclass of :class:`UsageError`, whose
message names the problem and the fix. The command line (:mod:`ragft.cli`) prints it as one line,
``ragft: error: <message>``, with exit code 2; a notebook shows it as an ordinary exception. It lives here,
below every other module, so the library never imports the command line to raise one.
"""

from __future__ import annotations


class UsageError(Exception):
    """A problem with the user's input; printed as ``ragft: error: <message>`` with exit code 2."""
