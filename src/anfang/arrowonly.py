"""Keeping pandas out of the commands that read the store without it.

pyarrow imports pandas by itself when pandas is installed: at its first conversion (to see
whether a value is a pandas object) and in its C++ conversions to numpy. That is half a second of
every report's time at any size, for nothing when the command's code never uses pandas. Such a
command refuses the import for the rest of its process; pyarrow then works as without pandas.
A command that does use pandas must not call this (its import would fail).

Only the `anfang` program itself refuses (cli.main says so with `refusing_allowed()`): a process
that merely calls into anfang (a script, the tests' CliRunner) keeps pandas importable."""

from __future__ import annotations

import sys


class _NoPandas:
    """An import finder that refuses pandas (and nothing else)."""

    def find_spec(self, name, path=None, target=None):
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError("pandas is kept out of this command (anfang.arrowonly)", name=name)
        return None


_allowed = False


def refusing_allowed() -> None:
    """This process is the `anfang` program: its commands may keep pandas out."""
    global _allowed
    _allowed = True


def keep_pandas_out() -> None:
    """From now on this process does not import pandas (a no-op once pandas is imported, or in a
    process that is not the `anfang` program)."""
    if _allowed and "pandas" not in sys.modules and not any(isinstance(f, _NoPandas) for f in sys.meta_path):
        sys.meta_path.insert(0, _NoPandas())
