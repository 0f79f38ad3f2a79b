from django.apps import AppConfig


class AnchorConfig(AppConfig):
    name = 'anchor'
    default_auto_field = 'django.db.models.AutoField'
