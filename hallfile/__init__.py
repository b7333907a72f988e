"""A hall's files, read and validated at the edge: the hall TOML and a display PC's signs file.

``load_hall`` and ``load_signs`` return core's plain dataclasses or raise ``ConfigError`` with every problem,
each named by key, in Chinese and English. The models (pydantic) stay here; ``core/`` never reads a file.
"""

from hallfile.hall import HallFile, load_hall
from hallfile.problems import ConfigError
from hallfile.signs import SignsFile, load_signs

__all__ = ["ConfigError", "HallFile", "SignsFile", "load_hall", "load_signs"]
