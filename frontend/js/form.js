// One form per job type, built from the job type's input schema: a control per property, the schema's
// description as the hint, and each violation shown on the field its JSON pointer names.
import { codePoints, unescapeToken } from './contract.js';
import { h, uniqueId } from './dom.js';

const NUMBER_TOKEN = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const LONG_TEXT = 120; // characters: a string that may be longer than this gets a multi-line box

export class JobForm {
  constructor({ jobType, schema, info, onSubmit, submitLabel = `Submit ${jobType}` }) {
    this.jobType = jobType;
    this.schema = schema;
    const required = new Set(schema.required ?? []);
    this.fields = Object.entries(schema.properties ?? {}).map(
      ([name, property]) => this.createField(jobType, name, property, required.has(name)),
    );
    this.summary = h('div', { class: 'summary', tabindex: '-1', hidden: true });
    this.submitButton = h('button', { type: 'submit', class: 'button button-primary' }, submitLabel);
    this.element = h(
      'form',
      {
        class: 'job-form',
        novalidate: true,
        'data-job-type': jobType,
        'aria-label': `${jobType} job`,
        onsubmit: (event) => {
          event.preventDefault();
          if (!this.busy) onSubmit(this);
        },
      },
      h('p', { class: 'job-summary' }, info.summary),
      samplesRow(info.samples, (payload) => this.fill(payload)),
      this.summary,
      this.fields.map((field) => field.element),
      h('div', { class: 'actions' }, this.submitButton),
    );
    this.fill(info.samples[0]?.payload ?? {});
  }

  /** The control of one property; a form for a particular job type may give some properties controls of its own. */
  createField(jobType, name, property, required) {
    return new Field(jobType, name, property, required);
  }

  fill(payload) {
    for (const field of this.fields) field.write(payload[field.name]);
    this.clearProblems();
  }

  /** The payload the controls describe; values the schema will refuse are kept as typed, for it to judge. */
  payload() {
    const payload = {};
    for (const field of this.fields) {
      const { present, value } = field.read();
      if (present) payload[field.name] = value;
    }
    return payload;
  }

  /** While a submission is on its way; the button keeps the focus (a disabled one would lose it). */
  setBusy(busy) {
    this.busy = busy;
    this.submitButton.setAttribute('aria-disabled', String(busy));
    this.element.setAttribute('aria-busy', String(busy));
  }

  clearProblems() {
    this.summary.hidden = true;
    this.summary.replaceChildren();
    for (const field of this.fields) field.setErrors([]);
  }

  /**
   * Shows why a submission was refused: `heading`, `intro` (nodes), one row per violation {pointer, message},
   * then `outro`; each violation inside the payload is also shown on its field.
   */
  showProblems({ heading, intro = [], violations = [], complete = true, outro = [] }) {
    this.clearProblems();
    const byField = new Map();
    const rows = violations.map((violation) => {
      const field = this.#fieldFor(violation.pointer);
      if (field) {
        if (!byField.has(field)) byField.set(field, []);
        byField.get(field).push(violation);
      }
      const pointer = h('code', {}, violation.pointer || '(the whole body)');
      return h(
        'tr',
        {},
        h('td', {}, field ? h('a', { href: `#${field.control.id}`, onclick: (event) => field.focus(event) }, pointer) : pointer),
        h('td', {}, violation.message),
      );
    });
    for (const [field, found] of byField) field.setErrors(found.map((violation) => field.describe(violation)), found);
    this.summary.append(...[
      h('h3', { class: 'summary-heading' }, heading),
      ...[intro].flat(),
      rows.length
        ? h(
          'table',
          { class: 'violations' },
          h('caption', { class: 'visually-hidden' }, 'Problems, by JSON pointer into the request body'),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Pointer'), h('th', { scope: 'col' }, 'Message'))),
          h('tbody', {}, rows),
        )
        : null,
      complete ? null : h('p', { class: 'hint' }, 'Only the first problems are listed.'),
      ...[outro].flat(),
    ].filter(Boolean));
    this.summary.hidden = false;
    this.summary.focus();
  }

  #fieldFor(pointer) {
    const [, root, name] = pointer.split('/');
    if (root !== 'payload' || name === undefined) return null;
    return this.fields.find((field) => field.name === unescapeToken(name)) ?? null;
  }
}

function samplesRow(samples, fill) {
  if (samples.length < 2) return null;
  return h(
    'div',
    { class: 'samples', role: 'group', 'aria-label': 'Samples' },
    h('span', { class: 'samples-label' }, 'Try:'),
    samples.map((sample) => h('button', { type: 'button', class: 'button button-small button-quiet', onclick: () => fill(sample.payload) }, sample.label)),
  );
}

function kindOf(schema) {
  if (Array.isArray(schema.enum)) return 'choice';
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === 'string') return 'text';
  if (type === 'array' && ['number', 'integer'].includes(schema.items?.type)) return 'numbers';
  if (type === 'number' || type === 'integer') return 'number';
  if (type === 'boolean') return 'boolean';
  return 'json';
}

