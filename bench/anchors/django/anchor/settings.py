"""The Django anchor's settings: production-like (DEBUG off), the same middleware as a tsgate project."""
import os

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEBUG = False
SECRET_KEY = os.environ.get('ANCHOR_SECRET_KEY', 'anchor-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789')
ALLOWED_HOSTS = ['127.0.0.1', 'localhost']
INSTALLED_APPS = ['django.contrib.sessions', 'django.contrib.staticfiles', 'anchor']
MIDDLEWARE = [
    'django.middleware.security.SecurityMiddleware',
    'whitenoise.middleware.WhiteNoiseMiddleware',
    'django.contrib.sessions.middleware.SessionMiddleware',
    'django.middleware.csrf.CsrfViewMiddleware',
]
ROOT_URLCONF = 'anchor.urls'
WSGI_APPLICATION = 'anchor.wsgi.application'
TEMPLATES = [{
    'BACKEND': 'django.template.backends.django.DjangoTemplates',
    'DIRS': [os.path.join(BASE_DIR, 'templates')],
    'APP_DIRS': False,
    'OPTIONS': {'context_processors': ['django.template.context_processors.csrf']},
}]
DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': os.environ.get('ANCHOR_DB', os.path.join(BASE_DIR, 'db.sqlite3'))}}
# Django's default session engine, the database (a django_session row,
# prepare_db.py makes the table), as tsgate's generated project uses its db
# engine (an auth_session row): the welcome page's visit counter is in the
# session, so each GET loads the row and writes it back on both sides.
SESSION_ENGINE = 'django.contrib.sessions.backends.db'
STATIC_URL = '/static/'
STATIC_ROOT = os.environ.get('ANCHOR_STATIC_ROOT', os.path.join(BASE_DIR, 'staticfiles'))
STATICFILES_DIRS = [d for d in os.environ.get('ANCHOR_STATICFILES_DIRS', '').split(':') if d]
STATICFILES_STORAGE = 'whitenoise.storage.CompressedManifestStaticFilesStorage'
USE_TZ = True
LOGGING = {'version': 1, 'disable_existing_loggers': False}
