"""A tiny in-memory store standing in for the database layer."""

from app.models import Invoice, InvoiceIn


class InvoiceStore:
    def __init__(self) -> None:
        self._rows: dict[int, Invoice] = {}

    def add(self, body: InvoiceIn) -> Invoice:
        invoice = Invoice(id=len(self._rows) + 1, **body.model_dump())
        self._rows[invoice.id] = invoice
        return invoice

    def get(self, invoice_id: int) -> Invoice | None:
        return self._rows.get(invoice_id)

    def page(self, *, limit: int, offset: int) -> list[Invoice]:
        return list(self._rows.values())[offset : offset + limit]


_store = InvoiceStore()


def get_store() -> InvoiceStore:
    return _store
