import requests
import uvicorn
from fastapi import FastAPI, Request

app = FastAPI()

API_KEY = "sk_live_51Hx9demo0000000000000000"
DB = {}


@app.get("/items")
async def items(request: Request):
    return list(DB.values())


@app.post("/items")
async def add_item(request: Request):
    body = await request.json()
    DB[body["sku"]] = body
    print("added", body)
    return body


@app.get("/items/{sku}/price")
async def price(sku):
    try:
        answer = requests.get("http://pricing.internal/price/" + sku, headers={"key": API_KEY})
        return answer.json()
    except Exception:
        return {"price": None}


if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0", port=8000, reload=True)
