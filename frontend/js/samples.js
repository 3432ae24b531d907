// What the page says about each job type, and sample payloads to try. A job type the page does not know
// yet (added to the contract later) still gets a form from its schema, with a sample made from it.

export const JOB_TYPE_INFO = {
  text_transform: {
    summary: 'Upper-cases a text and counts its characters and words.',
    samples: [
      { label: 'hello conveyor', payload: { text: 'hello conveyor' } },
      { label: 'Unicode', payload: { text: 'Straße, déjà vu, 東京 🚀' } },
      { label: 'Empty: rejected', payload: { text: '' } },
    ],
  },
  data_analysis: {
    summary: 'Summary statistics of a list of numbers: mean, median, spread and percentiles.',
    samples: [
      { label: 'Eight values', payload: { data: [2, 4, 4, 4, 5, 5, 7, 9] } },
      { label: 'Overflow: fails', payload: { data: [1e308, 1e308] } },
      { label: 'Not numbers: rejected', payload: { data: [1, 'two', 3] } },
    ],
  },
  send_email: {
    summary: 'Sends one email from this deployment’s address (Amazon SES), at most once. A deployment without a sender refuses it.',
    samples: [
      {
        label: 'To one address',
        payload: { to: ['ada@example.org'], subject: 'Hello from Conveyor', text: 'Sent by a job.', html: '<p>Sent by a <b>job</b>.</p>' },
      },
      { label: 'No recipient: rejected', payload: { to: [], subject: 'Hello', text: 'Nobody to send it to.' } },
    ],
  },
  image_resize: {
    summary: 'Resizes an image you upload: choose a file, a size, a format and how it should fit.',
    // No source_key: the image form fills it in with the key of the file it uploads.
    samples: [
      { label: 'Thumbnail', payload: { dimensions: [160, 160], format: 'webp', fit: 'cover' } },
      { label: 'Fit in 640 × 480', payload: { dimensions: [640, 480], fit: 'contain' } },
      { label: 'Over 16 MP: fails', payload: { dimensions: [4096, 4096] } },
      { label: 'Zero wide: rejected', payload: { dimensions: [0, 120], fit: 'contain' } },
    ],
  },
};

export function infoFor(jobType, inputSchema) {
  return JOB_TYPE_INFO[jobType] ?? {
    summary: inputSchema.description ?? inputSchema.title ?? '',
    samples: [{ label: 'Sample', payload: sampleFromSchema(inputSchema) }],
  };
}

function sampleFromSchema(schema) {
  const payload = {};
  for (const name of schema.required ?? []) {
    const property = schema.properties?.[name] ?? {};
    payload[name] = sampleValue(property);
  }
  return payload;
}

function sampleValue(schema) {
  switch (Array.isArray(schema.type) ? schema.type[0] : schema.type) {
    case 'string': return 'example';
    case 'number':
    case 'integer': return 1;
    case 'boolean': return true;
    case 'array': return [sampleValue(schema.items ?? {}), sampleValue(schema.items ?? {})];
    case 'object': return sampleFromSchema(schema);
    default: return null;
  }
}
