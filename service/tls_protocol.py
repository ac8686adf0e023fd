"""uvicorn's httptools protocol, with the ASGI TLS extension that uvicorn does not fill in.

With mutual TLS, uvicorn's `ssl_cert_reqs=CERT_REQUIRED` makes the handshake fail for a client
without a certificate the configured CA signed; but the app still needs to know *who* the client
is. This protocol reads the verified peer certificate once per connection and puts its subject
into every request's `scope["extensions"]["tls"]` as the ASGI TLS extension names it
(`client_cert_name`, RFC 4514; `client_cert_chain`, PEM).
"""

from __future__ import annotations

import ssl

from cryptography import x509
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class TlsHttpToolsProtocol(HttpToolsProtocol):
    _tls: dict | None = None

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        if ssl_object is not None:
            self._tls = client_certificate(ssl_object)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._tls is not None:
            self.scope["extensions"] = {"tls": self._tls}  # type: ignore[typeddict-unknown-key]


def client_certificate(ssl_object: ssl.SSLObject) -> dict:
    """The TLS extension's fields for a connection; no client fields without a certificate."""
    der = ssl_object.getpeercert(binary_form=True)
    if not der:
        return {"client_cert_chain": [], "client_cert_name": None, "client_cert_error": None}
    cert = x509.load_der_x509_certificate(der)
    return {"client_cert_chain": [ssl.DER_cert_to_PEM_cert(der)],
            "client_cert_name": cert.subject.rfc4514_string(), "client_cert_error": None}
