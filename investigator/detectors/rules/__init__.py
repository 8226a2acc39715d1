"""One module per detector; every module here is imported by `all_detectors()`."""
