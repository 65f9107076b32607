"""course.py: the two commands without make (standard library only, so it runs before any install)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def course():
    spec = importlib.util.spec_from_file_location("course_script", ROOT / "course.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_supported_pythons_pass_and_others_get_a_message_that_names_the_fix(course):
    for version in [(3, 11), (3, 12), (3, 13)]:
        course.check_python(version)
    for version in [(3, 10), (3, 14), (2, 7)]:
        with pytest.raises(SystemExit) as err:
            course.check_python(version)
        msg = str(err.value.code)
        assert f"Python {version[0]}.{version[1]}" in msg and "3.11, 3.12, 3.13" in msg and "course.py book" in msg


def test_the_wheelhouse_switches_the_index_off_only_when_it_holds_wheels_for_this_python(course, tmp_path):
    wh = tmp_path / "wh"
    assert course.pip_source(tmp_path / "missing", (3, 11)) == []
    wh.mkdir()
    assert course.pip_source(wh, (3, 11)) == []
    (wh / "a-1.0-py3-none-any.whl").write_bytes(b"")
    (wh / "torch-2.13.0-cp311-cp311-manylinux_2_28_x86_64.whl").write_bytes(b"")
    assert course.pip_source(wh, (3, 11)) == ["--no-index", "--find-links", str(wh)]
    assert course.pip_source(wh, (3, 12)) == []  # made with 3.11: of no use to 3.12, which asks the index


def test_the_install_is_redone_when_a_requirements_file_changes(course, tmp_path):
    for name in course.INPUTS:
        (tmp_path / name).write_text("x\n")
    before = course.inputs_hash(tmp_path)
    assert course.inputs_hash(tmp_path) == before
    (tmp_path / "requirements.txt").write_text("x\ny\n")
    assert course.inputs_hash(tmp_path) != before


def test_programs_are_found_where_the_venv_puts_them(course, tmp_path, monkeypatch):
    assert course.venv_script("jupyter-book", tmp_path) == tmp_path / "bin" / "jupyter-book"
    monkeypatch.setattr(course.os, "name", "nt")
    assert course.venv_script("jupyter-book", tmp_path) == tmp_path / "Scripts" / "jupyter-book.exe"
    assert course.venv_python(tmp_path) == tmp_path / "Scripts" / "python.exe"


def test_an_unknown_command_is_one_line_that_lists_the_commands():
    done = subprocess.run([sys.executable, str(ROOT / "course.py"), "bild"], capture_output=True, text=True)
    assert done.returncode == 1
    assert "give a command: install | book | test | unit | lab" in done.stderr and "Traceback" not in done.stderr


def test_make_calls_course_py_so_there_is_one_implementation():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("install", "book", "test", "lab"):
        assert f"$(PYTHON) course.py {target}" in makefile, target
    assert "pip install" not in makefile  # the install lives in course.py alone


def test_make_skips_a_python_on_path_that_does_not_run(tmp_path):
    """pyenv puts a shim for every installed version on PATH; one whose version is not selected exits 127
    ('pyenv: python3.12: command not found', what broke a CI run). make must take the next Python that runs."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    shim = tmp_path / "python3.11"
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.11: command not found' >&2\nexit 127\n")
    works = tmp_path / "python3.12"
    works.write_text(f"#!/bin/sh\nexec '{sys.executable}' \"$@\"\n")
    for f in (shim, works):
        f.chmod(0o755)
    done = subprocess.run([make, "-n", "-C", str(ROOT), "install"], capture_output=True, text=True,
                          env={"PATH": str(tmp_path), "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert f"{sys.executable} course.py install" in done.stdout
    assert str(shim) not in done.stdout
