"""Code-change detectors: behavioural changes in training code, found on the ASTs of both commits."""
