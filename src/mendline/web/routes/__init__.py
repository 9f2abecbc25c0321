"""The web app's routes, one module per page (each defines ``router``)."""

__all__: list[str] = []
