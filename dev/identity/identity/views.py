"""The pages and documents this provider serves besides DOT's own endpoints."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, JsonResponse
from django.views import View
from django.views.generic import TemplateView

from identity.oidc import endpoint_url, issuer
from identity.realm.selectors import user_profile_claims


class OpenIDConfigurationView(View):
    """The discovery document, listing the endpoints at Keycloak's paths under the issuer.

    DOT's own view derives URLs from its URL names; this one states them, so the document
    matches Keycloak's whatever the request's host was.
    """

    def get(self, request: HttpRequest) -> JsonResponse:
        document = {
            "issuer": issuer(),
            "authorization_endpoint": endpoint_url("auth"),
            "token_endpoint": endpoint_url("token"),
            "introspection_endpoint": endpoint_url("token/introspect"),
            "userinfo_endpoint": endpoint_url("userinfo"),
            "end_session_endpoint": endpoint_url("logout"),
            "revocation_endpoint": endpoint_url("revoke"),
            "jwks_uri": endpoint_url("certs"),
            "grant_types_supported": ["authorization_code", "refresh_token", "password"],
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": settings.OAUTH2_PROVIDER[
                "OIDC_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED"
            ],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": list(settings.OAUTH2_PROVIDER["SCOPES"]),
            "claims_supported": [
                "iss",
                "sub",
                "aud",
                "exp",
                "iat",
                "azp",
                "preferred_username",
                "email",
                "email_verified",
                "given_name",
                "family_name",
                "name",
                "realm_access",
            ],
            "authorization_response_iss_parameter_supported": True,
        }
        response = JsonResponse(document)
        response["Access-Control-Allow-Origin"] = "*"
        return response


class AccountView(LoginRequiredMixin, TemplateView):
    """Who is signed in here, and with which roles (Keycloak's account page, in small)."""

    template_name = "identity/account.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **user_profile_claims(user=self.request.user)}
