"""Request checks that hold for every view."""

from django.http import JsonResponse

CHUNKED_BODY_MESSAGE = (
    "Chunked request bodies are not accepted: send the body with a Content-Length header "
    "(curl and most clients do when given the body itself)."
)


def refuse_chunked_bodies(get_response):
    """411 for a chunked body: behind WSGI it would read as empty, and the view would act on defaults."""

    def middleware(request):
        chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
        if chunked and not request.META.get("CONTENT_LENGTH"):
            return JsonResponse({"detail": CHUNKED_BODY_MESSAGE}, status=411)
        return get_response(request)

    return middleware
