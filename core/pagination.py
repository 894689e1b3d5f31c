"""Default API pagination: page numbers, page size chosen by the client but capped."""

from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """`page` and `page_size` (max 100) query parameters."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
