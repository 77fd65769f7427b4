"""Multipart form bodies, as the networks' upload endpoints receive them."""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import HTTP

from sandbox.router import Request


def form_parts(req: Request) -> dict[str, tuple[bytes, str]]:
    """A ``multipart/form-data`` body's parts by name (the first of each):
    its bytes, and its content type when it is a file ("" for a plain field).
    Any other body has no parts."""
    content_type = req.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        return {}
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    parts: dict[str, tuple[bytes, str]] = {}
    for part in BytesParser(policy=HTTP).parsebytes(head + req.body).iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and name not in parts:
            is_file = part.get_param("filename", header="content-disposition") is not None
            data = payload if isinstance(payload, bytes) else b""
            parts[name] = (data, part.get_content_type() if is_file else "")
    return parts
