// What the page asks of the files bucket directly, with URLs the API presigned: an image uploaded with the
// form an upload ticket describes, and a result document too large for the jobs table, read back.

/** A failed call to S3: `problem` is made up as the API's problem details are, {title, detail}. */
export class FilesError extends Error {
  constructor(problem, { status = null, network = false } = {}) {
    super(problem.detail || problem.title);
    this.problem = problem;
    this.status = status;
    this.network = network;
  }
}

/**
 * The presigned POST of an upload ticket (contracts/v1/upload-ticket.schema.json): every member of `fields`,
 * then the file, last, as `file` (S3 ignores what follows it). fetch sets the multipart Content-Type itself.
 */
export async function uploadFile(ticket, file) {
  const form = new FormData();
  for (const [name, value] of Object.entries(ticket.fields)) form.append(name, value);
  form.append('file', file);
  const response = await call(ticket.url, { method: 'POST', body: form });
  if (response.ok) return; // 204, or 200 and 201 when the policy asks for them
  throw await refusal(response, 'S3 refused the upload');
}

/** The JSON document a job record's `result_url` names: the result, stored aside. */
export async function fetchResultDocument(url) {
  const response = await call(url, { cache: 'no-store' });
  if (!response.ok) throw await refusal(response, 'S3 refused to send the result');
  let document;
  try {
    document = JSON.parse(await response.text());
  } catch {
    throw new FilesError({ title: 'Not a result', detail: 'The document at result_url is not JSON.' });
  }
  if (!document || typeof document !== 'object' || Array.isArray(document)) {
    throw new FilesError({ title: 'Not a result', detail: 'The document at result_url is not a JSON object.' });
  }
  return document;
}

async function call(url, init) {
  try {
    return await fetch(url, init);
  } catch {
    throw new FilesError(
      {
        title: 'S3 did not answer',
        detail: `No response from ${new URL(url).origin}: it may be down, or the browser refused the call (CORS).`,
      },
      { network: true },
    );
  }
}

/** S3 explains a refusal in XML: <Error><Code>…</Code><Message>…</Message></Error>. */
async function refusal(response, title) {
  const text = await response.text();
  const xml = new DOMParser().parseFromString(text, 'application/xml');
  const code = xml.querySelector('Error > Code')?.textContent;
  const message = xml.querySelector('Error > Message')?.textContent;
  const detail = code ? `${code}: ${message ?? ''}`.trim() : text.slice(0, 500) || 'No body.';
  return new FilesError({ title: `${title}: HTTP ${response.status}`, detail }, { status: response.status });
}
