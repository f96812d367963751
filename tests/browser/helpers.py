"""Checks shared by the browser tests."""


def assert_pdf(page, url: str) -> None:
    """Fetch ``url`` with the page's cookies; fail unless it is a PDF answered with 200."""
    response = page.request.get(url)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body()[:5] == b"%PDF-"
