"""LAVA: job files, job logs, the local dispatcher and the farm."""
