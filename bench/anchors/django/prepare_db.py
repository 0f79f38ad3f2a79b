#!/usr/bin/env python3
"""The anchor's SQLite file, made as tsgate's generated project makes its own.

- WAL, as tsgate opens every SQLite file: readers go on while one process
  writes. The journal mode is kept in the file, so Django needs no setting for
  it (Django 3.2 has none); synchronous stays Django's default (FULL).
- pages_visit with its one row: the welcome page's counter.
- django_session through Django's own migration: the welcome page keeps its
  visit counter in the session, and the anchor uses Django's default session
  engine, the database (tsgate's generated project uses its db engine too).
"""
import os
import sqlite3

os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'anchor.settings')

import django  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

django.setup()
connection = sqlite3.connect(settings.DATABASES['default']['NAME'])
connection.execute('PRAGMA journal_mode = WAL')
connection.execute('CREATE TABLE pages_visit (id INTEGER PRIMARY KEY, count INTEGER NOT NULL)')
connection.execute('INSERT INTO pages_visit VALUES (1, 0)')
connection.commit()
connection.close()
call_command('migrate', 'sessions', verbosity=0, interactive=False)
