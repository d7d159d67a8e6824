// The YAML editor of the artifact pages: a labelled <textarea> with a line-number gutter beside it, a
// pause in typing reported to the page (which sends the text to the DSL with validate_only), and the
// DSL's issues listed under it, each at its line and column; a click on an issue puts the caret there.
// No editor library: the gutter is one number per line, kept scrolled with the text, and the lines
// an issue names are marked in it. Every text is set with textContent.

import { make } from "./dom.js";

export const PAUSE_MS = 400;

// The offset in `text` of 1-based `line` and `column` (clamped to the text and to the line's length).
export function offsetOf(text, line, column) {
  const lines = text.split("\n");
  const row = Math.min(Math.max(1, line || 1), lines.length);
  let offset = 0;
  for (let index = 0; index < row - 1; index += 1) offset += lines[index].length + 1;
  return offset + Math.min(Math.max(0, (column || 1) - 1), lines[row - 1].length);
}

// Where an issue is, as people read it: "line 3, column 5", or "" when the DSL gave it no place.
export function placeOf(issue) {
  if (!issue.line) return "";
  return issue.column ? `line ${issue.line}, column ${issue.column}` : `line ${issue.line}`;
}

// An editor for `text`, labelled `label`. Returns { element, textarea, text(), showIssues(issues,
// heading), showValid(text), goTo(line, column), stop(), onPause }: the page sets `onPause(text)`, which
// runs after each pause in typing; stop() forgets a pause not yet reported.
export function yamlEditor({ id, label, text }) {
  const element = make("div", undefined, { class: "yaml-editor" });
  element.append(make("label", label, { for: id }));
  const frame = element.appendChild(make("div", undefined, { class: "editor-frame" }));
  const gutter = frame.appendChild(make("div", undefined, { class: "gutter", "aria-hidden": "true" }));
  const textarea = frame.appendChild(
    make("textarea", undefined, {
      id,
      spellcheck: "false",
      autocapitalize: "off",
      autocomplete: "off",
      wrap: "off",
      rows: "18",
      "aria-describedby": `${id}-issues`,
    }),
  );
  textarea.value = text;
  const verdict = element.appendChild(make("div", undefined, { id: `${id}-issues`, class: "issues" }));
  let marked = new Set();
  let shownLines = -1;

  function numberLines() {
    const count = textarea.value.split("\n").length;
    if (count === shownLines) return;
    shownLines = count;
    const numbers = [];
    for (let line = 1; line <= count; line += 1) {
      numbers.push(make("span", String(line), marked.has(line) ? { class: "marked" } : {}));
    }
    gutter.replaceChildren(...numbers);
    gutter.scrollTop = textarea.scrollTop;
  }

  function goTo(line, column) {
    const offset = offsetOf(textarea.value, line, column);
    textarea.focus();
    textarea.setSelectionRange(offset, offset);
    const height = Number.parseFloat(getComputedStyle(textarea).lineHeight) || 18;
    const wanted = (Math.max(1, line) - 1) * height;
    if (wanted < textarea.scrollTop || wanted > textarea.scrollTop + textarea.clientHeight - height) {
      textarea.scrollTop = Math.max(0, wanted - textarea.clientHeight / 3);
    }
  }

  function showIssues(issues, heading) {
    marked = new Set(issues.map((issue) => issue.line).filter(Boolean));
    shownLines = -1;
    numberLines();
    const alert = make("div", undefined, { role: "alert" });
    alert.append(make("p", heading, { class: "outcome" }));
    const list = alert.appendChild(make("ul"));
    for (const issue of issues) {
      const item = list.appendChild(make("li"));
      const place = placeOf(issue);
      if (place) {
        const button = item.appendChild(make("button", place, { type: "button", class: "place" }));
        button.addEventListener("click", () => goTo(issue.line, issue.column));
        item.append(`: ${issue.message}`);
      } else item.append(issue.message);
    }
    verdict.replaceChildren(alert);
  }

  function showValid(message) {
    marked = new Set();
    shownLines = -1;
    numberLines();
    verdict.replaceChildren(make("p", message, { role: "status", class: "valid" }));
  }

  let timer = null;
  textarea.addEventListener("input", () => {
    numberLines();
    clearTimeout(timer);
    timer = setTimeout(() => editor.onPause(textarea.value), PAUSE_MS);
  });
  textarea.addEventListener("scroll", () => {
    gutter.scrollTop = textarea.scrollTop;
  });
  numberLines();
  const editor = {
    element,
    textarea,
    text: () => textarea.value,
    showIssues,
    showValid,
    goTo,
    stop: () => clearTimeout(timer),
    onPause: () => {},
  };
  return editor;
}
