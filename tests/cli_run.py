"""Running the ``ragft`` command in-process, for the tests of its messages."""

from __future__ import annotations

from ragft.cli import main


def run(capsys, *argv):
    """``ragft ARGV...`` in this process: ``(exit code, stdout, stderr)``; arguments may be paths."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> str:
    """``err`` stripped, after checking it is one ``ragft: error:`` line (never a traceback)."""
    err = err.strip()
    assert err.startswith("ragft: error:"), err
    assert len(err.splitlines()) == 1, err
    return err
