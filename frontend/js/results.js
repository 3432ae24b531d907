// A job's result, in the form that suits its type; any other type gets a plain table of its fields.
import { h, timeElement } from './dom.js';

const STATISTICS = [
  ['count', 'Count'],
  ['sum', 'Sum'],
  ['mean', 'Mean'],
  ['median', 'Median'],
  ['min', 'Minimum'],
  ['max', 'Maximum'],
  ['stdev', 'Standard deviation (population)'],
  ['p90', '90th percentile'],
  ['p99', '99th percentile'],
];

const RENDERERS = {
  text_transform: (result) => h(
    'div',
    { class: 'result result-text' },
    h('h4', { class: 'result-label', id: 'result-uppercase-label' }, 'Upper case'),
    h('pre', { class: 'text-output', 'aria-labelledby': 'result-uppercase-label', tabindex: '0' }, result.uppercase),
    h(
      'dl',
      { class: 'facts' },
      h('div', {}, h('dt', {}, 'Characters'), h('dd', {}, formatNumber(result.length))),
      h('div', {}, h('dt', {}, 'Words'), h('dd', {}, formatNumber(result.word_count))),
    ),
  ),
  data_analysis: (result) => statisticsTable(
    `Statistics of ${result.count} value${result.count === 1 ? '' : 's'}`,
    STATISTICS.filter(([name]) => name in result).map(([name, label]) => [label, name, result[name]]),
  ),
  image_resize: (result) => imageResult(result),
};

export function renderResult(jobType, result) {
  const render = RENDERERS[jobType];
  if (render) return render(result);
  return statisticsTable('Result', Object.entries(result).map(([name, value]) => [name, name, value]));
}

/**
 * The resized image, from the presigned URL the API added to the record, with its dimensions, format and size.
 * A result without a URL (the document the worker stored) shows its facts only.
 */
function imageResult(result) {
  const [width, height] = result.dimensions;
  const facts = h(
    'dl',
    { class: 'facts' },
    fact('Dimensions', 'dimensions', `${width} × ${height} px`),
    fact('Format', 'format', result.format),
    fact('Size', 'size', h('data', { value: String(result.size_bytes), title: `${formatNumber(result.size_bytes)} bytes` }, formatBytes(result.size_bytes))),
  );
  const key = h('p', { class: 'hint result-key' }, 'In the files bucket as ', h('code', {}, result.key));
  if (!result.url) return h('div', { class: 'result result-image' }, facts, key);
  const image = h('img', {
    class: 'resized-image',
    src: result.url,
    alt: `The resized image, ${width} × ${height} pixels, ${result.format}`,
    width,
    height,
    decoding: 'async',
  });
  const broken = h(
    'p',
    { class: 'hint image-broken', hidden: true },
    'The image did not load: its link may have expired. Open the job again from your jobs for a new link.',
  );
  image.addEventListener('error', () => {
    image.hidden = true;
    broken.hidden = false;
  });
  return h(
    'div',
    { class: 'result result-image' },
    h('div', { class: 'image-frame' }, image, broken),
    facts,
    key,
    h(
      'p',
      { class: 'hint' },
      h('a', { href: result.url, target: '_blank', rel: 'noopener' }, 'Open the image'),
      result.url_expires_at ? [' (the link works until ', timeElement(result.url_expires_at), ')'] : null,
    ),
  );
}

function fact(label, name, value) {
  return h('div', {}, h('dt', {}, label), h('dd', { 'data-fact': name }, value));
}

function statisticsTable(caption, rows) {
  return h(
    'div',
    { class: 'result table-scroll', tabindex: '0', role: 'region', 'aria-label': caption },
    h(
      'table',
      { class: 'statistics' },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Statistic'), h('th', { scope: 'col', class: 'numeric' }, 'Value'))),
      h(
        'tbody',
        {},
        rows.map(([label, name, value]) => h(
          'tr',
          { 'data-statistic': name },
          h('th', { scope: 'row' }, label),
          h('td', { class: 'numeric' }, typeof value === 'number'
            ? h('data', { value: String(value), title: String(value) }, formatNumber(value))
            : h('code', {}, JSON.stringify(value))),
        )),
      ),
    ),
  );
}

/** Readable, not rounded away: at most 6 decimals, and powers of ten for the very large or small. */
export function formatNumber(value) {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude >= 1e15 || magnitude < 1e-6)) {
    return value.toExponential(6).replace(/\.?0+e/, 'e');
  }
  return value.toLocaleString('en-US', { maximumFractionDigits: 6, useGrouping: magnitude >= 1e4 });
}

/** A file's size in the units the contract uses (10 MiB = 10485760 bytes). */
export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} byte${bytes === 1 ? '' : 's'}`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toLocaleString('en-US', { maximumFractionDigits: value < 10 ? 1 : 0 })} ${units[unit]}`;
}
