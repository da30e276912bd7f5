"""Privacy: erasing an account and exporting everything held on a user, at their request.

Each of the two reaches every domain app through that app's own services and selectors, so
this package sits above them all (the "Apps of shared in order" contract in pyproject.toml).
It has no models and is not a Django app. The user service's API calls it (`DELETE /me/`,
`GET /me/export/`).
"""
