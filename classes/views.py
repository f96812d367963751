from django.http import HttpResponse


def session_list(request):
    return HttpResponse("TODO")


def session_detail(request, pk):
    return HttpResponse("TODO")


def phone_registration(request):
    return HttpResponse("TODO")
