"""axe-core in a real page: the WCAG 2.1 A and AA rules, and a report a person can read.

axe-core (MPL-2.0) comes from the pinned dev dependency `axe-playwright-python`, which ships
axe.min.js (axe-core 4.12.1 in axe-playwright-python 0.1.8); nothing is fetched at test time.
The script is evaluated through the DevTools protocol, so the page's CSP (script-src 'self') stays as it is.
"""
from pathlib import Path

import axe_playwright_python

AXE_JS = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = ("serious", "critical")
STRUCTURE = ("heading-order", "empty-table-header", "aria-allowed-role")  # lesser impact, kept at zero all the same


def audit(page):
    """Run axe (WCAG 2.1 A and AA, and best practices) on the page as it is now; return its serious and
    critical violations, and those of the rules on the page's structure whatever their impact."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_JS)
    # Audit the settled page: a flash fading out or a drawer sliding in has no stable contrast to measure.
    page.add_style_tag(content="*, *::before, *::after { transition: none !important; animation: none !important; }")
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", TAGS)
    return [v for v in result["violations"] if v["impact"] in BLOCKING or v["id"] in STRUCTURE]


def report(findings):
    """Format {page name: violations} as a readable list: rule, impact, what to fix, where."""
    lines = []
    for name, violations in findings.items():
        for violation in violations:
            lines.append(f"\n[{name}] {violation['id']} ({violation['impact']}): {violation['help']}")
            for node in violation["nodes"][:8]:
                summary = (node.get("failureSummary") or "").replace("\n", " ").replace("Fix any of the following:", "")
                lines.append(f"    {' '.join(map(str, node['target']))}  {node['html'][:140]}")
                lines.append(f"        {summary.strip()[:220]}")
            if len(violation["nodes"]) > 8:
                lines.append(f"    … and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)


# What a finger aims at on a phone: the minimum is 44 × 44 CSS pixels (WCAG 2.5.5, Apple's and Google's guides).
TOUCH_MIN = 44
TOUCH_TARGETS = ("button, .btn, summary, select, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), "
                 "textarea, .nav a, .menu-panel a, .view-tabs a, .tabs a, .bell, [role=tab]")


def overflow(page):
    """How far the page scrolls sideways (0 when it fits its window), and the outermost elements that stick
    out of the window without a scrolling box of their own to hold them."""
    return page.evaluate("""() => {
      const width = window.innerWidth, out = [];
      const held = el => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        if (getComputedStyle(p).overflowX !== 'visible' && p.getBoundingClientRect().right <= width + 1) return true; } return false; };
      for (const el of document.body.querySelectorAll('*')) {
        const box = el.getBoundingClientRect();
        if (box.width && (box.right > width + 1 || box.left < -1) && !held(el)
            && !(el.parentElement && out.includes(el.parentElement))) out.push(el);
      }
      const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
      return {excess: document.scrollingElement.scrollWidth - width,
              culprits: out.slice(0, 6).map(el => name(el) + ' (' + Math.round(el.getBoundingClientRect().right) + ' px)')};
    }""")


def small_targets(page, minimum=TOUCH_MIN):
    """The visible controls (buttons, menu and navigation links, fields, tabs) smaller than `minimum` CSS pixels
    in height, or in width for those narrower than they are tall (icon buttons); links inside running text
    are exempt (WCAG 2.5.5's inline exception)."""
    return page.evaluate("""([selector, minimum]) => {
      const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
        + (el.dataset.testid ? '[' + el.dataset.testid + ']' : '');
      const small = [];
      for (const el of document.querySelectorAll(selector)) {
        const box = el.getBoundingClientRect();
        if (!box.width || !box.height || getComputedStyle(el).visibility === 'hidden' || el.closest('.sr-only')) continue;
        if (box.height < minimum - 0.5 || (box.width < box.height && box.width < minimum - 0.5))
          small.push(name(el) + ' ' + Math.round(box.width) + '×' + Math.round(box.height));
      }
      return small;
    }""", [TOUCH_TARGETS, minimum])
