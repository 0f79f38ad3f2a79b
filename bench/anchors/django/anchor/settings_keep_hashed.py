"""The anchor with whitenoise's KEEP_ONLY_HASHED_FILES: only the hashed copies are kept (and compressed)."""
from .settings import *  # noqa: F401,F403

WHITENOISE_KEEP_ONLY_HASHED_FILES = True
