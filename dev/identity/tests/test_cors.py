from tests.helpers import TOKEN_PATH, USERINFO_PATH, password_grant


def test_the_spa_origin_may_call_the_token_endpoint(client, seeded):
    response = client.post(
        TOKEN_PATH,
        {
            "grant_type": "password",
            "client_id": "crewup-cli",
            "username": "alice",
            "password": "alice-pass-2026",
        },
        headers={"Origin": "http://127.0.0.1:8080"},
    )

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8080"
    assert "Origin" in response.headers["Vary"]


def test_a_preflight_for_userinfo_is_answered(client, db):
    response = client.options(
        USERINFO_PATH,
        headers={
            "Origin": "http://127.0.0.1:5173",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )

    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:5173"
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]


def test_other_origins_get_no_cors_headers(client, seeded):
    token = password_grant(client, "alice", "alice-pass-2026").json()["access_token"]

    response = client.get(
        USERINFO_PATH,
        headers={"Authorization": f"Bearer {token}", "Origin": "https://evil.example"},
    )

    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers
