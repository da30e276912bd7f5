from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "shared.groups"
    label = "groups"
    verbose_name = "Crews"
