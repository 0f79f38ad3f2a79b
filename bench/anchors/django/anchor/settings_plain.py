"""The anchor with Django's plain StaticFilesStorage: collectstatic only copies (the floor for a copy of the tree)."""
from .settings import *  # noqa: F401,F403

STATICFILES_STORAGE = 'django.contrib.staticfiles.storage.StaticFilesStorage'
