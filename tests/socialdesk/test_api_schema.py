"""The OpenAPI schema generates with no warnings.

Production's `check --deploy --fail-level WARNING` refuses a schema whose components
collide (two serializers with one name describe different shapes), so the suite
fails first, where the cause is easy to see.
"""

from django.core.management import call_command


def test_the_api_schema_generates_without_warnings(tmp_path, db):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--fail-on-warn", "--file", str(out))
    assert "ConversationKindEnum" in out.read_text()
