"""Selectors run as `/descendant::` steps select what they select as written."""

from __future__ import annotations

import pytest
from lxml import etree

from scraper.parsers.base import descendant_form, load_html

PAGE = b"""<html><body>
<div class="a"><ul><li class="x">1</li><li class="x">2</li></ul>
<ul><li class="x y">3</li><li>4</li></ul></div>
<table><tr><td><strong>L</strong></td><td>v</td></tr><tr><td>w</td></tr></table>
<p n="2" m="3">five</p><p n="1">six</p>
</body></html>"""


@pytest.mark.parametrize(
    ("xpath", "rewritten"),
    [
        ("//li[@class='x']", "/descendant::li/@class[.='x']/parent::*"),
        ("//tr[td[1][strong]]", "/descendant::tr[td[1][strong]]"),
        (".//*[contains(@class, 'x')]", "./descendant::*/@class[contains(., 'x')]/parent::*"),
        (
            "//*[@class='a']//li[not(@class)]",
            "/descendant::*/@class[.='a']/parent::*/descendant::li[not(@class)]",
        ),
        ("//li[1]", "//li[1]"),
        ("//li[@class][last()]", "//li[@class][last()]"),
        ("//li[position() < 2]", "//li[position() < 2]"),
        ("//p[@n - 1]", "//p[@n - 1]"),
        ("//p[@n*@m]", "//p[@n*@m]"),
        ("//p[count(@n)]", "//p[count(@n)]"),
        ("//li", "//li"),
        ("//*[@x='//y[1]']", "/descendant::*/@x[.='//y[1]']/parent::*"),
    ],
)
def test_descendant_form_keeps_positional_steps(xpath: str, rewritten: str) -> None:
    assert descendant_form(xpath) == rewritten
    doc = load_html(PAGE)
    for context in (doc, doc.find("body/div")):
        assert etree.XPath(rewritten)(context) == etree.XPath(xpath)(context)


@pytest.mark.parametrize(
    ("xpath", "rewritten"),
    [
        ("//*[@id='b']//li", "/descendant::*/@id[.='b']/parent::*//li"),
        ("//ul[contains(@class, 'a')]/li", "/descendant::ul/@class[contains(., 'a')]/parent::*/li"),
        (
            "//*[@class][contains(@class, 'x')][self::li]",
            "/descendant::*/@class[.]/parent::*[contains(@class, 'x')][self::li]",
        ),
        (
            "//*[starts-with(@class, 'x') or @class='a']",
            "/descendant::*/@class[starts-with(., 'x') or .='a']/parent::*",
        ),
        ("//*[not(contains(@class, 'x'))]", "/descendant::*[not(contains(@class, 'x'))]"),
        ("//*[contains(@class, ' ')]", "/descendant::*[contains(@class, ' ')]"),
        (
            "//*[contains(@class, 'x') or @id='b']",
            "/descendant::*[contains(@class, 'x') or @id='b']",
        ),
        ("//*[@class!='x']", "/descendant::*[@class!='x']"),
        ("//*[contains(@class, '@class')]", "/descendant::*[contains(@class, '@class')]"),
    ],
)
def test_attribute_tests_run_on_the_attributes(xpath: str, rewritten: str) -> None:
    assert descendant_form(xpath) == rewritten
    doc = load_html(PAGE.replace(b"<ul>", b'<ul id="b">', 1))
    for context in (doc, doc.find("body/div")):
        assert etree.XPath(rewritten)(context) == etree.XPath(xpath)(context)
