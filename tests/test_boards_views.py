"""Board views: list, calendar, filters, labels, safe Markdown, activity, the mention prefill, links in."""
import re
from html.parser import HTMLParser

from tenants.boards.models import BoardCard, BoardLabel
from tests.test_boards import HX, add_card, client_id, columns_of, owner, rows  # noqa: F401  (fixtures)


class Elements(HTMLParser):
    """Collect every element and attribute of an HTML fragment, as a browser would see them."""

    def __init__(self, html):
        super().__init__()
        self.tags = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_markdown_is_rendered_and_scripts_and_javascript_links_are_inert(app, client, owner, client_id):
    client.get(f"/a/{owner.slug}/boards/{client_id}")
    add_card(client, owner, client_id, columns_of(app, owner)["To do"].id, "Risky")
    card = rows(app, owner, BoardCard)[0]
    evil = ('<script>alert("x")</script> [click](javascript:alert(1)) <img src=x onerror=alert(1)> '
            '[ok](https://example.com) <a href="javascript:alert(2)">raw</a> [data](data:text/html,hi)')
    client.post(f"/a/{owner.slug}/boards/cards/{card.id}", data={"title": "Risky", "description": evil, "pole": "both",
                                                               "version": card.version}, headers=HX)
    client.post(f"/a/{owner.slug}/boards/cards/{card.id}/comments", data={"body": evil}, headers=HX)
    page = client.get(f"/a/{owner.slug}/boards/cards/{card.id}").get_data(as_text=True)
    rendered = re.findall(r'<div class="markdown">(.*?)</div>', page, re.S)
    assert len(rendered) == 2
    for html in rendered:
        elements = Elements(html).tags
        assert {tag for tag, _attrs in elements} <= {"p", "a"}
        links = [attrs for tag, attrs in elements if tag == "a"]
        assert links == [{"href": "https://example.com", "rel": "noopener noreferrer nofollow"}]
        assert not any(name.startswith("on") for _tag, attrs in elements for name in attrs)
        assert "&lt;script&gt;" in html  # shown as text, never run


def test_list_and_calendar_views_show_due_cards(app, client, owner, client_id):
    client.get(f"/a/{owner.slug}/boards/{client_id}")
    add_card(client, owner, client_id, columns_of(app, owner)["To do"].id, "Newsletter")
    card = rows(app, owner, BoardCard)[0]
    client.post(f"/a/{owner.slug}/boards/cards/{card.id}", data={"title": "Newsletter", "pole": "cm", "due_date": "2030-05-15",
                                                               "version": card.version}, headers=HX)
    base = f"/a/{owner.slug}/boards"
    assert "Newsletter" in client.get(f"{base}/{client_id}/list").get_data(as_text=True)
    month = client.get(f"{base}/{client_id}/calendar?date=2030-05-01").get_data(as_text=True)
    assert 'data-date="2030-05-15"' in month and "Newsletter" in month
    week = client.get(f"{base}/calendar?mode=week&date=2030-05-14").get_data(as_text=True)
    assert week.count('class="calendar-day') == 7 and "Newsletter" in week
    assert "Newsletter" not in client.get(f"{base}/calendar?date=2030-06-01").get_data(as_text=True)


def test_filters_by_pole_text_due_and_label(app, client, owner, client_id):
    client.get(f"/a/{owner.slug}/boards/{client_id}")
    todo = columns_of(app, owner)["To do"].id
    for title in ("PR pitch", "CM reel", "Shared plan"):
        add_card(client, owner, client_id, todo, title)
    for title, pole, due in (("PR pitch", "rp", "2001-01-01"), ("CM reel", "cm", ""), ("Shared plan", "both", "")):
        card = rows(app, owner, BoardCard, BoardCard.title == title)[0]
        client.post(f"/a/{owner.slug}/boards/cards/{card.id}", data={"title": title, "pole": pole, "due_date": due,
                                                                   "version": card.version}, headers=HX)
    board = f"/a/{owner.slug}/boards/{client_id}"

    def shown(query):
        body = client.get(f"{board}?{query}", headers={**HX, "HX-Target": "board-columns"}).get_data(as_text=True)
        return {t for t in ("PR pitch", "CM reel", "Shared plan") if t in body}

    assert shown("pole=rp") == {"PR pitch", "Shared plan"}
    assert shown("pole=cm") == {"CM reel", "Shared plan"}
    assert shown("q=reel") == {"CM reel"}
    assert shown("due=overdue") == {"PR pitch"}
    assert shown("due=none") == {"CM reel", "Shared plan"}
    overdue = client.get(f"/a/{owner.slug}/boards/cards?due=overdue").get_data(as_text=True)
    assert "PR pitch" in overdue and "CM reel" not in overdue


