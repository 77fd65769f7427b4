"""Single sign-on with OpenID Connect (mozilla-django-oidc): the
authentication backends, the sign-in and callback views, and the session's
record that the identity provider, not SocialDesk, checked the second factor."""
