"""Invoice endpoints."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status

from app.models import Invoice, InvoiceIn
from app.store import InvoiceStore, get_store

router = APIRouter(prefix="/invoices", tags=["invoices"])
Store = Annotated[InvoiceStore, Depends(get_store)]


@router.get("", response_model=list[Invoice])
async def list_invoices(store: Store, limit: int = 50, offset: int = 0) -> list[Invoice]:
    return store.page(limit=min(limit, 200), offset=offset)


@router.post("", response_model=Invoice, status_code=status.HTTP_201_CREATED)
async def create_invoice(body: InvoiceIn, store: Store) -> Invoice:
    return store.add(body)


@router.get("/{invoice_id}", response_model=Invoice)
async def get_invoice(invoice_id: int, store: Store) -> Invoice:
    invoice = store.get(invoice_id)
    if invoice is None:
        raise HTTPException(status_code=404, detail="invoice not found")
    return invoice
