"""Report rendering: markdown (primary), JSON (versioned schema) and HTML."""
