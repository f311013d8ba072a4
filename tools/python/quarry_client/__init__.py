"""Python client of ``quarry serve``, Quarry's hard-negative mining service for trainers.

Standard library only; numpy arrays in and out when numpy is installed, lists otherwise. Typed (``py.typed``):
the mining settings are keyword parameters of :meth:`Client.mine`, generated from Quarry's request schema::

    from quarry_client import Client

    with Client("http://127.0.0.1:7700") as client:
        ids, scores, version = client.mine(anchors, positives, num_negatives=8)
        # or the settings quarry tune chose: client.mine(anchors, positives, **read_options("best.json"))
"""

from .client import DEFAULT_URL, Client, Mined
from .errors import QuarryError, RecallDropWarning
from .options import MINE_OPTIONS, Off, SamplingStrategy
from .options_file import read_options
from .qvec import QvecHeader, crc32c, read_qvec, read_qvec_header, write_qvec

try:
    import numpy as _numpy  # noqa: F401
    HAVE_NUMPY = True
except ImportError:
    HAVE_NUMPY = False
"""Whether numpy is there: arrays in and out when it is, lists of lists otherwise."""

__version__ = "0.1.0"

__all__ = ["Client", "Mined", "QuarryError", "RecallDropWarning", "DEFAULT_URL", "HAVE_NUMPY", "MINE_OPTIONS", "Off",
           "SamplingStrategy", "QvecHeader", "crc32c", "read_qvec", "read_qvec_header", "write_qvec", "read_options",
           "__version__"]
