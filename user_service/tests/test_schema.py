"""The OpenAPI schema is complete and generates without a warning."""

from io import StringIO

from django.core.management import call_command


def test_schema_is_generated_without_warnings() -> None:
    output = StringIO()

    call_command("spectacular", "--validate", "--fail-on-warn", stdout=output)

    assert output.getvalue().startswith("openapi: 3.0.3")
