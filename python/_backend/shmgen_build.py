# SPDX-License-Identifier: MIT

"""shmgen_build — the PEP 517 build backend of python/ (standard library only).

Builds a pure-Python wheel of the shmgen package (every shmgen/*.py) with its
metadata, an sdist of python/, and an editable wheel (PEP 660: a .pth file
pointing at this directory).  Nothing is downloaded and nothing is written
outside the directories pip passes in.  Depends on the standard library.
"""

import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "shmgen"
SUMMARY = "Typed, lock-free shared-memory segments generated from a YAML schema: the Python runtime package"
REQUIRES = ["numpy"]
PYTHON = ">=3.9"
TAG = "py3-none-any"


def _version():
    with open(os.path.join(HERE, PACKAGE, "_version.py")) as f:
        return re.search(r'__version__ = "([^"]+)"', f.read()).group(1)


def _metadata():
    lines = ["Metadata-Version: 2.1", "Name: " + PACKAGE, "Version: " + _version(), "Summary: " + SUMMARY,
             "Requires-Python: " + PYTHON] + ["Requires-Dist: " + r for r in REQUIRES]
    return "\n".join(lines) + "\n"


def _sources():
    """(path in the wheel, bytes) of the package's modules, sorted (reproducible)."""
    root = os.path.join(HERE, PACKAGE)
    names = sorted(n for n in os.listdir(root) if n.endswith(".py") and n != "_install.py")
    return [("%s/%s" % (PACKAGE, n), open(os.path.join(root, n), "rb").read()) for n in names]


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (name, digest, len(data))


def _wheel(directory, files):
    """Writes the wheel of `files` (plus the .dist-info) into directory; returns its name."""
    dist = "%s-%s" % (PACKAGE, _version())
    info = dist + ".dist-info"
    files = files + [(info + "/METADATA", _metadata().encode()),
                     (info + "/WHEEL", ("Wheel-Version: 1.0\nGenerator: shmgen_build\nRoot-Is-Purelib: true\n"
                                        "Tag: %s\n" % TAG).encode())]
    record = "".join(_record_line(n, d) + "\n" for n, d in files) + info + "/RECORD,,\n"
    name = "%s-%s.whl" % (dist, TAG)
    with zipfile.ZipFile(os.path.join(directory, name), "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in files + [(info + "/RECORD", record.encode())]:
            z.writestr(zipfile.ZipInfo(n, date_time=(1980, 1, 1, 0, 0, 0)), d)
    return name


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory, _sources())


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory, [("shmgen_editable.pth", (HERE + "\n").encode())])


def build_sdist(sdist_directory, config_settings=None):
    dist = "%s-%s" % (PACKAGE, _version())
    name = dist + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as tar:
        pkg_info = _metadata().encode()
        entry = tarfile.TarInfo(dist + "/PKG-INFO")
        entry.size = len(pkg_info)
        tar.addfile(entry, io.BytesIO(pkg_info))
        for rel in ["pyproject.toml", "_backend/shmgen_build.py"] + [n for n, _ in _sources()]:
            tar.add(os.path.join(HERE, rel), arcname="%s/%s" % (dist, rel))
    return name
