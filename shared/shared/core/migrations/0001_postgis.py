from django.contrib.postgres.operations import CreateExtension
from django.db import migrations


class Migration(migrations.Migration):
    """The first migration of the shared schema: every geography column needs PostGIS."""

    initial = True
    dependencies = []
    operations = [CreateExtension("postgis")]
