from shared.testing.contracts import OperationalContract


class TestOperationalEndpoints(OperationalContract):
    api_prefix = "/api/v1/groups/"
