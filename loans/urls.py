from django.urls import path
from django.utils.translation import pgettext_lazy

from loans import views, views_documents, views_lottery, views_reservations

app_name = "loans"

urlpatterns = [
    path("", views.device_list, name="device_list"),
    path("devices/<int:pk>/", views.device_detail, name="device_detail"),
    path("lend/", views.checkout, name="checkout"),
    path("lend/agreement-draft.pdf", views_documents.agreement_draft_pdf, name="agreement_draft"),
    path("reserve/", views_reservations.reserve, name="reserve"),
    path(
        "devices/<int:pk>/reservation/cancel/",
        views_reservations.reservation_cancel,
        name="reservation_cancel",
    ),
    path("loans/", views.loan_list, name="loan_list"),
    path("loans/follow-up/", views.follow_up, name="follow_up"),
    path("applications/", views_lottery.applications, name="applications"),
    path("applications/add/", views_lottery.application_add, name="application_add"),
    path("applications/draw/", views_lottery.lottery_draw, name="lottery_draw"),
    path("lotteries/<int:pk>/", views_lottery.lottery_detail, name="lottery_detail"),
    path("loans/<int:pk>/", views.loan_detail, name="loan_detail"),
    path("loans/<int:pk>/return/", views.loan_receive, name="return"),
    path("loans/<int:pk>/renew/", views.loan_renew, name="renew"),
    path("loans/<int:pk>/lost/", views.loan_lost, name="mark_lost"),
    path(
        "loans/<int:pk>/agreement.pdf",
        views_documents.agreement_pdf,
        name="agreement_pdf",
    ),
    path(
        "loans/<int:pk>/agreement-signed/",
        views_documents.agreement_signed,
        name="agreement_signed",
    ),
    path(
        "loans/<int:pk>/return-receipt.pdf",
        views_documents.return_receipt_pdf,
        name="return_receipt_pdf",
    ),
    path("loans/<int:pk>/check-in/", views.loan_check_in, name="check_in"),
]

# The pages' names in words, for the audit trail (kernel.audit_display): URL name -> name.
PAGE_NAMES = {
    "device_list": pgettext_lazy("audit page", "Devices"),
    "device_detail": pgettext_lazy("audit page", "Device"),
    "checkout": pgettext_lazy("audit page", "Lending"),
    "agreement_draft": pgettext_lazy("audit page", "Loan agreement draft (PDF)"),
    "reserve": pgettext_lazy("audit page", "Device reservation"),
    "reservation_cancel": pgettext_lazy("audit page", "Device reservation: cancel"),
    "loan_list": pgettext_lazy("audit page", "Loans"),
    "follow_up": pgettext_lazy("audit page", "Loan follow-up calls"),
    "applications": pgettext_lazy("audit page", "Loan applications"),
    "application_add": pgettext_lazy("audit page", "Loan application: add"),
    "lottery_draw": pgettext_lazy("audit page", "Loan lottery: draw"),
    "lottery_detail": pgettext_lazy("audit page", "Loan lottery"),
    "loan_detail": pgettext_lazy("audit page", "Loan"),
    "return": pgettext_lazy("audit page", "Return"),
    "renew": pgettext_lazy("audit page", "Loan: renew"),
    "mark_lost": pgettext_lazy("audit page", "Loan: mark as lost"),
    "agreement_pdf": pgettext_lazy("audit page", "Loan agreement (PDF)"),
    "agreement_signed": pgettext_lazy("audit page", "Loan agreement: signed"),
    "return_receipt_pdf": pgettext_lazy("audit page", "Return receipt (PDF)"),
    "check_in": pgettext_lazy("audit page", "Loan check-in"),
}
