"""The HTTP adapter: FastAPI app, per-request transactions, authentication, routers."""
