"""Contains all the data models used in inputs/outputs"""

from .error import Error
from .sync_accepted import SyncAccepted

__all__ = (
    "Error",
    "SyncAccepted",
)
