"""One answer for every paginated API list: the page of the queryset, serialised, with its next/previous links."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wassweb.access_note import describe_objects


def page_response(
    view: APIView,
    request: Request,
    queryset: QuerySet,
    *,
    pagination: type[BasePagination],
    output: type[serializers.BaseSerializer],
) -> Response:
    """The page of `queryset` the request asks for, as `output` items in the shape `cursor_page` documents."""
    paginator = pagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    # The access log records how many objects the page showed and, when all are about one vehicle, its plate.
    describe_objects(request, list(page), object_type=queryset.model._meta.model_name)
    return paginator.get_paginated_response(output(page, many=True).data)
