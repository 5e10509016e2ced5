"""A software WebAuthn authenticator for Django tests (no browser): a P-256 key whose public
half is stored as a Passkey row, and assertions built and signed the way a platform
authenticator does (authenticatorData ‖ SHA-256(clientDataJSON), ES256)."""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import bytes_to_base64url

FLAG_USER_PRESENT = 0x01
FLAG_USER_VERIFIED = 0x04


class SoftAuthenticator:
    def __init__(self, rp_id: str = "testserver", origin: str = "http://testserver") -> None:
        self.rp_id = rp_id
        self.origin = origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(16)
        self.sign_count = 0

    def cose_public_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return bytes(
            cbor2.dumps(
                {
                    1: 2,  # kty: EC2
                    3: -7,  # alg: ES256
                    -1: 1,  # crv: P-256
                    -2: numbers.x.to_bytes(32, "big"),
                    -3: numbers.y.to_bytes(32, "big"),
                }
            )
        )

    def register(self, user: Any, name: str = "测试手机") -> Any:
        from walletdesk.identity.models import Passkey

        return Passkey.objects.create(
            user=user,
            credential_id=bytes_to_base64url(self.credential_id),
            public_key=self.cose_public_key(),
            sign_count=0,
            name=name,
        )

    def assertion(self, options: str | dict[str, Any], *, user_verified: bool = True) -> str:
        """The credential JSON (as the browser's identity.js sends it) for `options`."""
        data = json.loads(options) if isinstance(options, str) else options
        client_data = json.dumps(
            {
                "type": "webauthn.get",
                "challenge": data["challenge"],
                "origin": self.origin,
                "crossOrigin": False,
            }
        ).encode()
        self.sign_count += 1
        flags = FLAG_USER_PRESENT | (FLAG_USER_VERIFIED if user_verified else 0)
        auth_data = (
            hashlib.sha256(self.rp_id.encode()).digest()
            + bytes([flags])
            + self.sign_count.to_bytes(4, "big")
        )
        signature = self.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        raw_id = bytes_to_base64url(self.credential_id)
        return json.dumps(
            {
                "id": raw_id,
                "rawId": raw_id,
                "type": "public-key",
                "response": {
                    "clientDataJSON": bytes_to_base64url(client_data),
                    "authenticatorData": bytes_to_base64url(auth_data),
                    "signature": bytes_to_base64url(signature),
                    "userHandle": None,
                },
                "clientExtensionResults": {},
            }
        )
