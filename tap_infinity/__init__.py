"""tap-infinity: a Singer tap for the Infinity Reports API v2 and Chronicall reports."""
