from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_user_language_and_time_zone'),
    ]

    operations = [
        migrations.CreateModel(
            name='ErasedSubject',
            fields=[
                ('subject_digest', models.CharField(max_length=64, primary_key=True, serialize=False)),
                ('erased_at', models.DateTimeField()),
            ],
        ),
    ]
