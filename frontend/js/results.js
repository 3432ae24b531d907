// A job's result, in the form that suits its type; any other type gets a plain table of its fields.
import { h } from './dom.js';

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
};

export function renderResult(jobType, result) {
  const render = RENDERERS[jobType];
  if (render) return render(result);
  return statisticsTable('Result', Object.entries(result).map(([name, value]) => [name, name, value]));
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
