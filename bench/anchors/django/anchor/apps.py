from django.apps import AppConfig
from django.db.backends.signals import connection_created


def sqlite_synchronous_normal(sender, connection, **kwargs):
    """synchronous = NORMAL on each SQLite connection, as tsgate opens its own.

    In WAL mode NORMAL syncs at checkpoints, not at every commit; Django's
    default (FULL) would sync twice per welcome page (the counter and the
    session row), and the comparison would measure the disk, not the
    frameworks. Django 3.2 has no setting for it: this signal is the usual way.
    """
    if connection.vendor == 'sqlite':
        with connection.cursor() as cursor:
            cursor.execute('PRAGMA synchronous = NORMAL')


class AnchorConfig(AppConfig):
    name = 'anchor'
    default_auto_field = 'django.db.models.AutoField'

    def ready(self):
        connection_created.connect(sqlite_synchronous_normal)
