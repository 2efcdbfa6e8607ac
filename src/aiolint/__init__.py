"""aiolint: finds the asyncio mistakes that make async Python slow or wrong."""
from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("aiolint")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"

from aiolint.core.pipeline import fix_source, lint  # noqa: E402

__all__ = ["__version__", "fix_source", "lint"]
