"""The OpenAPI schema is complete and generates without a warning."""

from io import StringIO

from django.core.management import call_command


def test_schema_is_generated_without_warnings() -> None:
    output = StringIO()

    call_command("spectacular", "--validate", "--fail-on-warn", stdout=output)

    assert output.getvalue().startswith("openapi: 3.0.3")


def test_one_report_is_documented_as_the_moderators_or_the_reporters_view(client) -> None:
    schema = client.get(
        "/api/v1/moderation/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    ).json()

    retrieve = schema["paths"]["/api/v1/moderation/reports/{id}/"]["get"]
    content = retrieve["responses"]["200"]["content"]["application/json"]
    assert content["schema"] == {
        "anyOf": [
            {"$ref": "#/components/schemas/ReportOutput"},
            {"$ref": "#/components/schemas/ReportMineOutput"},
        ]
    }
