"""The quiz's single-choice radio group and the option texts as readable HTML.

ipywidgets' ``RadioButtons`` writes options as plain text in a 300 px column (raw
backticks, cut words) and gives each radio its own Tab stop. :class:`RadioGroup` (an
anywidget) shows each option as rendered inline markdown that wraps, as native radio
buttons sharing one name inside ``role="radiogroup"``: one Tab stop, arrow keys move and
choose within the group (the WAI-ARIA radio-group pattern, done by the browser), and the
keys it uses stay in it (the notebook's command-mode shortcuts do not take them). Works in
JupyterLab and in Voila.
"""

from __future__ import annotations

import html
import re

import anywidget
import traitlets

_PARAGRAPH = re.compile(r"^\s*<p>(.*)</p>\s*$", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")

#: option labels wrap; checkbox labels (multiple choice) too
STYLE = """<style>
.parcours-quiz .widget-checkbox { height: auto; width: auto; }
.parcours-quiz .widget-checkbox label, .parcours-quiz .widget-checkbox .widget-label-basic,
.parcours-quiz .widget-checkbox span { white-space: normal; overflow: visible;
  text-overflow: clip; height: auto; line-height: 1.4; max-width: 60em; }
.parcours-quiz code { background: rgba(127, 127, 127, 0.15); padding: 0 0.2em; }
</style>"""

_ESM = r"""
const KEYS = new Set(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End",
                      " ", "Enter"]);
let groups = 0;
function render({ model, el }) {
  groups += 1;
  const name = `parcours-choice-${groups}-${Math.random().toString(36).slice(2, 8)}`;
  const group = document.createElement("div");
  group.className = "parcours-radiogroup";
  group.setAttribute("role", "radiogroup");
  const draw = () => {
    group.setAttribute("aria-label", model.get("label"));
    group.replaceChildren();
    model.get("options").forEach((option, index) => {
      const label = document.createElement("label");
      label.className = "parcours-option";
      const input = document.createElement("input");
      input.type = "radio";
      input.name = name;
      input.value = String(index);
      input.checked = model.get("value") === index;
      input.disabled = model.get("disabled");
      input.addEventListener("change", () => {
        if (input.checked) { model.set("value", index); model.save_changes(); }
      });
      const text = document.createElement("span");
      text.innerHTML = option;  // rendered on the kernel's side from the author's markdown
      label.append(input, text);
      group.append(label);
    });
  };
  draw();
  group.addEventListener("keydown", (event) => {
    if (KEYS.has(event.key) && !event.shiftKey && !event.ctrlKey && !event.altKey
        && !event.metaKey) {
      event.stopPropagation();
    }
  });
  model.on("change:options", draw);
  model.on("change:label", draw);
  model.on("change:value", () => {
    for (const input of group.querySelectorAll("input")) {
      input.checked = Number(input.value) === model.get("value");
    }
  });
  model.on("change:disabled", () => {
    for (const input of group.querySelectorAll("input")) {
      input.disabled = model.get("disabled");
    }
  });
  el.append(group);
}
export default { render };
"""

_CSS = """
.parcours-radiogroup { display: flex; flex-direction: column; gap: 0.25em; margin: 0.3em 0; }
.parcours-radiogroup .parcours-option { display: flex; align-items: baseline; gap: 0.5em;
  white-space: normal; max-width: 60em; line-height: 1.4; cursor: pointer; }
.parcours-radiogroup input { flex: none; }
.parcours-radiogroup input:focus-visible { outline: 2px solid #1a73e8; outline-offset: 2px; }
.parcours-radiogroup code { background: rgba(127, 127, 127, 0.15); padding: 0 0.2em; }
"""


def inline_markdown(source: str) -> str:
    """An option's markdown as inline HTML (no surrounding paragraph)."""
    from ..ui import markdown

    rendered = markdown(source).strip()
    match = _PARAGRAPH.match(rendered)
    return match.group(1) if match and "<p>" not in match.group(1) else rendered


def plain_text(source: str) -> str:
    """An option's markdown as the text a reader sees (for a drop-down list)."""
    return html.unescape(_TAG.sub("", inline_markdown(source))).strip()


class RadioGroup(anywidget.AnyWidget):
    """Single choice: ``value`` is the index of the chosen option (None: none yet)."""

    _esm = _ESM
    _css = _CSS
    options = traitlets.List(traitlets.Unicode()).tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)
    value = traitlets.Int(None, allow_none=True).tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)

    def __init__(self, options: list[str], *, label: str) -> None:
        super().__init__(options=[inline_markdown(o) for o in options], label=label)
