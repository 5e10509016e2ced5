"""Identity endpoints for the wallet app: tokens, profile summary, emergency freeze."""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from walletdesk.core.actors import actor_from_request
from walletdesk.identity import actions, web_session
from walletdesk.identity.audit import RequestMeta
from walletdesk.identity.errors import SecondFactorRequiredError
from walletdesk.identity.models import User


class StrictSerializer(serializers.Serializer[Any]):
    """Unknown fields are an error, not silently ignored (ACC-5)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = set(data) - set(self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {key: ["Unknown field."] for key in sorted(unknown)}
                )
        return super().to_internal_value(data)


class TokenRequest(StrictSerializer):
    username = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=1024, trim_whitespace=False)
    second_factor = serializers.CharField(max_length=20, required=False, allow_blank=True)
    second_factor_method = serializers.ChoiceField(
        choices=["totp", "sms", "recovery"], required=False
    )
    device_name = serializers.CharField(max_length=64, required=False, allow_blank=True)


class TokenResponse(serializers.Serializer[Any]):
    token = serializers.CharField()
    token_id = serializers.CharField()


class TokenCreateView(APIView):
    """Exchange phone/email + password (+ second factor) for a revocable bearer token."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(request=TokenRequest, responses={201: TokenResponse})
    def post(self, request: Request) -> Response:
        body = TokenRequest(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        django_request = request._request
        meta = RequestMeta.from_request(django_request)
        outcome = web_session.check_password_login(
            django_request, data["username"], data["password"], establish_session=False
        )
        user = outcome.user
        if outcome.needs_second_factor:
            code = data.get("second_factor") or ""
            if not code:
                raise SecondFactorRequiredError()
            actions.verify_second_factor(
                user, code, kind=data.get("second_factor_method") or "totp", meta=meta
            )
        token_id, token = actions.issue_api_token(
            user, data.get("device_name") or "", actor=actor_from_request(request, user=user)
        )
        return Response({"token": token, "token_id": token_id}, status=status.HTTP_201_CREATED)


class TokenCurrentView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        token = request.auth
        user = request.user
        assert isinstance(user, User)
        if token is not None and hasattr(token, "public_id"):
            actions.revoke_api_token(user, str(token.public_id), actor=actor_from_request(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
                "id": serializers.CharField(),
                "display_name": serializers.CharField(),
                "role": serializers.CharField(),
                "kyc_level": serializers.IntegerField(),
                "frozen": serializers.BooleanField(),
            },
        )
    )
    def get(self, request: Request) -> Response:
        user = request.user
        assert isinstance(user, User)
        return Response(
            {
                "id": str(user.public_id),
                "display_name": str(user),
                "role": user.role,
                "kyc_level": user.kyc_level,
                "frozen": user.frozen_at is not None,
            }
        )


class FreezeView(APIView):
    """Emergency freeze (紧急冻结): blocks debits and revokes every session, token and socket."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={200: inline_serializer("Frozen", {"frozen": serializers.BooleanField()})},
    )
    def post(self, request: Request) -> Response:
        user = request.user
        assert isinstance(user, User)
        actions.emergency_freeze(user, source="api", actor=actor_from_request(request))
        return Response({"frozen": True})


class PaymentPasskeyOptionsView(APIView):
    """Challenge for confirming one merchant payment with a passkey (fingerprint / face).

    Hand the returned object to `navigator.credentials.get({publicKey: ...})` (base64url fields
    decoded) and send the resulting credential, JSON-encoded, as `passkey_assertion` in
    `POST /api/v1/payments`. The challenge is kept in this client's session: send the session
    cookie this response sets (or the one you already use) with the payment. It works once and
    for 5 minutes."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Passkey challenge for a payment",
        request=None,
        responses={
            200: inline_serializer(
                "PasskeyRequestOptions",
                {
                    "challenge": serializers.CharField(),
                    "rpId": serializers.CharField(),
                    "timeout": serializers.IntegerField(),
                    "allowCredentials": serializers.ListField(child=serializers.DictField()),
                    "userVerification": serializers.CharField(),
                },
            )
        },
    )
    def post(self, request: Request) -> Response:
        from walletdesk.identity import passkeys

        user = request.user
        assert isinstance(user, User)
        options = passkeys.assertion_options(request._request, purpose="payment", user_id=user.pk)
        return Response(json.loads(options))
