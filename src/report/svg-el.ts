// The one SVG element helper of the HTML pages' scripts (browser JavaScript, embedded as text):
// el(name, attrs, parent, text) creates an SVG element, sets its attributes and text, appends it.
export const SVG_EL = String.raw`
  function el(name, attrs, parent, text) {
    var e = document.createElementNS('http://www.w3.org/2000/svg', name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
`
