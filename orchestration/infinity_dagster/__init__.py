"""Dagster assets for tap-infinity's Meltano project: one partition per Infinity installation."""
