"""A client library for accessing Braze Cloud Data Ingestion – trigger a sync and watch it"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
