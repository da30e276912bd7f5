"""Page-number pagination with a total count and a capped page size."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TypeVar, cast

from django.core.paginator import Page, Paginator
from rest_framework import pagination
from rest_framework.exceptions import NotFound
from rest_framework.request import Request

Row = TypeVar("Row")

MAX_PAGE_NUMBER = 10**9


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_counted(
        self, fetch: Callable[[int, int], tuple[int, Sequence[Row]]], request: Request
    ) -> list[Row]:
        """Paginate a result read by one query that also counts it (`COUNT(*) OVER ()`).

        `fetch(offset, limit)` returns the size of the whole result and the rows of the slice.
        The answer is the same as `paginate_queryset`'s, without its separate COUNT query:
        `?page=last` (which needs the count first) costs a second read, and a page past the
        end is 404.
        """
        self.request = request
        # PAGE_SIZE is always set (shared.settings.common): never None here.
        page_size = cast(int, self.get_page_size(request) or self.page_size)
        raw_number = request.query_params.get(self.page_query_param) or "1"
        if raw_number in self.last_page_strings:
            total, _ = fetch(0, 1)
            number = max(1, math.ceil(total / page_size))
        else:
            try:
                number = int(raw_number)
            except ValueError:
                number = 0
            # Far past any result, and an OFFSET PostgreSQL's bigint could not hold.
            if not 1 <= number <= MAX_PAGE_NUMBER:
                raise NotFound(self.invalid_page_message)
        total, rows = fetch((number - 1) * page_size, page_size)
        if not rows and number > 1:
            raise NotFound(self.invalid_page_message)
        paginator: Paginator[Row] = Paginator([], page_size)
        paginator.count = total  # a cached property, answered here by the query itself
        page_rows = list(rows)
        self.page = Page(page_rows, number, paginator)
        return page_rows
