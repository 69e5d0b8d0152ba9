"""The billing API application."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.config import get_settings
from app.models import Health
from app.routers import invoices

logger = logging.getLogger("billing")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    logging.basicConfig(level=settings.log_level)
    logger.info("billing-api starting")
    yield
    logger.info("billing-api stopping")


app = FastAPI(title="billing-api", version="1.4.0", lifespan=lifespan)
app.include_router(invoices.router)


@app.get("/health", response_model=Health, tags=["ops"])
async def health() -> Health:
    return Health(status="ok")
