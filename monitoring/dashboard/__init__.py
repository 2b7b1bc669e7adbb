"""The operator's dashboard: server-rendered pages over the same selectors as the status API."""
