"""The instruction-level anatomy of one fault: tracing and attribution."""
