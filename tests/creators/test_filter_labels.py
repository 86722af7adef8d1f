def test_platform_filter_has_a_label(client_for, finance_user):
    from django.urls import reverse

    response = client_for(finance_user).get(reverse("creators:list"))
    assert b"[invalid name]" not in response.content
    assert response.context["filter"].form["platform"].label == "Platform"
