// Building the page's elements: by id, and new elements whose text is always set with textContent, so
// that nothing the API returns is ever read as HTML.

export const element = (id) => document.getElementById(id);

export function make(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}
