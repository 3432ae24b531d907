// The image_resize form: the form of its input schema, except that source_key is a file to choose and
// dimensions a width and a height. Before the job is submitted the file goes to S3: POST /uploads answers
// with an upload ticket, a presigned form POST that the page sends straight to the bucket; the job then
// names the ticket's source_key. A file is uploaded once, however many jobs are submitted with it.
import { ApiError } from './api.js';
import { submitCommand } from './curl.js';
import { curlBlock, h, uniqueId } from './dom.js';
import { JobForm, parseNumber } from './form.js';
import { formatBytes, formatNumber } from './results.js';
import { FilesError, uploadFile } from './s3.js';

// Stands in for the key POST /uploads will return, so that the browser's check can judge the rest of the
// payload before anything is uploaded; it is replaced before the job is sent.
export const PENDING_SOURCE_KEY = 'uploads/00000000-0000-4000-8000-000000000000';

export class ImageForm extends JobForm {
  constructor({ uploadTypes, ...options }) {
    super({ ...options, submitLabel: `Upload and submit ${options.jobType}` });
    this.fileField.accept(uploadTypes);
    this.fileField.onChoose = () => this.clearProblems();
    this.status = h('p', { class: 'hint upload-status', role: 'status' });
    this.submitButton.after(this.status);
    this.uploaded = null; // {file, key}: the last file uploaded
  }

  createField(jobType, name, property, required) {
    if (name === 'source_key') {
      this.fileField = new FileField(jobType, name, property, required);
      return this.fileField;
    }
    if (name === 'dimensions') return new DimensionsField(jobType, name, property, required);
    return super.createField(jobType, name, property, required);
  }

  /**
   * Uploads the chosen file, unless it was already, and returns the payload to submit with its key; or null
   * when the page, the API or S3 refused the upload (this form then shows why).
   */
  async beforeSubmit(api) {
    const payload = this.payload();
    const file = this.fileField.file;
    if (!file) return payload; // no source_key: the API says so, on the file's field
    if (this.uploaded?.file !== file) {
      try {
        const key = await this.#upload(api, file);
        if (key === null) return null;
        this.uploaded = { file, key };
      } finally {
        this.status.textContent = '';
      }
    }
    return { ...payload, source_key: this.uploaded.key };
  }

  async #upload(api, file) {
    const wrongType = this.fileField.typeProblem();
    if (wrongType) {
      this.#refuse('Choose an image the worker reads', wrongType);
      return null;
    }
    this.status.textContent = 'Asking the API for an upload ticket…';
    let ticket;
    try {
      ticket = await api.requestUpload(file.type);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const { problem } = error;
      this.showProblems({
        heading: error.network ? problem.title : `The API refused the upload: ${problem.status ?? error.status} ${problem.title}`,
        intro: [
          h('p', {}, problem.detail),
          problem.type ? h('p', { class: 'problem-type' }, 'Problem type ', h('code', {}, problem.type)) : null,
          h('p', {}, 'Nothing was uploaded, and no job was submitted.'),
        ],
        violations: problem.errors ?? [],
        outro: curlBlock('The same with curl', submitCommand(api.uploadsUrl(), { content_type: file.type })),
      });
      return null;
    }
    if (file.size > ticket.max_bytes) {
      this.#refuse(
        'This file is too large to upload',
        `${file.name} has ${formatBytes(file.size)} (${formatNumber(file.size)} bytes); an upload may have at most `
        + `${formatBytes(ticket.max_bytes)} (${formatNumber(ticket.max_bytes)} bytes). Choose a smaller image.`,
      );
      return null;
    }
    this.status.textContent = `Uploading ${file.name} (${formatBytes(file.size)}) to S3…`;
    try {
      await uploadFile(ticket, file);
    } catch (error) {
      if (!(error instanceof FilesError)) throw error;
      this.showProblems({
        heading: error.problem.title,
        intro: [h('p', {}, error.problem.detail), h('p', {}, 'No job was submitted.')],
      });
      return null;
    }
    this.fileField.showUploaded(ticket.source_key);
    return ticket.source_key;
  }

  /** The page's own refusal of the file, before anything is uploaded: in the summary and on the field. */
  #refuse(heading, message) {
    this.showProblems({ heading, intro: [h('p', {}, message), h('p', {}, 'Nothing was uploaded.')] });
    this.fileField.setErrors([message]);
  }
}

