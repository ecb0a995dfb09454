"""The health check load balancers call."""


def test_healthz_is_200_when_database_and_redis_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "ok"}


def test_healthz_is_503_when_redis_is_down(app, client):
    previous = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        app.config["REDIS_URL"] = previous
    assert response.status_code == 503
    assert response.json["redis"].startswith("error")
    assert response.json["database"] == "ok"
