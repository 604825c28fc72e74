"""Every error answer is a `Problem`: a stable code for programs and a detail for people.

FastAPI's own answers are replaced: a request that does not fit the schema is 400
`invalid_request` with the field that is wrong (not 422, which the API keeps for idempotency
conflicts), and unknown paths, wrong methods and server faults get a `Problem` too. Bodies over
`MAX_BODY_BYTES` are refused with 413 `too_large` before anything parses them, and bodies are
parsed strictly: no NaN, no lone surrogates (text that SQLite and UTF-8 cannot store).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

import pydantic_core
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from offline_queue.wire import MAX_BODY_BYTES, Problem

log = logging.getLogger(__name__)

ERRORS_SHOWN = 3
STATUS_CODES = {404: "not_found", 405: "method_not_allowed"}
# A too large body is read to its end (up to this much) before the 413, so that the client,
# still sending, reads the answer instead of a reset connection.
DRAIN_BYTES = 8 * MAX_BODY_BYTES


class ProblemError(Exception):
    """Answer the request with this `Problem` and HTTP status."""

    def __init__(self, status: int, code: str, detail: str, keys: Sequence[str] = ()) -> None:
        super().__init__(detail)
        self.status = status
        self.problem = Problem(code=code, detail=detail, keys=list(keys))


def problem_response(status: int, problem: Problem) -> JSONResponse:
    return JSONResponse(problem.model_dump(), status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _problem_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _server_fault)


async def _problem_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ProblemError)
    return problem_response(error.status, error.problem)


async def _invalid_request(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    problem = Problem(code="invalid_request", detail=describe_errors(error.errors()))
    return problem_response(400, problem)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if error.status_code == 404:
        detail = f"no such path: {request.url.path}"
    elif error.status_code == 405:
        detail = f"{request.method} is not one of the methods of {request.url.path}"
    else:
        detail = str(error.detail)
    code = STATUS_CODES.get(error.status_code)
    if code is None:
        code = "invalid_request" if error.status_code == 400 else f"http_{error.status_code}"
    return problem_response(error.status_code, Problem(code=code, detail=detail))


async def _server_fault(request: Request, error: Exception) -> Response:
    # The traceback goes to the log (uvicorn prints it); the answer names no internals.
    return problem_response(
        500,
        Problem(code="internal_error", detail="the platform failed on this request; see its log"),
    )


def describe_errors(errors: Sequence[Any]) -> str:
    """The first few schema errors as 'where: what', without the values (they may be personal)."""
    described = []
    for error in errors[:ERRORS_SHOWN]:
        where = ".".join(str(part) for part in error.get("loc", ()))
        kind = error.get("type")
        if kind == "json_invalid":
            described.append(f"the body is not valid JSON: {error.get('ctx', {}).get('error')}")
        elif where == "body" and kind == "missing":
            described.append("the body is missing: send a JSON object")
        elif where == "body" and kind in {"model_attributes_type", "dict_type"}:
            described.append("the body must be a JSON object (Content-Type: application/json)")
        else:
            described.append(f"{where}: {error.get('msg')}")
    more = len(errors) - ERRORS_SHOWN
    return "; ".join(described) + (f"; and {more} more" if more > 0 else "")


class StrictJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = pydantic_core.from_json(body, allow_inf_nan=False)
            except ValueError as e:
                raise json.JSONDecodeError(str(e), "", 0) from None
        return self._json


class StrictJsonRoute(APIRoute):
    """A route whose JSON bodies go through `StrictJsonRequest`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            return await handler(StrictJsonRequest(request.scope, request.receive))

        return strict_handler


class BodyLimit:
    """Reads each request body whole, up to `limit` bytes, before the app sees it; 413 above."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        chunks: list[bytes] = []
        size, more = 0, True
        too_large = declared is not None and declared > self.limit
        while more and not too_large:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            too_large = size > self.limit
        if too_large:
            if more:
                await _drain(receive, size)
            problem = Problem(
                code="too_large",
                detail=f"the body is larger than {self.limit} bytes: send less at a time",
            )
            await problem_response(413, problem)(scope, receive, send)
            return
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


async def _drain(receive: Receive, size: int) -> None:
    more = True
    while more and size <= DRAIN_BYTES:
        message = await receive()
        size += len(message.get("body", b""))
        more = message["type"] == "http.request" and message.get("more_body", False)