class Field {
  constructor(jobType, name, schema, required) {
    this.name = name;
    this.schema = schema;
    this.required = required;
    this.kind = kindOf(schema);
    const id = uniqueId(`${jobType}-${name}`);
    const hintId = `${id}-hint`;
    this.errorId = `${id}-error`;
    this.hintId = hintId;
    this.control = this.#buildControl(id);
    this.counter = h('p', { class: 'counter', 'aria-hidden': 'true' });
    this.error = h('div', { class: 'field-error', id: this.errorId, hidden: true });
    this.control.setAttribute('aria-describedby', hintId);
    if (required) this.control.setAttribute('aria-required', 'true');
    this.control.addEventListener('input', () => this.#updateCounter());
    const hint = [schema.description, this.kind === 'numbers' ? 'Separate them with commas, spaces or new lines.' : null]
      .filter(Boolean).join(' ');
    const label = h(
      'label',
      { for: id, class: this.kind === 'boolean' ? 'checkbox-label' : 'label' },
      h('span', { class: 'label-text' }, name),
      required ? h('span', { class: 'tag' }, 'required') : h('span', { class: 'tag tag-quiet' }, 'optional'),
    );
    this.element = this.kind === 'boolean'
      ? h('div', { class: 'field' }, h('div', { class: 'checkbox' }, this.control, label), h('p', { class: 'hint', id: hintId }, hint), this.error)
      : h('div', { class: 'field' }, label, h('p', { class: 'hint', id: hintId }, hint), this.error, this.control, this.counter);
  }

  #buildControl(id) {
    switch (this.kind) {
      case 'text':
        return (this.schema.maxLength ?? Infinity) > LONG_TEXT
          ? h('textarea', { id, name: this.name, rows: 3, spellcheck: 'false' })
          : h('input', { id, name: this.name, type: 'text', spellcheck: 'false' });
      case 'numbers':
        return h('textarea', { id, name: this.name, rows: 3, inputmode: 'decimal', spellcheck: 'false' });
      case 'number':
        return h('input', { id, name: this.name, type: 'text', inputmode: 'decimal' });
      case 'boolean':
        return h('input', { id, name: this.name, type: 'checkbox' });
      case 'choice': {
        // An optional property may be left out: the first option sends nothing, and says what that means.
        const absent = this.required
          ? null
          : h('option', { value: '' }, this.schema.default === undefined ? 'not sent' : `not sent (default: ${this.schema.default})`);
        const options = this.schema.enum.map((value, index) => h('option', { value: String(index) }, String(value)));
        return h('select', { id, name: this.name }, absent, options);
      }
      default:
        return h('textarea', { id, name: this.name, rows: 4, spellcheck: 'false', class: 'mono' });
    }
  }

  read() {
    const raw = this.kind === 'boolean' ? null : this.control.value;
    switch (this.kind) {
      case 'text':
        return { present: this.required || raw !== '', value: raw };
      case 'numbers': {
        const tokens = raw.replace(/^\s*\[|\]\s*$/g, '').split(/[\s,;]+/).filter(Boolean);
        return { present: this.required || tokens.length > 0, value: tokens.map(parseNumber) };
      }
      case 'number':
        return { present: this.required || raw.trim() !== '', value: parseNumber(raw.trim()) };
      case 'boolean':
        return { present: true, value: this.control.checked };
      case 'choice':
        return raw === '' ? { present: false, value: null } : { present: true, value: this.schema.enum[Number(raw)] };
      default:
        if (raw.trim() === '') return { present: this.required, value: null };
        try {
          return { present: true, value: JSON.parse(raw) };
        } catch {
          return { present: true, value: raw }; // the schema says what it should have been
        }
    }
  }

  write(value) {
    switch (this.kind) {
      case 'boolean':
        this.control.checked = Boolean(value);
        break;
      case 'numbers':
        this.control.value = Array.isArray(value) ? value.join(', ') : '';
        break;
      case 'json':
        this.control.value = value === undefined ? '' : JSON.stringify(value, null, 2);
        break;
      case 'choice': {
        const index = this.schema.enum.findIndex((option) => JSON.stringify(option) === JSON.stringify(value));
        this.control.value = index >= 0 ? String(index) : this.required ? '0' : '';
        break;
      }
      default:
        this.control.value = value ?? '';
    }
    this.#updateCounter();
  }

  /** A violation's message as this field shows it: which item, for a pointer inside the value. */
  describe({ pointer, message }) {
    const inside = pointer.split('/').slice(3);
    if (inside.length === 0) return message;
    if (this.kind === 'numbers' && inside.length === 1) return `Item ${Number(inside[0]) + 1}: ${message}`;
    return `/${inside.join('/')}: ${message}`;
  }

  setErrors(messages) {
    const describedBy = [this.hintId];
    this.error.replaceChildren(...messages.map((message) => h('p', {}, h('span', { class: 'visually-hidden' }, 'Error: '), message)));
    this.error.hidden = messages.length === 0;
    if (messages.length) {
      describedBy.push(this.errorId);
      this.control.setAttribute('aria-invalid', 'true');
      this.element.classList.add('field-invalid');
    } else {
      this.control.removeAttribute('aria-invalid');
      this.element.classList.remove('field-invalid');
    }
    this.control.setAttribute('aria-describedby', describedBy.join(' '));
  }

  focus(event) {
    event?.preventDefault();
    this.control.focus();
    this.control.scrollIntoView({ block: 'center' });
  }

  #updateCounter() {
    if (this.kind === 'text') {
      const count = codePoints(this.control.value);
      this.counter.textContent = `${count} character${count === 1 ? '' : 's'}`;
    } else if (this.kind === 'numbers') {
      const count = this.read().value.length;
      this.counter.textContent = `${count} value${count === 1 ? '' : 's'}`;
    }
  }
}

/** A number where the text is one (and finite); otherwise the text itself, for the schema to refuse. */
export function parseNumber(token) {
  if (!NUMBER_TOKEN.test(token)) return token;
  const value = Number(token);
  return Number.isFinite(value) ? value : token;
}
