"""Keycloak's paths: everything under the issuer, `/realms/crewup/...`.

DOT's views keep their URL names in the `oauth2_provider` namespace, which DOT reverses.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.staticfiles.views import serve as serve_static
from django.urls import include, path, re_path
from oauth2_provider import views as oauth2_views

from identity.views import AccountView, OpenIDConfigurationView

REALM = urlsplit(settings.IDENTITY_ISSUER).path.strip("/")
OIDC = f"{REALM}/protocol/openid-connect"

oidc_patterns = [
    path(
        f"{REALM}/.well-known/openid-configuration",
        OpenIDConfigurationView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    path(f"{OIDC}/certs", oauth2_views.JwksInfoView.as_view(), name="jwks-info"),
    path(f"{OIDC}/auth", oauth2_views.AuthorizationView.as_view(), name="authorize"),
    path(f"{OIDC}/token", oauth2_views.TokenView.as_view(), name="token"),
    path(f"{OIDC}/token/introspect", oauth2_views.IntrospectTokenView.as_view(), name="introspect"),
    path(f"{OIDC}/revoke", oauth2_views.RevokeTokenView.as_view(), name="revoke-token"),
    path(f"{OIDC}/userinfo", oauth2_views.UserInfoView.as_view(), name="user-info"),
    path(
        f"{OIDC}/logout",
        oauth2_views.RPInitiatedLogoutView.as_view(),
        name="rp-initiated-logout",
    ),
]

urlpatterns = [
    path("", include((oidc_patterns, "oauth2_provider"))),
    path(
        f"{REALM}/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path(f"{REALM}/account/", AccountView.as_view(), name="account"),
    path(f"{REALM}/account/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    # gunicorn serves this dev-only provider alone, so it serves the admin's CSS itself too.
    re_path(r"^static/(?P<path>.*)$", serve_static, {"insecure": True}),
]
