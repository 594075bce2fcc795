"""The site root: a small start page in development instead of Django's 404, nothing in a deployment."""

import pytest


@pytest.mark.django_db
def test_the_root_links_the_admin_the_api_docs_and_the_first_steps(client, settings):
    settings.DEBUG = True

    response = client.get("/")

    page = response.content.decode()
    assert response.status_code == 200
    assert 'href="/admin/clinic/profile/"' in page
    assert 'href="/admin/seeding/seedrun/"' in page
    assert 'href="/api/docs/"' in page
    assert "make demo" in page
    assert "manage.py seed --patients 5" in page


@pytest.mark.django_db
def test_the_root_is_not_found_without_debug(client, settings):
    settings.DEBUG = False

    assert client.get("/").status_code == 404
