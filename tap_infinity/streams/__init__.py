"""Streams, grouped by API family."""
