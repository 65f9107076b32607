"""The command line's shell: help, version, and errors for bad input."""

import subprocess
import sys

from ragft import cli


def run(*args):
    return subprocess.run([sys.executable, "-m", "ragft", *args], capture_output=True, text=True, timeout=120)


def test_help_lists_the_commands():
    result = run("--help")
    assert result.returncode == 0
    assert "ragft" in result.stdout


def test_unknown_command_fails_with_a_message():
    result = run("fly")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_usage_error_is_printed_as_one_line_with_exit_code_2(monkeypatch, capsys):
    def boom(args):
        raise cli.UsageError("the index folder x does not exist; build it with `ragft index DOCS --index x`")

    real_build = cli.build_parser

    def build_with_boom():
        parser = real_build()
        sub = next(a for a in parser._actions if a.dest == "command")
        sub.add_parser("boom").set_defaults(func=boom)
        return parser

    monkeypatch.setattr(cli, "build_parser", build_with_boom)
    assert cli.main(["boom"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ragft: error: the index folder x does not exist")
    assert err.count("\n") == 1