def test_labels_are_created_put_on_cards_and_filtered(app, client, owner, client_id):
    base = f"/a/{owner.slug}/boards"
    assert client.post(f"{base}/labels", data={"name": "Crisis", "color": "#ef4444"}).status_code == 302
    assert client.post(f"{base}/labels", data={"name": "crisis", "color": "#ef4444"}).status_code == 422
    assert client.post(f"{base}/labels", data={"name": "Bad", "color": "red"}).status_code == 422
    client.get(f"{base}/{client_id}")
    add_card(client, owner, client_id, columns_of(app, owner)["To do"].id, "Statement")
    add_card(client, owner, client_id, columns_of(app, owner)["To do"].id, "Other")
    card = rows(app, owner, BoardCard)[0]
    label = rows(app, owner, BoardLabel)[0]
    client.post(f"{base}/cards/{card.id}", data={"title": "Statement", "pole": "both", "labels": label.id,
                                               "version": card.version}, headers=HX)
    body = client.get(f"{base}/{client_id}?label={label.id}", headers={**HX, "HX-Target": "board-columns"}).get_data(as_text=True)
    assert "Statement" in body and "Other" not in body and "--label: #ef4444" in body
    assert client.post(f"{base}/labels/{label.id}/delete").status_code == 302
    assert rows(app, owner, BoardLabel) == []


def test_activity_page_lists_who_did_what(app, client, owner, client_id):
    client.get(f"/a/{owner.slug}/boards/{client_id}")
    add_card(client, owner, client_id, columns_of(app, owner)["To do"].id, "Interview")
    page = client.get(f"/a/{owner.slug}/boards/{client_id}/activity", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Owner Agence Lumière" in page and "created “Interview” in To do" in page


def test_new_card_form_is_prefilled_from_a_mention(app, client, owner, client_id):
    url = (f"/a/{owner.slug}/boards/{client_id}/cards/new?title=Answer+the+tweet"
           "&source_url=https://x.example/post/1&source_excerpt=Bad+yogurt")
    page = client.get(url).get_data(as_text=True)
    assert 'value="Answer the tweet"' in page and 'value="https://x.example/post/1"' in page and "Bad yogurt" in page
    todo = columns_of(app, owner)["To do"]
    response = client.post(f"/a/{owner.slug}/boards/{client_id}/cards", data={
        "title": "Answer the tweet", "column_id": todo.id, "pole": "cm", "source_url": "https://x.example/post/1",
        "source_excerpt": "Bad yogurt"})
    assert response.status_code == 302
    card = rows(app, owner, BoardCard)[0]
    assert (card.source_url, card.source_excerpt, card.pole) == ("https://x.example/post/1", "Bad yogurt", "cm")


def test_boards_overview_and_links_from_client_page_and_home(app, client, owner, client_id):
    page = client.get(f"/a/{owner.slug}/boards/").get_data(as_text=True)
    assert "Danone" in page and f"/a/{owner.slug}/boards/{client_id}" in page
    assert f"/a/{owner.slug}/boards/{client_id}" in client.get(f"/a/{owner.slug}/clients/{client_id}").get_data(as_text=True)
    assert f"/a/{owner.slug}/boards/" in client.get(f"/a/{owner.slug}/").get_data(as_text=True)


def test_a_hostile_card_title_stays_text_on_the_board_also_from_the_tile_cache(app, client, owner, client_id):
    """Board tiles are rendered once and reused (tenants/boards/display.py marks them Markup): they come
    from the autoescaping template, so a title is text on the first drawing and on the cached one."""
    client.get(f"/a/{owner.slug}/boards/{client_id}")
    add_card(client, owner, client_id, columns_of(app, owner)["To do"].id, '<img src=x onerror=alert(1)>')
    for _ in range(2):  # the second page takes the tile from the cache
        page = client.get(f"/a/{owner.slug}/boards/{client_id}").get_data(as_text=True)
        assert "<img src=x onerror" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page
