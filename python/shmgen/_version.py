# SPDX-License-Identifier: MIT

"""The shmgen version of this package (the project's VERSION; tests compare them)."""

__version__ = "0.1.0"
