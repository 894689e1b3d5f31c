"""Core services: audit log, organisations and memberships (import the sub-modules directly)."""
