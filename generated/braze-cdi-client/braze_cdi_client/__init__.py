"""A client library for accessing Braze Cloud Data Ingestion – Trigger a sync"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
