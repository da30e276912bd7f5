"""The moderator console's sign-in pages: no local passwords, the identity provider decides.

`/admin/login/` sends the browser to `/admin/oidc/authenticate/` (mozilla-django-oidc), which
sends it on to the identity provider; the callback at `/admin/oidc/callback/` signs the
moderator in. Anyone signed in at the provider without the moderator or admin role lands on
`/admin/oidc/denied/` instead of going round in circles.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def login(request: HttpRequest) -> HttpResponse:
    """Replace the admin's password form with the OpenID Connect sign-in.

    A session never holds someone without console rights (the backend's `get_user` drops
    them), so this cannot send a signed-in user round in circles.
    """
    target = reverse("oidc_authentication_init")
    next_url = request.GET.get("next")
    if next_url:
        target = f"{target}?{urlencode({'next': next_url})}"
    return HttpResponseRedirect(target)


@never_cache
def denied(request: HttpRequest) -> HttpResponse:
    """Tell someone signed in at the provider that the console is not theirs (403)."""
    context = {
        **admin.site.each_context(request),
        "title": "No access to the moderator console",
    }
    return TemplateResponse(request, "moderation/admin/denied.html", context, status=403)
