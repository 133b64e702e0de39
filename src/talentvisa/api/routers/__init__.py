"""The API's routers: the one home of HTTP endpoints, one module per domain.

A router turns a request into one use case of its domain (`cases.service`, `h1b.service`,
`auth.service`, `audit.service`) and its answer into JSON; the domains know nothing of HTTP,
which import-linter checks (pyproject.toml). The portal's pages live in `web/routes/`.
"""
