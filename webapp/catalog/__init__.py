"""The catalog: services, tasks, document checklists and agencies, loaded from content/."""

from .loader import Catalog, ContentError, load_catalog

__all__ = ["Catalog", "ContentError", "load_catalog"]
