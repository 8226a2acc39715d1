"""The investigation service (issue 17): HTTP jobs in a SQL store that survive crashes.

Modules: `db` (engine, metadata, migrations), `store` (jobs, their progress events, API keys),
`schemas` (what the HTTP API takes and returns). The app, the worker pool and the web UI build on them.
"""