/** source_key, as the file whose upload will give it: a file input, and a preview of the chosen image. */
class FileField {
  constructor(jobType, name, schema, required) {
    this.name = name;
    this.schema = schema;
    this.file = null;
    this.types = [];
    this.previewUrl = null;
    this.onChoose = () => {};
    const id = uniqueId(`${jobType}-image`);
    this.hintId = `${id}-hint`;
    this.errorId = `${id}-error`;
    this.control = h('input', { id, name: 'image', type: 'file', 'aria-describedby': this.hintId, onchange: () => this.#chosen() });
    if (required) this.control.setAttribute('aria-required', 'true');
    this.hint = h('p', { class: 'hint', id: this.hintId });
    this.error = h('div', { class: 'field-error', id: this.errorId, hidden: true });
    this.image = h('img', { class: 'preview-image', alt: '' });
    this.caption = h('figcaption', { class: 'preview-caption' });
    this.preview = h('figure', { class: 'preview', hidden: true }, this.image, this.caption);
    this.image.addEventListener('load', () => {
      this.#caption(`${this.image.naturalWidth} × ${this.image.naturalHeight} px`);
    });
    this.image.addEventListener('error', () => {
      this.image.hidden = true;
      this.#caption('your browser cannot show it; the worker decides whether it is an image');
    });
    this.keyLine = h('p', { class: 'hint uploaded-key', hidden: true });
    this.element = h(
      'div',
      { class: 'field field-file' },
      h(
        'label',
        { for: id, class: 'label' },
        h('span', {}, 'Image file'),
        required ? h('span', { class: 'tag' }, 'required') : h('span', { class: 'tag tag-quiet' }, 'optional'),
      ),
      this.hint,
      this.error,
      this.control,
      this.preview,
      this.keyLine,
    );
  }

  /** The media types POST /uploads accepts (the contract's upload-request schema). */
  accept(types) {
    this.types = types;
    this.control.setAttribute('accept', types.join(','));
    const names = types.map((type) => type.replace(/^image\//, '').toUpperCase());
    this.hint.textContent = `A ${names.slice(0, -1).join(', ')} or ${names.at(-1)} image. The page uploads it to S3 first; `
      + 'the job names it by the key the upload ticket gives (its source_key).';
  }

  /** Why the chosen file cannot be uploaded, judged by its media type; null if it can. */
  typeProblem() {
    if (!this.file || this.types.includes(this.file.type)) return null;
    const names = this.types.map((type) => type.replace(/^image\//, '').toUpperCase());
    const what = this.file.type ? `is ${this.file.type}` : 'is of a type the browser does not know';
    return `${this.file.name} ${what}; choose a ${names.slice(0, -1).join(', ')} or ${names.at(-1)} image.`;
  }

  #chosen() {
    if (this.previewUrl) URL.revokeObjectURL(this.previewUrl);
    this.previewUrl = null;
    this.file = this.control.files[0] ?? null;
    this.keyLine.hidden = true;
    this.onChoose();
    if (!this.file) {
      this.preview.hidden = true;
      return;
    }
    const problem = this.typeProblem();
    if (problem) {
      this.preview.hidden = true;
      this.setErrors([problem]);
      return;
    }
    this.previewUrl = URL.createObjectURL(this.file);
    this.image.hidden = false;
    this.image.alt = `Preview of ${this.file.name}`;
    this.image.src = this.previewUrl;
    this.#caption();
    this.preview.hidden = false;
  }

  #caption(extra = null) {
    this.caption.textContent = [this.file.name, formatBytes(this.file.size), extra].filter(Boolean).join(' · ');
  }

  showUploaded(key) {
    this.keyLine.replaceChildren('Uploaded as ', h('code', {}, key), '; submitting again reuses it.');
    this.keyLine.hidden = false;
  }

  read() {
    return { present: this.file !== null, value: PENDING_SOURCE_KEY };
  }

  write() {
    // Samples describe the other fields: the chosen file stays.
  }

  describe({ message }) {
    return message === 'Required but missing; add it.' ? 'Choose an image file: its upload gives the job its source_key.' : message;
  }

  setErrors(messages) {
    this.error.replaceChildren(...messages.map((message) => h('p', {}, h('span', { class: 'visually-hidden' }, 'Error: '), message)));
    this.error.hidden = messages.length === 0;
    this.control.setAttribute('aria-describedby', messages.length ? `${this.hintId} ${this.errorId}` : this.hintId);
    if (messages.length) this.control.setAttribute('aria-invalid', 'true');
    else this.control.removeAttribute('aria-invalid');
    this.element.classList.toggle('field-invalid', messages.length > 0);
  }

  focus(event) {
    event?.preventDefault();
    this.control.focus();
    this.control.scrollIntoView({ block: 'center' });
  }
}

/** dimensions, [width, height], as two inputs side by side. */
class DimensionsField {
  static PARTS = ['Width', 'Height'];

  constructor(jobType, name, schema, required) {
    this.name = name;
    this.required = required;
    const id = uniqueId(`${jobType}-${name}`);
    this.hintId = `${id}-hint`;
    this.errorId = `${id}-error`;
    this.inputs = DimensionsField.PARTS.map((part) => h('input', {
      id: `${id}-${part.toLowerCase()}`,
      type: 'text',
      inputmode: 'numeric',
      autocomplete: 'off',
      'aria-describedby': this.hintId,
      'aria-required': required ? 'true' : null,
    }));
    this.control = this.inputs[0];
    this.error = h('div', { class: 'field-error', id: this.errorId, hidden: true });
    this.element = h(
      'fieldset',
      { class: 'field field-dimensions' },
      h(
        'legend',
        { class: 'label' },
        h('span', { class: 'label-text' }, name),
        required ? h('span', { class: 'tag' }, 'required') : h('span', { class: 'tag tag-quiet' }, 'optional'),
      ),
      h('p', { class: 'hint', id: this.hintId }, schema.description ?? ''),
      this.error,
      h(
        'div',
        { class: 'dimension-inputs' },
        DimensionsField.PARTS.map((part, index) => h(
          'div',
          { class: 'dimension' },
          h('label', { for: this.inputs[index].id, class: 'dimension-label' }, `${part} (px)`),
          this.inputs[index],
        )),
      ),
    );
  }

  read() {
    const values = this.inputs.map((input) => input.value.trim());
    if (!this.required && values.every((value) => value === '')) return { present: false, value: null };
    return { present: true, value: values.map(parseNumber) };
  }

  write(value) {
    this.inputs.forEach((input, index) => {
      input.value = Array.isArray(value) && value[index] !== undefined ? String(value[index]) : '';
    });
  }

  describe({ pointer, message }) {
    const part = DimensionsField.PARTS[Number(pointer.split('/')[3])];
    return part ? `${part}: ${message}` : message;
  }

  /** Each violation marks the input it points into, or both for one about the pair. */
  setErrors(messages, violations = []) {
    this.error.replaceChildren(...messages.map((message) => h('p', {}, h('span', { class: 'visually-hidden' }, 'Error: '), message)));
    this.error.hidden = messages.length === 0;
    this.element.classList.toggle('field-invalid', messages.length > 0);
    this.inputs.forEach((input, index) => {
      const invalid = violations.some(({ pointer }) => {
        const item = pointer.split('/')[3];
        return item === undefined || Number(item) === index;
      });
      if (invalid) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
      input.setAttribute('aria-describedby', invalid ? `${this.hintId} ${this.errorId}` : this.hintId);
    });
  }

  focus(event) {
    event?.preventDefault();
    this.control.focus();
    this.control.scrollIntoView({ block: 'center' });
  }
}
