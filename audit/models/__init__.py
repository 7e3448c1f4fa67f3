"""Model loading: safe by default, every file hashed."""

from audit.models.base import LoadedModel
from audit.models.loader import from_estimator, load_model

__all__ = ["LoadedModel", "from_estimator", "load_model"]
