"""Tracklists: the shared model and their DynamoDB store (imported, pasted or written by hand)."""
