"""Site-wide request guards."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _

# Read and discard at most this much of a refused body, so that browsers receive the page
# instead of a reset connection; anything bigger is simply not read.
DRAIN_MAX_BYTES = 64 * 1024 * 1024
DRAIN_CHUNK = 64 * 1024


def human_size(size: int) -> str:
    """"16 MB", "2.5 MB", "500 KB": how limits are told to people."""
    if size >= 1024 * 1024:
        value = size / (1024 * 1024)
        return f"{value:.0f} MB" if value >= 10 or value == int(value) else f"{value:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def _drain(request, length):
    if length > DRAIN_MAX_BYTES:
        return
    stream = request.META.get("wsgi.input")
    if stream is None:
        return
    remaining = length
    try:
        while remaining > 0:
            chunk = stream.read(min(DRAIN_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
    except OSError:
        pass


def too_large(request, message):
    return render(request, "413.html", {"message": message}, status=413)


def bad_request(request, message):
    return render(request, "400.html", {"message": message}, status=400)


class RequestSizeLimitMiddleware:
    """Refuse oversized requests with a page that says what the limit is.

    A body larger than REQUEST_MAX_BYTES is refused before it is read. A form is parsed here,
    before any view, so that Django's own limits (DATA_UPLOAD_MAX_MEMORY_SIZE for text fields,
    DATA_UPLOAD_MAX_NUMBER_FIELDS, DATA_UPLOAD_MAX_NUMBER_FILES) also answer with an explanation
    rather than a bare "Bad Request". Uploaded images have their own, smaller limit, checked by
    the form that receives them (IMAGE_UPLOAD_MAX_BYTES, articles/images.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.REQUEST_MAX_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit and length > limit:
            _drain(request, length)
            return too_large(request, _(
                "What you sent is too large (%(size)s); the limit is %(limit)s. "
                "Images may be at most %(image_limit)s: choose a smaller file or reduce its size first."
            ) % {"size": human_size(length), "limit": human_size(limit),
                 "image_limit": human_size(settings.IMAGE_UPLOAD_MAX_BYTES)})
        if request.method == "POST" and length:
            try:
                request.POST  # noqa: B018 - parse now, inside this guard
                request.FILES  # noqa: B018
            except RequestDataTooBig:
                return too_large(request, _(
                    "The text you sent is too long; a form may hold at most %(limit)s of text."
                ) % {"limit": human_size(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)})
            except TooManyFilesSent:
                return bad_request(request, _("Too many files were sent at once; send at most %(limit)d.")
                                   % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FILES})
            except TooManyFieldsSent:
                return bad_request(request, _("The form has too many fields; at most %(limit)d are accepted.")
                                   % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS})
            except MultiPartParserError:
                return bad_request(request, _("The upload arrived incomplete or damaged. Please try again."))
        return self.get_response(request)
