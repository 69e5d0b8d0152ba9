"""Request and response schemas."""

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field


class InvoiceIn(BaseModel):
    customer_id: int = Field(gt=0)
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    due: date


class Invoice(InvoiceIn):
    id: int
    paid: bool = False


class Health(BaseModel):
    status: str
