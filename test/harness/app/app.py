"""The FastAPI app behind the harness's nginx + gunicorn stack.

It behaves like a small real service with a slow-request middleware, and it has one route per way a
request can be lost: slow handlers, a handler that blocks the event loop, a handler that raises, a
handler that kills its own worker. Configuration comes from the environment, set by the driver
(test/harness/stack.ts) per deployment profile:

  DT_LOG_FORMAT      Python logging format of the middleware's text lines (stderr, so gunicorn.log)
  DT_APP_LOG         path of the structured NDJSON request log; empty: none
  DT_TRUTH_FILE      path of the PRIVATE truth file (start/finish of every handler); droptrace
                     never reads it, the harness joins it with what the client saw
  DT_SLOW_SECONDS    threshold of the "Slow request" line (default 1.0)

Every request is tagged by the driver with a query parameter `dt`; the truth events carry it.
"""
import asyncio
import datetime
import json
import logging
import os
import signal
import sys
import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

SLOW_SECONDS = float(os.environ.get("DT_SLOW_SECONDS", "1.0"))
LOG_FORMAT = os.environ.get("DT_LOG_FORMAT", "%(asctime)s %(levelname)s %(name)s: %(message)s")

# gunicorn configures only its own loggers; the app's logger writes to stderr like most services do,
# so its lines interleave with gunicorn's and uvicorn's in the same stream.
log = logging.getLogger("app.requests")
_handler = logging.StreamHandler(sys.stderr)
_handler.setFormatter(logging.Formatter(LOG_FORMAT))
log.addHandler(_handler)
log.setLevel(logging.INFO)
log.propagate = False
# DT_EXTRA_LOGS: "path<TAB>format" per line, the same lines in more layouts (the delivery profile)
for _spec in filter(None, os.environ.get("DT_EXTRA_LOGS", "").split("\n")):
    _path, _fmt = _spec.split("\t", 1)
    _extra = logging.FileHandler(_path)
    _extra.setFormatter(logging.Formatter(_fmt))
    log.addHandler(_extra)


def _open_append(path: str | None):
    if not path:
        return None
    # Line-buffered append: both workers write to the same file, one short write per line.
    return open(path, "a", buffering=1, encoding="utf-8")


_app_log = _open_append(os.environ.get("DT_APP_LOG"))
_truth = _open_append(os.environ.get("DT_TRUTH_FILE"))


def _truth_event(event: dict) -> None:
    if _truth is None:
        return
    event["pid"] = os.getpid()
    event["wall"] = round(time.time() * 1000, 3)
    event["mono"] = round(time.monotonic() * 1000, 3)
    _truth.write(json.dumps(event, separators=(",", ":")) + "\n")
    _truth.flush()


def _iso_now() -> str:
    # Local time of the server's TZ, with milliseconds and the numeric offset.
    return datetime.datetime.now().astimezone().isoformat(timespec="milliseconds")


app = FastAPI()


@app.on_event("startup")
async def _booted() -> None:
    _truth_event({"ev": "boot"})


@app.middleware("http")
async def slow_request_log(request: Request, call_next):
    tag = request.query_params.get("dt")
    request_id = request.headers.get("x-request-id")
    method, path = request.method, request.url.path
    _truth_event({"ev": "start", "tag": tag, "method": method, "path": path, "rid": request_id})
    started = time.monotonic()
    try:
        response = await call_next(request)
    except asyncio.CancelledError:
        _truth_event({"ev": "finish", "tag": tag, "outcome": "cancelled", "status": None})
        raise
    except Exception as exc:
        elapsed = time.monotonic() - started
        log.error("Request failed after %.2fs: %s %s", elapsed, method, path)
        _request_log(request_id, method, path, 500, elapsed, type(exc).__name__)
        _truth_event({"ev": "finish", "tag": tag, "outcome": "exception", "status": 500})
        raise
    elapsed = time.monotonic() - started
    if elapsed > SLOW_SECONDS:
        log.warning("Slow request: %.2fs %s %s", elapsed, method, path)
    _request_log(request_id, method, path, response.status_code, elapsed, None)
    _truth_event({"ev": "finish", "tag": tag, "outcome": "completed", "status": response.status_code})
    return response


def _request_log(request_id, method, path, status, elapsed, error) -> None:
    if _app_log is None:
        return
    entry = {
        "ts": _iso_now(),
        "level": "error" if status >= 500 else "info",
        "request_id": request_id,
        "method": method,
        "path": path,
        "status": status,
        "elapsed_ms": round(elapsed * 1000, 1),
        "pid": os.getpid(),
    }
    if error:
        entry["error"] = error
    _app_log.write(json.dumps(entry, separators=(",", ":")) + "\n")


@app.get("/health")
async def health():
    return {"status": "ok"}


@app.get("/api/items/{item_id}")
async def get_item(item_id: int):
    if item_id >= 900:
        return JSONResponse({"detail": "not found"}, status_code=404)
    return {"id": item_id, "name": f"item {item_id}"}


@app.post("/api/items")
async def create_item(request: Request):
    body = await request.body()
    return JSONResponse({"created": True, "bytes": len(body)}, status_code=201)


@app.api_route("/slow", methods=["GET", "POST"])
async def slow(seconds: float = 1.0):
    await asyncio.sleep(seconds)
    return {"slept": seconds}


@app.api_route("/block", methods=["GET", "POST"])
async def block(seconds: float = 1.0):
    # Synchronous sleep inside `async def`: the whole event loop of this worker stops, so does the
    # heartbeat gunicorn watches.
    time.sleep(seconds)
    return {"blocked": seconds}


@app.get("/offload")
async def offload(seconds: float = 1.0):
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, time.sleep, seconds)
    return {"offloaded": seconds}


@app.get("/boom")
async def boom():
    raise RuntimeError("boom: the handler raised")


@app.api_route("/crash", methods=["GET", "POST"])
async def crash(request: Request, delay: float = 0.5):
    # Stand-in for the kernel's OOM killer: the worker dies by SIGKILL with requests in flight.
    await asyncio.sleep(delay)
    _truth_event({"ev": "crash", "tag": request.query_params.get("dt")})
    os.kill(os.getpid(), signal.SIGKILL)
    return {"unreachable": True}
