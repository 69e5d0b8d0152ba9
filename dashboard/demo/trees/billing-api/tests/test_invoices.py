from app.main import app
from fastapi.testclient import TestClient

client = TestClient(app)


def test_health():
    assert client.get("/health").json() == {"status": "ok"}


def test_create_then_read_an_invoice():
    created = client.post(
        "/invoices", json={"customer_id": 7, "amount": "12.50", "due": "2025-02-01"}
    )
    assert created.status_code == 201
    fetched = client.get(f"/invoices/{created.json()['id']}")
    assert fetched.json()["amount"] == "12.50"


def test_missing_invoice_is_404():
    assert client.get("/invoices/999").status_code == 404
