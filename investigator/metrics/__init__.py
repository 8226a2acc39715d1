"""Training-metrics forensics: runs at both commits, read fast, judged statistically.

- `loading`: TensorBoard event directories, CSV and JSON-lines exports -> `RunData` (tbparse's frame).
- `tfrecord`, `crc32c`: the fast event-file reader (same rows as tbparse, far faster).
- `aliases`: canonical metric names and the tags projects use for them.
- `rules/`: registered single-run and comparison rules, one module each.
- `stats`: IQM, stratified bootstrap intervals, P(improvement), Mann-Whitney, the verdict rule.
- `engine`: runs -> findings, hypothesis updates, table, figures; `analyzer`: the `metric_forensics` analyzer.

See docs/metrics.md.
"""
