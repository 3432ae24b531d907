// A tiny element builder: h('p', {class: 'hint'}, 'text', child). Text is always set as text, never HTML.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (value === true) {
      element.setAttribute(name, '');
    } else {
      element.setAttribute(name, String(value));
    }
  }
  element.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

/** Unique, stable-looking ids for label/for and aria-describedby pairs. */
let counter = 0;
export function uniqueId(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** 17:29:37.072 in the reader's time zone, inside a <time> that keeps the exact UTC value. */
export function timeElement(iso) {
  const date = new Date(iso);
  const text = date.toLocaleTimeString(undefined, {
    hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3, hour12: false,
  });
  return h('time', { datetime: iso, title: iso }, text);
}

/** Copies `text`; on refusal (no permission, insecure context) selects `fallback` so Ctrl+C works. */
export async function copyText(text, fallback) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (fallback) {
      fallback.focus();
      if (typeof fallback.select === 'function') {
        fallback.select();
      } else {
        window.getSelection().selectAllChildren(fallback);
      }
    }
    return false;
  }
}

/** A "Copy" button that copies what `getText` returns and says so, politely, to screen readers. */
export function copyButton(label, getText, getFallback, { name = null } = {}) {
  const status = h('span', { class: 'copy-status', role: 'status' });
  const button = h('button', {
    type: 'button',
    class: 'button button-small',
    'aria-label': name,
    onclick: async () => {
      const copied = await copyText(getText(), getFallback?.());
      status.textContent = copied ? 'Copied' : 'Selected: press Ctrl+C to copy';
      window.clearTimeout(button.resetTimer);
      button.resetTimer = window.setTimeout(() => { status.textContent = ''; }, 4000);
    },
  }, label);
  return h('span', { class: 'copy' }, button, status);
}

/** A command in a <pre>, with its label and a button that copies it. */
export function curlBlock(label, command) {
  const pre = h('pre', { class: 'command mono', tabindex: '0', 'aria-label': label }, command);
  return h(
    'div',
    { class: 'command-block' },
    h('div', { class: 'command-head' }, h('span', {}, label), copyButton('Copy', () => command, () => pre, { name: `Copy: ${label}` })),
    pre,
  );
}
